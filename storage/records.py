"""Learning records (xAPI statements) waiting for the learning record store: add, claim, settle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.models import LearningRecord, utcnow


def add(session: Session, learner_id: int, statement: dict[str, Any]) -> LearningRecord:
    """Keep a statement to send, in the caller's transaction (the one that records progress)."""
    record = LearningRecord(
        statement_id=statement["id"],
        learner_id=learner_id,
        statement=statement,
        state="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    session.add(record)
    return record


def claim_due(
    session: Session, now: datetime, claim_timeout: float, limit: int
) -> list[LearningRecord]:
    """Mark up to `limit` due statements as being sent by this worker, oldest first; a claim
    older than `claim_timeout` seconds belongs to a dead worker and is taken over."""
    stale = now - timedelta(seconds=claim_timeout)
    rows = list(
        session.scalars(
            select(LearningRecord)
            .where(
                LearningRecord.state == "pending",
                LearningRecord.next_attempt_at <= now,
                or_(LearningRecord.claimed_at.is_(None), LearningRecord.claimed_at < stale),
            )
            .order_by(LearningRecord.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.claimed_at = now
    return rows


def mark_sent(session: Session, ids: Sequence[int], now: datetime, note: str | None = None) -> None:
    """The store has these statements."""
    session.execute(
        update(LearningRecord)
        .where(LearningRecord.id.in_(ids))
        .values(state="sent", sent_at=now, claimed_at=None, reason=note)
    )


def mark_retry(
    session: Session, ids: Sequence[int], now: datetime, reason: str, delay: Callable[[int], float]
) -> None:
    """The store could not take these now: try again after `delay(attempts)` seconds."""
    for row in session.scalars(select(LearningRecord).where(LearningRecord.id.in_(ids))):
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=delay(row.attempts))
        row.claimed_at = None
        row.reason = reason[:200]


def mark_failed(session: Session, ids: Sequence[int], reason: str) -> None:
    """The store refused these for good (a 4xx answer): keep the reason, stop trying."""
    session.execute(
        update(LearningRecord)
        .where(LearningRecord.id.in_(ids))
        .values(state="failed", claimed_at=None, reason=reason[:200])
    )
