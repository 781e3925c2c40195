"""Tidy chat (Telegram): Senda deletes the messages of a chat, both sides, so that whoever takes
the phone at a checkpoint finds less (ICRC, data protection in humanitarian action, on
messaging apps).

clear     at the word CLEAR: everything in the chat a bot may still delete
tidy_due  every few minutes: in tidy chats, what is older than SENDA_TIDY_HOURS

A bot may delete the messages of a private chat, its own and the person's, for 48 hours. Older
ones are out of reach; a refusal (too old, already deleted) is expected, quiet, and never
holds back a reply. Senda's own message ids are the outbox's; the ids of what the person wrote
are kept only until deleted or out of reach, and go with the learner.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, cast

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from storage.models import ChatMessageId, Learner, OutboxMessage, utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

CHANNEL = "telegram"
DELETABLE_FOR = timedelta(hours=48)  # the Bot API's window for deleting a message
TIDY_BATCH = 200  # learners a run; the next run takes the rest


class Deleter(Protocol):
    """A channel that can delete messages of a chat."""

    def delete_messages(self, address: str, message_ids: Sequence[str]) -> None:
        """Delete messages; what cannot be deleted is skipped quietly."""
        ...


def deleter_of(senders: Mapping[str, object], channel: str) -> Deleter | None:
    """The channel's sender when it can delete a chat's messages (Telegram), else None."""
    sender = senders.get(channel)
    return cast(Deleter, sender) if hasattr(sender, "delete_messages") else None


def remember_written(session: Session, learner_id: int, message_id: str) -> None:
    """Keep the id of a message the person wrote, so that it can be deleted with the chat."""
    session.add(ChatMessageId(learner_id=learner_id, message_id=message_id, written_at=utcnow()))


def clear(
    session: Session,
    deleter: Deleter,
    learner: Learner,
    address: str,
    until: datetime,
    also: Sequence[str] = (),
) -> int:
    """Delete the chat's messages up to `until` that a bot may still delete (and `also`, ids
    not recorded yet); the learner's row must be held. Returns how many were asked for."""
    reach = utcnow() - DELETABLE_FOR
    since = max(reach, learner.chat_cleared_until or reach)
    sent = session.scalars(
        select(OutboxMessage.provider_id).where(
            OutboxMessage.learner_id == learner.id,
            OutboxMessage.channel == CHANNEL,
            OutboxMessage.provider_id.is_not(None),
            OutboxMessage.sent_at > since,
            OutboxMessage.sent_at <= until,
        )
    )
    written = session.scalars(
        select(ChatMessageId.message_id).where(
            ChatMessageId.learner_id == learner.id,
            ChatMessageId.written_at > reach,
            ChatMessageId.written_at <= until,
        )
    )
    ids = [*sent, *written, *also]
    session.execute(
        delete(ChatMessageId).where(
            ChatMessageId.learner_id == learner.id, ChatMessageId.written_at <= until
        )
    )
    learner.chat_cleared_until = until
    if ids:
        deleter.delete_messages(address, ids)
    return len(ids)


def tidy_due(service: Service) -> int:
    """Delete, in every tidy chat, what is older than SENDA_TIDY_HOURS; forget the ids of
    messages out of reach. Returns the messages asked to be deleted."""
    deleter = deleter_of(service.outbox.senders, CHANNEL)
    now = utcnow()
    until = now - timedelta(hours=service.settings.tidy_hours)
    with service.sessions.begin() as session:
        out_of_reach = ChatMessageId.written_at <= now - DELETABLE_FOR
        session.execute(delete(ChatMessageId).where(out_of_reach))
    if deleter is None:
        return 0  # Telegram is not configured: no chat to tidy
    with service.sessions.begin() as session:
        since = func.coalesce(Learner.chat_cleared_until, now - DELETABLE_FOR)
        sent_since = exists().where(
            OutboxMessage.learner_id == Learner.id,
            OutboxMessage.channel == CHANNEL,
            OutboxMessage.provider_id.is_not(None),
            OutboxMessage.sent_at > since,
            OutboxMessage.sent_at <= until,
        )
        written = exists().where(
            ChatMessageId.learner_id == Learner.id, ChatMessageId.written_at <= until
        )
        # Only chats with something to delete: a run does not write every tidy learner's row.
        due = list(
            session.scalars(
                select(Learner.id)
                .where(Learner.tidy_chat.is_(True), Learner.channel == CHANNEL)
                .where(or_(sent_since, written))
                .order_by(Learner.id)
                .limit(TIDY_BATCH)
            )
        )
    asked = 0
    for learner_id in due:
        with service.sessions.begin() as session:
            learner = session.scalars(
                select(Learner).where(Learner.id == learner_id).with_for_update()
            ).one_or_none()
            if learner is None or not learner.tidy_chat:
                continue  # erased or changed their mind since
            address = service.cipher.decrypt(learner.address_encrypted)
            asked += clear(session, deleter, learner, address, until)
    if asked:
        log.info("tidy chat: %d messages deleted in %d chats", asked, len(due))
    return asked
