"""The overview page: learners by channel, language and role, activity, new by week, pushes."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for

from bot.i18n import LANGUAGES
from dashboard import bp, numbers
from dashboard.desk_numbers import desk_numbers
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
        desk = desk_numbers(
            db, utcnow(), senda.settings.timezone, senda.settings.helpdesk_reply_minutes
        )
    languages = [
        (LANGUAGES[code].name if code in LANGUAGES else code, count)
        for code, count in found.by_language.most_common()
    ]
    weeks = [(monday.strftime("%d %b"), count) for monday, count in found.new_by_week]
    least = senda.settings.min_group
    return render_template(
        "dashboard/overview.html",
        o=found,
        languages=languages,
        weeks=weeks,
        joins=joins,
        desk=desk,
        # A week of 1 to 4 requests is not shown as such: it reads as 0, and the page says so.
        desk_weeks=[
            (monday.strftime("%d %b"), count if count >= least else 0)
            for monday, count in desk.by_week
        ],
        small_weeks=sum(1 for _monday, count in desk.by_week if 0 < count < least),
        topics=[f for f in desk.by_topic if f.requests >= least],
        hidden_topics=sum(1 for f in desk.by_topic if 0 < f.requests < least),
        least=least,
        target=senda.settings.helpdesk_reply_minutes,
    )
