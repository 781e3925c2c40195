"""The help desk in numbers for the programme: requests a week, time to a first answer (median
and 90th percentile), the share answered within the desk's promise, by topic. Counts and times
only: no text, no person; a group smaller than SENDA_MIN_GROUP is not broken down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median, quantiles

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.numbers import week_starts
from storage.models import HELPDESK_TOPICS, HelpdeskConversation


@dataclass(frozen=True)
class DeskFigures:
    """One group of requests (a topic, or all of them)."""

    name: str
    requests: int
    answered: int
    median_minutes: float | None
    p90_minutes: float | None
    within_target: float | None  # share of the answered ones answered within the promise


@dataclass(frozen=True)
class DeskNumbers:
    """The desk's numbers as the overview shows them."""

    by_week: list[tuple[datetime, int]]
    overall: DeskFigures
    by_topic: list[DeskFigures]


def _figures(name: str, waits: list[float | None], target_minutes: int) -> DeskFigures:
    answered = sorted(w for w in waits if w is not None)
    p90 = None
    if len(answered) >= 2:
        p90 = quantiles(answered, n=10, method="inclusive")[-1]
    elif answered:
        p90 = answered[0]
    return DeskFigures(
        name=name,
        requests=len(waits),
        answered=len(answered),
        median_minutes=median(answered) if answered else None,
        p90_minutes=p90,
        within_target=(
            sum(w <= target_minutes for w in answered) / len(answered) if answered else None
        ),
    )


def desk_numbers(session: Session, now: datetime, zone: str, target_minutes: int) -> DeskNumbers:
    """Every request since the first week shown: by week, overall and by topic."""
    weeks = week_starts(now, zone)
    rows = session.execute(
        select(
            HelpdeskConversation.topic,
            HelpdeskConversation.opened_at,
            HelpdeskConversation.first_answer_at,
        ).where(HelpdeskConversation.opened_at >= weeks[0])
    ).all()
    by_week = [
        (start, sum(start <= opened < end for _topic, opened, _first in rows))
        for start, end in pairwise(weeks)
    ]

    def wait(opened: datetime, first: datetime | None) -> float | None:
        return None if first is None else (first - opened) / timedelta(minutes=1)

    waits = {topic: [] for topic in HELPDESK_TOPICS}
    for topic, opened, first in rows:
        waits.setdefault(topic, []).append(wait(opened, first))
    everything = [w for found in waits.values() for w in found]
    return DeskNumbers(
        by_week=by_week,
        overall=_figures("all topics", everything, target_minutes),
        by_topic=[_figures(topic, found, target_minutes) for topic, found in waits.items()],
    )
