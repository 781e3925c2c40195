"""The outbox: every message is recorded with its state and sent in order, one person at a time.

A reply goes out at once, inside the transaction that decided it (which holds the person's row,
so their replies leave in order), and is recorded there with what became of it; a push is written
first and sent by a worker. When the channel fails, the row stays pending with the time of its
next attempt, and the worker sends it then. Messages to one person leave in the order they were
written: a row waiting for a retry holds back the rows after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.limits import REPLY_MAX_WAIT, ChannelLimits
from bot.messages import Option, Outbound
from storage.crypto import AddressCipher
from storage.models import Learner, OutboxMessage, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
_COLUMNS = inspect(OutboxMessage).column_attrs
# Built once: on every reply, building a statement anew costs more than running it.
_INSERT = insert(OutboxMessage.__table__)
_FIRST_PENDING = (
    select(OutboxMessage.id)
    .where(OutboxMessage.learner_id == bindparam("learner_id"), OutboxMessage.state == "pending")
    .limit(1)
)


class SendError(Exception):
    """A message could not be sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:200]


class RetryLater(SendError):
    """The channel is busy or unreachable for now: try again after `seconds`."""

    def __init__(self, reason: str, seconds: float) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Unreachable(SendError):
    """The person cannot be reached (blocked the bot, opted out): stop until they write."""


class Rejected(SendError):
    """The channel refused this message for good."""


class Held(SendError):
    """The message cannot go as it is (e.g. WhatsApp free text outside the 24-hour window)."""


@dataclass(frozen=True)
class Envelope:
    """What a channel may need to know about a message beyond its text."""

    kind: str = "reply"  # reply | push
    language: str = "es"
    last_inbound_at: datetime | None = None  # when the person last wrote


class Sender(Protocol):
    """What a channel offers the outbox."""

    channel: str

    def prepare(self, message: Outbound) -> list[Outbound]:
        """The message as the parts this channel sends (split at its limit)."""
        ...

    def send(self, address: str, message: Outbound, envelope: Envelope) -> str:
        """Send one part; the channel's id for it. Raises a SendError."""
        ...


@dataclass(frozen=True)
class Flushed:
    """What one flush did."""

    sent: int = 0
    pending: int = 0
    failed: int = 0


def backoff(attempts: int) -> float:
    """Seconds before the next try after a failure: 2, 4, 8 ... at most ten minutes."""
    return float(min(2**attempts, 600))


