"""Reminders and reviews, pushed each hour: the daily card at the chosen hour, and questions
missed before, when their time in the spacing schedule has come."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.delivery.broadcasts import in_quiet_hours
from dialogs import reminders, review
from storage.models import Learner, ReviewItem, utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)


def _reachable():
    return (
        Learner.consented_at.is_not(None),
        Learner.pushes_stopped.is_(False),
        Learner.unreachable_at.is_(None),
    )


def send_nudges(service: Service, now: datetime | None = None) -> int:
    """Record the daily card for everyone whose chosen hour it is in their time zone (once a
    day); how many."""
    now = now or utcnow()
    due: list[tuple[int, str]] = []
    with service.sessions() as session:
        zones = session.scalars(
            select(Learner.timezone).where(Learner.nudge_hour.is_not(None)).distinct()
        ).all()
        for zone in zones:  # a handful: the zones of the regions in the content
            local = now.astimezone(ZoneInfo(zone or service.settings.timezone))
            today = local.date().isoformat()
            in_zone = Learner.timezone.is_(None) if zone is None else Learner.timezone == zone
            due += [
                (learner_id, today)
                for learner_id in session.scalars(
                    select(Learner.id).where(
                        in_zone,
                        Learner.nudge_hour == local.hour,
                        (Learner.nudged_on.is_(None)) | (Learner.nudged_on != today),
                        *_reachable(),
                    )
                )
            ]
    pushed = 0
    for learner_id, today in due:

        def card(turn, today=today):
            if turn.learner.nudged_on == today:  # another worker's run got here first
                return []
            turn.learner.nudged_on = today
            return reminders.next_card(turn)

        pushed += service.engine.push(learner_id, card) > 0
    log.info("reminders: %d daily cards", pushed)
    return pushed


def send_reviews(service: Service, now: datetime | None = None) -> int:
    """Record one due review question a person, outside quiet hours; how many."""
    now = now or utcnow()
    settings = service.settings
    with service.sessions() as session:
        rows = session.execute(
            select(ReviewItem.id, ReviewItem.learner_id, Learner.timezone)
            .join(Learner, Learner.id == ReviewItem.learner_id)
            .where(ReviewItem.retired.is_(False), ReviewItem.due_at <= now, *_reachable())
            .order_by(ReviewItem.learner_id, ReviewItem.due_at)
        ).all()
    quiet = {
        zone: in_quiet_hours(now, zone or settings.timezone, settings.quiet_hours)
        for zone in {row.timezone for row in rows}
    }
    first_per_person: dict[int, int] = {}
    for item_id, learner_id, zone in rows:
        if not quiet[zone]:  # the person's night: the question waits for the next hourly run
            first_per_person.setdefault(learner_id, item_id)
    pushed = 0
    for learner_id, item_id in first_per_person.items():

        def ask(turn, item_id=item_id):
            item = turn.session.get(ReviewItem, item_id)
            if item is None or item.due_at > now:  # gone, or asked by another worker's run
                return []
            return review.start(turn, item)

        pushed += service.engine.push(learner_id, ask) > 0
    log.info("reviews: %d questions", pushed)
    return pushed
