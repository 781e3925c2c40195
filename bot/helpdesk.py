"""What staff do in the help desk, as the person sees it: an answer goes to their phone through
the outbox (a push: on WhatsApp outside the 24-hour window, a template or held, never refused
free text); closing a conversation tells them so. The dashboard calls these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.i18n import Translator
from bot.messages import Outbound
from bot.service import Service
from dialogs.safety import neutral
from storage import helpdesk as rows
from storage.crypto import MessageCipher
from storage.models import (
    HELPDESK_OUTCOMES,
    HelpdeskConversation,
    Learner,
    OutboxMessage,
    utcnow,
)

MAX_ANSWER = 1500  # characters: one WhatsApp message, a few SMS


@dataclass(frozen=True)
class Done:
    """What became of a staff action; `sent`, the outbox rows it wrote, as the channel left them
    (empty on a channel without an outbox)."""

    ok: bool
    problem: str = ""
    sent: tuple[OutboxMessage, ...] = ()


def cipher(service: Service) -> MessageCipher:
    """The key of the desk's messages."""
    return MessageCipher(service.settings.helpdesk_key)


def _held(session: Session, conversation_id: int) -> tuple[HelpdeskConversation, Learner] | None:
    # The person's row is locked first, as a message of theirs locks it, so that an answer and
    # the person's own message, or two caseworkers' answers, go out one after the other.
    conversation = session.get(HelpdeskConversation, conversation_id)
    if conversation is None:
        return None
    learner = session.scalars(
        select(Learner).where(Learner.id == conversation.learner_id).with_for_update()
    ).one_or_none()
    if learner is None:
        return None
    session.refresh(conversation)
    return conversation, learner


def answer(
    service: Service,
    conversation_id: int,
    staff: str,
    text: str,
    also: Callable[[Session], None] | None = None,
) -> Done:
    """A caseworker's answer: kept encrypted, and sent to the person on their channel; `also`
    runs in the same transaction (the dashboard's audit entry)."""
    text = text.strip()
    if not text:
        return Done(False, "The answer is empty.")
    if len(text) > MAX_ANSWER:
        return Done(False, f"The answer is longer than {MAX_ANSWER} characters.")

    def write(session: Session, conversation: HelpdeskConversation, t: Translator) -> str:
        rows.add_message(session, cipher(service), conversation, "staff", text, staff=staff)
        conversation.taken_by = conversation.taken_by or staff
        # What a caseworker writes may be anything: nothing of it on a locked screen.
        return neutral(t, t._("Help desk: {text}", text=text))

    return _to_the_person(service, conversation_id, write, also)


def take(service: Service, conversation_id: int, staff: str) -> Done:
    """A caseworker takes a conversation, so that two never answer it unaware of each other."""
    with service.sessions.begin() as session:
        conversation = session.get(HelpdeskConversation, conversation_id)
        if conversation is None or conversation.closed_at is not None:
            return Done(False, "This conversation is closed or gone.")
        if conversation.taken_by and conversation.taken_by != staff:
            return Done(False, f"{conversation.taken_by} has taken this conversation.")
        conversation.taken_by = staff
    return Done(True)


def close(service: Service, conversation_id: int, staff: str, outcome: str) -> Done:
    """End a conversation with what came of it, and tell the person."""
    if outcome not in HELPDESK_OUTCOMES:
        return Done(False, f"The outcome must be one of {', '.join(HELPDESK_OUTCOMES)}.")

    def end(session: Session, conversation: HelpdeskConversation, t: Translator) -> str:
        rows.close(session, conversation, outcome)
        word = t.main_word("person")
        return t._(
            "The help desk closed this conversation. To write to a person again, write {word}.",
            word=word,
        )

    return _to_the_person(service, conversation_id, end)


def tell_the_late(service: Service) -> int:
    """A person whose request waited past SENDA_HELPDESK_REPLY_MINUTES unanswered is told so,
    once, with the number to call if they are in danger; returns how many were told."""
    promised = timedelta(minutes=service.settings.helpdesk_reply_minutes)
    with service.sessions.begin() as session:
        late = rows.claim_late(session, utcnow() - promised)

    def notice(_session: Session, _conversation: HelpdeskConversation, t: Translator) -> str:
        return neutral(
            t,
            t._(
                "Nobody has answered yet. A person will answer here as soon as they can. If you "
                "are in danger now, call 911."
            ),
        )

    return sum(_to_the_person(service, found, notice).ok for found in late)


def _to_the_person(
    service: Service,
    conversation_id: int,
    act: Callable[[Session, HelpdeskConversation, Translator], str],
    also: Callable[[Session], None] | None = None,
) -> Done:
    """Do something to an open conversation and send the person what it says, in their
    language; nothing when the conversation is closed or gone. One transaction: the person's
    row is held while the answer is written and sent, as a bot reply is (a worker's retry of a
    refused send comes later, as for a reply)."""
    with service.sessions.begin() as session:
        held = _held(session, conversation_id)
        if held is None:
            return Done(False, "This conversation no longer exists (the person erased it).")
        conversation, learner = held
        if conversation.closed_at is not None:
            return Done(False, "This conversation is closed.")
        text = act(session, conversation, Translator(learner.language))
        rows_sent = _queue(service, session, learner, Outbound(text))
        if rows_sent:
            service.outbox.send_due(session, learner)
        if also is not None:
            also(session)
    return Done(True, sent=tuple(rows_sent))


def _queue(
    service: Service, session: Session, learner: Learner, message: Outbound
) -> list[OutboxMessage]:
    """A message to the person from the desk; False on a channel without an outbox (the console).

    Its kind, "desk", is not a push: STOP (no more alerts) does not silence a person's own
    conversation; and not a reply: on WhatsApp, past 24 hours, it needs a template or waits."""
    if service.outbox is None or not service.outbox.handles(learner.channel):
        return []
    return service.outbox.enqueue(session, learner, [message], kind="desk")