class Outbox:
    """Records outbound messages and sends them through the channels' senders."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        cipher: AddressCipher,
        senders: dict[str, Sender],
        schedule: Callable[[int, float], None] | None = None,
        limits: ChannelLimits | None = None,
    ) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.senders = senders
        self.schedule = schedule  # asks the worker to flush a learner after some seconds
        # Replies count against the channel's limit too: pushes alone must not be able to push
        # the channel over it (the per-person limit is for pushes; replies answer the person).
        self.limits = limits

    def handles(self, channel: str) -> bool:
        """Whether messages on this channel go through the outbox."""
        return channel in self.senders

    def handles_any(self, *channels: str) -> bool:
        """Whether any of these channels is configured."""
        return any(channel in self.senders for channel in channels)

    def enqueue(
        self, session: Session, learner: Learner, messages: Sequence[Outbound], kind: str = "reply"
    ) -> list[OutboxMessage]:
        """Write messages for a learner, split to fit their channel."""
        rows = self._rows(learner, messages, kind)
        session.add_all(rows)
        session.flush()
        return rows

    def _rows(
        self, learner: Learner, messages: Sequence[Outbound], kind: str
    ) -> list[OutboxMessage]:
        sender = self.senders[learner.channel]
        now = utcnow()
        return [
            OutboxMessage(
                learner_id=learner.id,
                channel=learner.channel,
                kind=kind,
                text=part.text,
                options=[[o.label, o.value] for o in part.options],
                has_options=bool(part.options),
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for message in messages
            for part in sender.prepare(message)
        ]

    def deliver(
        self, session: Session, learner: Learner, messages: Sequence[Outbound], address: str
    ) -> Flushed:
        """Send a reply now to `address` (the learner's, as they wrote from it), in the
        transaction that holds the learner's row and decided the reply, and record each part
        with what became of it (a part not sent stays pending for the worker). Behind earlier
        messages still pending, the reply waits its turn."""
        # Read now that the row is held: on PostgreSQL this statement sees what a transaction
        # that held the row before us committed (READ COMMITTED), such as a message it left. On
        # the connection, so that the learner's changes are not flushed: they are written after
        # the send.
        first_pending = session.connection().execute(_FIRST_PENDING, {"learner_id": learner.id})
        if first_pending.first() is not None:
            self.enqueue(session, learner, messages)
            return self.send_due(session, learner)
        # Sending before the rows are written loses nothing: neither is committed until the
        # transaction is, and a transaction that fails leaves the channel to deliver again.
        rows = self._rows(learner, messages, "reply")
        flushed = self._send_in_order(learner, rows, address)
        # A plain INSERT of their values: the rows are not used again in this transaction, and
        # the session's unit of work, or its bulk insert, would cost more than the statement.
        session.connection().execute(_INSERT, [_values(row) for row in rows])
        return flushed

    def flush(self, learner_id: int) -> Flushed:
        """Send a learner's due messages, in order, holding their row so no one else does."""
        with self.sessions.begin() as session:
            learner = session.scalars(
                select(Learner).where(Learner.id == learner_id).with_for_update()
            ).one_or_none()
            if learner is None:
                return Flushed()
            return self.send_due(session, learner)

    def send_due(self, session: Session, learner: Learner) -> Flushed:
        """Send the due messages of a learner whose row this transaction holds locked."""
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.learner_id == learner.id, OutboxMessage.state == "pending")
                .order_by(OutboxMessage.id)
                .with_for_update()  # a worker sending pushes in batches skips these rows
            )
        )
        return self._send_in_order(learner, rows)

    def _send_in_order(
        self, learner: Learner, rows: list[OutboxMessage], address: str | None = None
    ) -> Flushed:
        """Send pending rows of one learner in order, each row taking what became of it; stops
        at the first that must wait (its retry, or the channel's limit)."""
        sender = self.senders.get(learner.channel)
        if sender is None or not rows:
            return Flushed(pending=len(rows))
        if address is None:
            address = self.cipher.decrypt(learner.address_encrypted)
        sent = failed = 0
        for row in rows:
            if row.next_attempt_at > utcnow():
                break  # an earlier message waits for its retry; later ones wait behind it
            if self.limits is not None and not self.limits.acquire(
                row.channel, max_wait=REPLY_MAX_WAIT
            ):
                if self.schedule is not None:  # the channel is saturated: a worker sends it
                    self.schedule(learner.id, 1.0)
                break
            refusal = not_sendable(row, learner)
            outcome = refusal or send_row(sender, address, row, learner)
            for column, value in outcome.values.items():
                setattr(row, column, value)
            if (row.kind == "reply" and row.state == "sent") or (
                row.kind == "desk" and row.state in ("sent", "failed", "held")
            ):
                # Sent, a reply's words are no longer needed, and they can say where the person
                # is (the services near a shared location) or what they asked: keep the state.
                # A help-desk answer's words live encrypted in the desk, never in clear here
                # (held, it waits for nothing: the desk shows the caseworker it did not go).
                row.text, row.options = "", []
            if outcome.unreachable:
                learner.unreachable_at = utcnow()
            sent += row.state == "sent"
            failed += row.state == "failed"
            if outcome.retry_in is not None:
                if self.schedule is not None:
                    self.schedule(learner.id, outcome.retry_in)
                break
        pending = sum(1 for row in rows if row.state == "pending")
        return Flushed(sent=sent, pending=pending, failed=failed)

    def send_unrecorded(self, channel: str, address: str, messages: Sequence[Outbound]) -> None:
        """Send without a trace (the answer to an erasure): best effort, nothing stored."""
        sender = self.senders.get(channel)
        if sender is None:
            return
        for message in messages:
            for part in sender.prepare(message):
                try:
                    sender.send(address, part, Envelope())
                except SendError as error:
                    log.warning(
                        "%s: an unrecorded message was not sent (%s)", channel, error.reason
                    )
                    return

    def due_learners(self, limit: int = 500) -> list[int]:
        """Learners with a pending reply or help-desk answer whose time has come (for the
        worker's sweep)."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(OutboxMessage.learner_id)
                    .where(
                        OutboxMessage.state == "pending",
                        # Pushes go out in batches; a help-desk answer, like a reply, on its own.
                        OutboxMessage.kind.in_(("reply", "desk")),
                        OutboxMessage.next_attempt_at <= utcnow(),
                    )
                    .group_by(OutboxMessage.learner_id)
                    .order_by(OutboxMessage.learner_id)
                    .limit(limit)
                )
            )


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt to send a row: its new column values, and what follows."""

    values: dict[str, Any]
    unreachable: bool = False  # the person cannot be reached any more
    retry_in: float | None = None  # seconds until the next try, when it will be tried again


