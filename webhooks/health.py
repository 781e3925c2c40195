"""`GET /healthz`: 200 when the database answers."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webhooks import service

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Whether the service can reach its database."""
    try:
        with service().database.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("health check: the database does not answer")
        return jsonify(status="unavailable", database=False), 503
    return jsonify(status="ok", database=True)
