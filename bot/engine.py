"""handle(inbound) -> [outbound]: de-duplication, learner lookup, global words, the dialogs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.twilio import SMS, with_numbered_options
from bot.delivery import tidy
from bot.delivery.outbox import Outbox
from bot.i18n import DEFAULT_LANGUAGE, Translator, clean_text
from bot.messages import Inbound, Outbound
from dialogs import router
from dialogs.base import ServiceInfo, Turn, say
from lessons.model import Catalog
from lessons.sms import fits_sms
from storage import repo
from storage.crypto import AddressCipher
from storage.db import database_unavailable
from storage.models import Learner, utcnow

log = logging.getLogger(__name__)

MAX_INBOUND_CHARACTERS = 2000
MERGED_MESSAGE_LIMIT = 1500  # below every channel's limit: Twilio's is 1,600 characters
_RETRIES_ON_LOCK = 3


@dataclass(frozen=True)
class Reply:
    """The answer to one inbound message and whom it goes to."""

    messages: list[Outbound]
    learner_id: int | None = None
    erased: bool = False  # the person's data is gone: the answer must leave no trace
    duplicate: bool = False  # a redelivery: nothing was done
    records: int = 0  # learning records written, for the worker to send after the commit


@dataclass
class Engine:
    """The conversational engine every channel shares."""

    sessions: sessionmaker[Session]
    catalog: Catalog
    cipher: AddressCipher
    service: ServiceInfo = field(default_factory=ServiceInfo)
    outbox: Outbox | None = None
    # Asks the worker to send the learning records just committed (never raises).
    after_records: Callable[[], None] | None = None

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Answer one inbound message; a redelivered message id gets no answer and no change."""
        return self.respond(inbound).messages

    def respond(self, inbound: Inbound, deliver: bool = False) -> Reply:
        """Answer one inbound message, recording the answer in the outbox when the channel has
        one, in the same transaction as the change of state; with `deliver`, also send it while
        the person's row is still held, so their messages leave in order."""
        inbound = replace(inbound, text=clean_text(inbound.text, MAX_INBOUND_CHARACTERS))
        for attempt in range(1, _RETRIES_ON_LOCK + 1):
            try:
                with self.sessions.begin() as session:
                    reply = self._respond(session, inbound, deliver)
                if reply.records and self.after_records is not None:
                    self.after_records()
                return reply
            except OperationalError:
                # A lock timeout or a serialization failure: the transaction rolled back whole.
                log.warning("database busy on %s message, attempt %d", inbound.channel, attempt)
                if attempt == _RETRIES_ON_LOCK:
                    raise
            except Exception as error:
                if database_unavailable(error):
                    # The database is down: no apology, the webhook answers 503 and the channel
                    # delivers the message again once it is back.
                    raise
                # Never silence: the person gets an apology and their state is untouched.
                log.exception("failed to handle a %s message", inbound.channel)
                return Reply([say(_apology())])
        return Reply([])

    def push(self, learner_id: int, produce: Callable[[Turn], list[Outbound]]) -> int:
        """Start a conversation from Senda's side (a reminder, a review): what `produce` says
        is recorded as pushes for the worker to send. Returns the messages recorded."""
        with self.sessions.begin() as session:
            learner = session.scalars(
                select(Learner).where(Learner.id == learner_id).with_for_update()
            ).one_or_none()
            if learner is None or self.outbox is None:
                return 0
            turn = self._turn(session, learner, Inbound(channel=learner.channel, address=""))
            messages = merge(produce(turn), learner.channel)
            turn.save_state()
            if messages and self.outbox.handles(learner.channel):
                self.outbox.enqueue(session, learner, messages, kind="push")
            return len(messages)

    def _respond(self, session: Session, inbound: Inbound, deliver: bool) -> Reply:
        learner = repo.hold_learner(
            session,
            self.cipher,
            inbound.channel,
            inbound.address,
            inbound.message_id,
            DEFAULT_LANGUAGE,
        )
        if learner is None:
            log.info("skipped a repeated %s message", inbound.channel)
            return Reply([], duplicate=True)
        if learner.unreachable_at is not None:
            # They wrote: they can be reached again. (Set only when it changes: a learner
            # changed in the session is flushed before each query of the dialog.)
            learner.unreachable_at = None
        turn = self._turn(session, learner, inbound)
        messages = merge(self._answer(turn), inbound.channel)
        if turn.erased:
            return Reply(messages, erased=True)
        self._tidy(session, turn)
        # No answer at all is right while a person writes to the help desk: nothing to send.
        if messages and self.outbox is not None and self.outbox.handles(learner.channel):
            if deliver:
                # Sent before the commit: should the commit fail, the channel redelivers the
                # message and the answer may go twice, which beats an answer that never goes.
                self.outbox.deliver(session, learner, messages, inbound.address)
            else:
                self.outbox.enqueue(session, learner, messages)
        # Written after the send, and after the dialog, so that its queries do not write the
        # row once for this and again for its own changes.
        repo.record_visit(session, learner, turn.state_left(), utcnow())
        return Reply(messages, learner_id=learner.id, records=turn.records)

    def _tidy(self, session: Session, turn: Turn) -> None:
        """CLEAR: delete the chat before the answer goes (the answer stays, and says so); else
        keep the id of what the person wrote, that a tidy chat or CLEAR deletes later."""
        inbound, learner = turn.inbound, turn.learner
        if self.outbox is None:
            return
        deleter = tidy.deleter_of(self.outbox.senders, learner.channel)
        if deleter is None:
            return  # a channel where Senda cannot delete (WhatsApp, SMS)
        written = [inbound.written_id] if inbound.written_id else []
        if turn.clear_chat:
            tidy.clear(session, deleter, learner, inbound.address, utcnow(), also=written)
        elif written and learner.consented_at is not None:
            tidy.remember_written(session, learner.id, written[0])

    def _turn(self, session: Session, learner: Learner, inbound: Inbound) -> Turn:
        return Turn(
            inbound=inbound,
            learner=learner,
            session=session,
            catalog=self.catalog,
            service=self.service,
            cipher=self.cipher,
        )

    def _answer(self, turn: Turn) -> list[Outbound]:
        inbound = turn.inbound
        if inbound.media is not None or inbound.location is not None:
            return self._not_text(turn)
        if inbound.choice is not None and inbound.reply_to is not None:
            latest = repo.latest_prompt_id(turn.session, turn.learner.id)
            if latest is not None and latest != inbound.reply_to:
                note = turn.t._("That button is from an earlier message. Here is where you are:")
                return [say(note), *router.current_prompt(turn)]
        return router.respond(turn)

    def _not_text(self, turn: Turn) -> list[Outbound]:
        if turn.inbound.location is not None:
            return router.shared_location(turn)
        note = turn.t._("Senda reads text only: please write your answer.")
        return [say(note), *router.current_prompt(turn)]


def _apology() -> str:
    return Translator(DEFAULT_LANGUAGE)._(
        "Sorry, something went wrong on our side. Please write again in a moment."
    )


def merge(outbound: list[Outbound], channel: str = "") -> list[Outbound]:
    """Join a message without options to the one after it: fewer messages on a weak signal. On
    SMS only while the joined one fits 3 segments: an answer sent in parts (SOS) stays apart."""
    merged: list[Outbound] = []
    for message in outbound:
        previous = merged[-1] if merged else None
        joined = f"{previous.text}\n\n{message.text}" if previous is not None else ""
        if (
            previous is not None
            and not previous.options
            and len(joined) <= MERGED_MESSAGE_LIMIT
            and (
                channel != SMS
                or fits_sms(with_numbered_options(Outbound(joined, message.options)).text)
            )
        ):
            merged[-1] = Outbound(joined, message.options)
        else:
            merged.append(message)
    return merged
