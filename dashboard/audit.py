"""The audit log: who did what in the dashboard, readable by admins."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import bp
from dashboard.roles import requires
from storage.models import AuditEntry, utcnow
from webhooks import service

PAGE = 200


def record(session: Session, actor: str, action: str, detail: str = "") -> None:
    """Add an entry to the audit log, in the caller's transaction."""
    session.add(AuditEntry(at=utcnow(), actor=actor[:254], action=action, detail=detail[:500]))


@bp.route("/audit")
@requires("admin")
def audit_log() -> Any:
    """The latest entries of the audit log (admins)."""
    with service().sessions() as db:
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE)).all()
    return render_template("dashboard/audit.html", entries=entries, limit=PAGE)