def not_sendable(row: OutboxMessage, learner: Learner) -> Outcome | None:
    """Why a row must not go to this learner now, if it must not."""
    if learner.unreachable_at is not None:
        return Outcome({"state": "failed", "reason": "the person cannot be reached"})
    if row.kind == "push" and learner.pushes_stopped:
        return Outcome({"state": "failed", "reason": "the person stopped pushes"})
    return None


def send_row(sender: Sender, address: str, row: OutboxMessage, learner: Learner) -> Outcome:
    """Send one recorded row; the channel's answer as the row's new state (one place for every
    way a send can end: sent, retried with backoff up to MAX_ATTEMPTS, held, unreachable,
    refused)."""
    attempts = row.attempts + 1
    envelope = Envelope(row.kind, learner.language, learner.last_seen_at)
    try:
        provider_id = sender.send(address, as_outbound(row), envelope)
    except RetryLater as error:
        if attempts >= MAX_ATTEMPTS:
            return Outcome(
                {"state": "failed", "reason": f"gave up: {error.reason}", "attempts": attempts}
            )
        wait = max(error.seconds, backoff(attempts))
        log.warning("%s %s: retry in %.0f s (%s)", row.channel, row.kind, wait, error.reason)
        later = utcnow() + timedelta(seconds=wait)
        return Outcome(
            {
                "state": "pending",
                "reason": error.reason,
                "attempts": attempts,
                "next_attempt_at": later,
            },
            retry_in=wait,
        )
    except Unreachable as error:
        log.info("%s learner %d cannot be reached: %s", row.channel, learner.id, error.reason)
        return Outcome(
            {"state": "failed", "reason": error.reason, "attempts": attempts}, unreachable=True
        )
    except Held as error:
        log.info("%s %s held: %s", row.channel, row.kind, error.reason)
        return Outcome({"state": "held", "reason": error.reason, "attempts": attempts})
    except SendError as error:
        log.warning("%s %s refused: %s", row.channel, row.kind, error.reason)
        return Outcome({"state": "failed", "reason": error.reason, "attempts": attempts})
    return Outcome(
        {
            "state": "sent",
            "reason": None,
            "attempts": attempts,
            "provider_id": provider_id,
            "sent_at": utcnow(),
        }
    )


def _values(row: OutboxMessage) -> dict[str, Any]:
    """The column values set on a row not yet in a session (its id is left to the database)."""
    values = inspect(row).dict
    return {column.key: values[column.key] for column in _COLUMNS if column.key in values}


def as_outbound(row: OutboxMessage) -> Outbound:
    """A recorded row as the message it holds, options included."""
    return Outbound(row.text, tuple(Option(label, value) for label, value in row.options))
