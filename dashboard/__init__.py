"""The staff dashboard: a blueprint of the web app, server-rendered, signed in, CSRF-protected.

Viewers read the numbers; editors also send broadcasts, export aggregates and add
organisations; admins also manage accounts and read the audit log.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
)
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register the dashboard on the app: cookies, CSRF, headers, pages and the admin command."""
    # Importing these modules adds their pages and hooks to `bp`.
    from dashboard import (  # noqa: F401
        accounts,
        audit,
        auth,
        broadcasting,
        courses,
        directory,
        helpdesk,
        overview,
        roles,
        security,
        sharing,
    )
    from dashboard.cli import admin_group

    public_url = app.extensions["senda"].settings.public_url
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=public_url.startswith("https://"),
        # Checked by the dashboard itself (security.check_csrf) and nowhere else: the webhooks
        # under /webhooks/* are signed by the providers and must never ask for a form token.
        WTF_CSRF_CHECK_DEFAULT=False,
    )
    # Small pages for slow connections: no blank lines left by template tags.
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(admin_group)
