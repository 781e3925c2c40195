"""The overview page: learners by channel, language and role, activity, new by week, pushes."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for

from bot.i18n import LANGUAGES
from dashboard import bp, numbers
from storage.models import utcnow
from webhooks import service


@bp.route("/")
def index() -> Any:
    """The dashboard's front door: the overview."""
    return redirect(url_for("dashboard.overview"))


@bp.route("/overview")
def overview() -> Any:
    """Counts of learners and pushes, with bar charts drawn on the server."""
    senda = service()
    with senda.sessions() as db:
        found = numbers.overview(db, utcnow(), senda.settings.timezone)
        joins = [(org.name, count) for org, count in numbers.organisation_joins(db)]
    languages = [
        (LANGUAGES[code].name if code in LANGUAGES else code, count)
        for code, count in found.by_language.most_common()
    ]
    weeks = [(monday.strftime("%d %b"), count) for monday, count in found.new_by_week]
    return render_template(
        "dashboard/overview.html", o=found, languages=languages, weeks=weeks, joins=joins
    )
