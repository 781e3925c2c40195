"""The help desk's rows: conversations and their encrypted messages. Nothing here is ever in
clear: the caller passes the MessageCipher that encrypts and decrypts the text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from storage.crypto import MessageCipher
from storage.models import (
    URGENT_TOPICS,
    AlertSubscription,
    HelpdeskConversation,
    HelpdeskMessage,
    Learner,
    utcnow,
)


@dataclass(frozen=True)
class Scope:
    """The part of the desk a limited caseworker sees: the conversations of these regions or of
    this organisation (either is enough). A conversation with neither label is not in any."""

    regions: frozenset[str] = frozenset()
    organisation: str | None = None

    @classmethod
    def of(cls, regions: Iterable[str], organisation: str | None) -> Scope | None:
        """The limits as an account stores them; None when there are none (the whole desk)."""
        scope = cls(frozenset(regions), organisation or None)
        return scope if scope.regions or scope.organisation else None

    def covers(self, conversation: HelpdeskConversation) -> bool:
        """Whether a conversation is in this part of the desk."""
        if conversation.region is not None and conversation.region in self.regions:
            return True
        return self.organisation is not None and conversation.organisation == self.organisation

    def condition(self) -> ColumnElement[bool]:
        """The same test as `covers`, for a query."""
        found: list[ColumnElement[bool]] = []
        if self.regions:
            found.append(HelpdeskConversation.region.in_(sorted(self.regions)))
        if self.organisation is not None:
            found.append(HelpdeskConversation.organisation == self.organisation)
        return or_(false(), *found)


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
        region=first_alert_region(session, learner.id),
        organisation=learner.referral or None,
    )
    session.add(conversation)
    session.flush()
    return conversation


def first_alert_region(session: Session, learner_id: int) -> str | None:
    """The first region a person chose alerts for and still has, if any: a whole state they
    named, never where they are."""
    return session.scalars(
        select(AlertSubscription.region)
        .where(AlertSubscription.learner_id == learner_id)
        .order_by(AlertSubscription.created_at, AlertSubscription.id)
        .limit(1)
    ).first()


def find(
    session: Session, conversation_id: int, scope: Scope | None
) -> HelpdeskConversation | None:
    """A conversation, if it exists and the scope covers it (None: any scope)."""
    conversation = session.get(HelpdeskConversation, conversation_id)
    if conversation is None or (scope is not None and not scope.covers(conversation)):
        return None
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


def queue(session: Session, scope: Scope | None = None) -> list[HelpdeskConversation]:
    """The open conversations a scope covers (None: all): urgent first, then the longest
    waiting."""
    query = select(HelpdeskConversation).where(HelpdeskConversation.closed_at.is_(None))
    if scope is not None:
        query = query.where(scope.condition())
    order = (HelpdeskConversation.urgent.desc(), HelpdeskConversation.opened_at)
    return list(session.scalars(query.order_by(*order)))


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
