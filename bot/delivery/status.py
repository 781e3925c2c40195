"""Delivery states reported by a channel, applied to the outbox (never moving backwards)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.service import Service
from storage.models import Learner, OutboxMessage, utcnow

log = logging.getLogger(__name__)

# How far along a message is; a late "sent" must not undo "read".
PROGRESS = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}
TWILIO_STATES = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
}
NEEDS_TEMPLATE = "63016"
OPTED_OUT = {"21610"}


def record_status(service: Service, provider_id: str, status: str, error_code: str | None) -> None:
    """Apply one status callback to the message it names (unknown messages are ignored)."""
    # Twilio's codes have five digits; anything else is not kept (a NUL byte would not store).
    error_code = (
        error_code[:16] if error_code and error_code.isascii() and error_code.isalnum() else None
    )
    state = TWILIO_STATES.get(status)
    if state is None:
        log.info("status callback with an unknown status %r: ignored", status[:40])
        return
    with service.sessions.begin() as session:
        row = session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
        ).one_or_none()
        if row is None:
            log.info("status callback for a message the outbox does not know: ignored")
            return
        if state == "failed":
            if error_code == NEEDS_TEMPLATE:
                row.state, row.reason = "held", "needs template: twilio 63016"
            else:
                row.state, row.reason = "failed", f"twilio {error_code or 'failure'}"
            if error_code in OPTED_OUT:
                learner = session.get(Learner, row.learner_id)
                if learner is not None:
                    learner.unreachable_at = utcnow()
            return
        if row.state in PROGRESS and PROGRESS[state] > PROGRESS[row.state]:
            row.state = state
