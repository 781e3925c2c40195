"""The help desk's rows: conversations and their encrypted messages. Nothing here is ever in
clear: the caller passes the MessageCipher that encrypts and decrypts the text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.crypto import MessageCipher
from storage.models import (
    URGENT_TOPICS,
    HelpdeskConversation,
    HelpdeskMessage,
    Learner,
    utcnow,
)


def open_conversation_of(session: Session, learner_id: int) -> HelpdeskConversation | None:
    """The person's conversation that is still open, if any."""
    return session.scalar(
        select(HelpdeskConversation)
        .where(
            HelpdeskConversation.learner_id == learner_id,
            HelpdeskConversation.closed_at.is_(None),
        )
        .order_by(HelpdeskConversation.id.desc())
        .limit(1)
    )


def open_conversation(session: Session, learner: Learner, topic: str) -> HelpdeskConversation:
    """A new request for a person (the one already open, if there is one)."""
    found = open_conversation_of(session, learner.id)
    if found is not None:
        return found
    conversation = HelpdeskConversation(
        learner_id=learner.id,
        topic=topic,
        urgent=topic in URGENT_TOPICS,
        language=learner.language,
        channel=learner.channel,
    )
    session.add(conversation)
    session.flush()
    return conversation


def add_message(
    session: Session,
    cipher: MessageCipher,
    conversation: HelpdeskConversation,
    author: str,
    text: str,
    staff: str | None = None,
) -> HelpdeskMessage:
    """Keep one message, encrypted; the conversation's times follow it."""
    now = utcnow()
    message = HelpdeskMessage(
        conversation_id=conversation.id,
        author=author,
        staff=staff,
        at=now,
        body=cipher.encrypt(text),
    )
    session.add(message)
    if author == "person":
        conversation.last_message_at = now
    if author == "staff" and conversation.first_answer_at is None:
        conversation.first_answer_at = now
    session.flush()
    return message


def messages(session: Session, conversation_id: int) -> list[HelpdeskMessage]:
    """A conversation's messages, oldest first (their text still encrypted)."""
    return list(
        session.scalars(
            select(HelpdeskMessage)
            .where(HelpdeskMessage.conversation_id == conversation_id)
            .order_by(HelpdeskMessage.id)
        )
    )


def queue(session: Session) -> list[HelpdeskConversation]:
    """The open conversations: urgent first, then the longest waiting."""
    return list(
        session.scalars(
            select(HelpdeskConversation)
            .where(HelpdeskConversation.closed_at.is_(None))
            .order_by(HelpdeskConversation.urgent.desc(), HelpdeskConversation.opened_at)
        )
    )


def claim_late(session: Session, answered_by: datetime) -> list[int]:
    """The open conversations still unanswered that opened before a time and whose person was
    not told yet, marked told in the same statement (two workers never tell one twice)."""
    statement = (
        update(HelpdeskConversation)
        .where(
            HelpdeskConversation.closed_at.is_(None),
            HelpdeskConversation.first_answer_at.is_(None),
            HelpdeskConversation.late_notice_at.is_(None),
            HelpdeskConversation.opened_at <= answered_by,
        )
        .values(late_notice_at=utcnow())
        .returning(HelpdeskConversation.id)
    )
    return list(session.scalars(statement))


def close(session: Session, conversation: HelpdeskConversation, outcome: str) -> None:
    """End a conversation with what came of it; its messages go after the retention period."""
    conversation.closed_at = utcnow()
    conversation.outcome = outcome
    session.flush()


def purge_closed(session: Session, closed_before: datetime) -> int:
    """Delete the messages of conversations closed before a time; returns how many went. The
    conversation rows stay, without text, for the counts (topic, times, outcome)."""
    closed = select(HelpdeskConversation.id).where(HelpdeskConversation.closed_at < closed_before)
    found = session.scalar(
        select(func.count())
        .select_from(HelpdeskMessage)
        .where(HelpdeskMessage.conversation_id.in_(closed))
    )
    session.execute(delete(HelpdeskMessage).where(HelpdeskMessage.conversation_id.in_(closed)))
    return int(found or 0)
