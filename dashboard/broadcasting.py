"""Broadcasts from the dashboard: compose, preview the audience, send, follow; the history.

The same path as `senda broadcast send FILE`: the form becomes the file's mapping, checked by
`broadcasts.parse_broadcast` and queued by `broadcasts.queue` for the workers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bot.delivery import broadcasts
from bot.i18n import INTERFACE_LANGUAGES, LANGUAGES
from dashboard import bp
from dashboard.audit import record
from dashboard.roles import requires
from lessons.model import ROLES
from storage.models import Broadcast, utcnow
from webhooks import service

HISTORY = 50


class FormError(ValueError):
    """A broadcast form that cannot be sent as it is."""


def spec_from_form(form: MultiDict, zone: str, now: datetime) -> broadcasts.BroadcastSpec:
    """The broadcast a form describes, checked as a broadcast file is."""
    texts = {
        language: form.get(f"text_{language}", "").strip()
        for language in INTERFACE_LANGUAGES
        if form.get(f"text_{language}", "").strip()
    }
    if not texts:
        raise FormError("Write the message in at least one language.")
    data: dict[str, object] = {
        "texts": texts,
        "audience": {key: form.getlist(key) for key in broadcasts.AUDIENCE_KEYS},
        "urgent": form.get("urgent") == "on",
    }
    send_at = _local_time(form, "send_at", zone, "The send time")
    if send_at is not None:
        if send_at < now - timedelta(minutes=1):
            raise FormError("The send time is in the past; leave it empty to send now.")
        data["send_at"] = send_at
    expires_at = _local_time(form, "expires_at", zone, "The end time")
    if expires_at is not None:
        data["expires_at"] = expires_at
    try:
        return broadcasts.parse_broadcast(data)
    except broadcasts.BroadcastFileError as error:
        raise FormError(f"{str(error).capitalize()}.") from error


def _local_time(form: MultiDict, field: str, zone: str, what: str) -> datetime | None:
    """A date and time the form gives in the service's zone; None when left empty."""
    when = form.get(field, "").strip()
    if not when:
        return None
    try:
        return datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(zone))
    except ValueError as error:
        raise FormError(f"{what} is not a date and time.") from error


def _compose_page(form: MultiDict, status: int = 200, **extra: Any) -> tuple[str, int]:
    senda = service()
    regions = [
        (r.id, r.name.get(senda.catalog.regions_language, r.id)) for r in senda.catalog.regions
    ]
    channels = [c for c in broadcasts.CHANNELS if senda.outbox.handles(c)]
    page = render_template(
        "dashboard/compose.html",
        form=form,
        languages=[(code, LANGUAGES[code].name) for code in INTERFACE_LANGUAGES],
        roles=ROLES,
        channels=broadcasts.CHANNELS,
        configured=channels,
        regions=regions,
        zone=senda.settings.timezone,
        **extra,
    )
    return page, status


@bp.route("/broadcasts/new", methods=["GET", "POST"])
@requires("editor")
def compose() -> Any:
    """The form; "Preview" counts the audience, "Send" queues the broadcast."""
    if request.method == "GET":
        return _compose_page(MultiDict())
    senda = service()
    try:
        spec = spec_from_form(request.form, senda.settings.timezone, utcnow())
    except FormError as error:
        return _compose_page(request.form, 400, error=str(error))
    audience = broadcasts.audience_size(senda, spec.audience)
    if request.form.get("action") != "send":
        return _compose_page(request.form, audience=audience)
    broadcast_id = broadcasts.queue(senda, spec)
    with senda.sessions.begin() as db:
        detail = f"#{broadcast_id} to {audience} people, audience {spec.audience or 'everyone'}"
        record(db, g.staff.email, "broadcast", detail)
    flash(f"Broadcast #{broadcast_id} queued for {audience} people.")
    return redirect(url_for("dashboard.broadcast", broadcast_id=broadcast_id))


@bp.route("/broadcasts")
def broadcast_history() -> Any:
    """The latest broadcasts with their delivery counts."""
    senda = service()
    with senda.sessions() as db:
        found = db.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(HISTORY)).all()
    counts = broadcasts.statuses(senda, [b.id for b in found])
    return render_template("dashboard/broadcasts.html", broadcasts=found, counts=counts)


@bp.route("/broadcasts/<int:broadcast_id>")
def broadcast(broadcast_id: int) -> Any:
    """One broadcast: its texts, audience and delivery counts (the page refreshes itself)."""
    senda = service()
    with senda.sessions() as db:
        found = db.get(Broadcast, broadcast_id)
    if found is None:
        abort(404)
    counts = broadcasts.status(senda, broadcast_id)
    return render_template("dashboard/broadcast.html", b=found, counts=counts)
