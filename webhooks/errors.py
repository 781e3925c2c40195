"""The answer when the database is down or restarting: 503, so that the channels deliver again.

Telegram and Twilio deliver a webhook again when it fails. A message that arrives while the
database is away is answered 503 (not 500, and without a traceback): nothing was done, and the
redelivery, once the database is back, is handled exactly once, because the message id is
claimed in the same transaction as everything the message changes.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from storage.db import database_unavailable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def register(app: Flask) -> None:
    """Install the handler on the app."""

    @app.errorhandler(SQLAlchemyError)
    def database_error(error: SQLAlchemyError):
        if not database_unavailable(error):
            raise error  # a fault of ours: Flask's own handling, a logged traceback and a 500
        # One short line: the kind of failure, not its text, which names hosts and ports and
        # may quote the statement's parameters.
        cause = type(getattr(error, "orig", None) or error).__name__
        log.warning("%s %s: database unavailable (%s), 503", request.method, request.path, cause)
        response = jsonify(error="service unavailable, try again later")
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
