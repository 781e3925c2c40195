"""The Flask app factory: webhooks of the channels, health, and the staff dashboard."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask, current_app

from bot.config import Settings, instance_path_from
from bot.logs import configure_logging
from bot.service import Service, build_service

# No channel posts more than a few kilobytes; anything over 1 MiB is refused with 413 before it is
# read (Flask applies it to JSON and to the form parser the Twilio endpoints use).
MAX_BODY_BYTES = 1024 * 1024


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the web app. `test_config` holds environment-style settings that win over the
    process environment (`DATABASE_URL`, `SENDA_INSTANCE`, ...)."""
    if test_config is None:
        configure_logging()
    environ = {**os.environ, **{k: str(v) for k, v in (test_config or {}).items()}}
    instance = instance_path_from(environ)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    settings = Settings.load(environ)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    app.extensions["senda"] = build_service(settings)

    from dashboard import certificate_pages
    from webhooks import bodies, errors, health, telegram, twilio

    bodies.register(app)
    errors.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(telegram.bp)
    app.register_blueprint(twilio.bp)
    app.register_blueprint(certificate_pages.bp)
    # The app factory is the composition root: the dashboard sits on top of the webhooks.
    import dashboard

    dashboard.init_app(app)
    return app


def service() -> Service:
    """The service of the current app."""
    return current_app.extensions["senda"]
