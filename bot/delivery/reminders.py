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
    """Record the daily card for everyone whose chosen hour it is (once a day); how many."""
    local = (now or utcnow()).astimezone(ZoneInfo(service.settings.timezone))
    today = local.date().isoformat()
    with service.sessions() as session:
        due = list(
            session.scalars(
                select(Learner.id).where(
                    Learner.nudge_hour == local.hour,
                    (Learner.nudged_on.is_(None)) | (Learner.nudged_on != today),
                    *_reachable(),
                )
            )
        )
    pushed = 0
    for learner_id in due:

        def card(turn, today=today):
            turn.learner.nudged_on = today
            return reminders.next_card(turn)

        pushed += service.engine.push(learner_id, card) > 0
    log.info("reminders: %d daily cards", pushed)
    return pushed


def send_reviews(service: Service, now: datetime | None = None) -> int:
    """Record one due review question a person, outside quiet hours; how many."""
    now = now or utcnow()
    settings = service.settings
    if in_quiet_hours(now, settings.timezone, settings.quiet_hours):
        return 0
    with service.sessions() as session:
        rows = session.execute(
            select(ReviewItem.id, ReviewItem.learner_id)
            .join(Learner, Learner.id == ReviewItem.learner_id)
            .where(ReviewItem.retired.is_(False), ReviewItem.due_at <= now, *_reachable())
            .order_by(ReviewItem.learner_id, ReviewItem.due_at)
        ).all()
    first_per_person: dict[int, int] = {}
    for item_id, learner_id in rows:
        first_per_person.setdefault(learner_id, item_id)
    pushed = 0
    for learner_id, item_id in first_per_person.items():

        def ask(turn, item_id=item_id):
            item = turn.session.get(ReviewItem, item_id)
            return review.start(turn, item) if item is not None else []

        pushed += service.engine.push(learner_id, ask) > 0
    log.info("reviews: %d questions", pushed)
    return pushed
