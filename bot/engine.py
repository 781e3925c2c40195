"""handle(inbound) -> [outbound]: de-duplication, learner lookup, global words, the dialogs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import DEFAULT_LANGUAGE, Translator, clean_text
from bot.messages import Inbound, Outbound
from dialogs import router
from dialogs.base import ServiceInfo, Turn, say
from lessons.model import Catalog
from storage import repo
from storage.crypto import AddressCipher
from storage.models import utcnow

log = logging.getLogger(__name__)

MAX_INBOUND_CHARACTERS = 2000
MERGED_MESSAGE_LIMIT = 1500  # below every channel's limit: Twilio's is 1,600 characters
_RETRIES_ON_LOCK = 3


@dataclass
class Engine:
    """The conversational engine every channel shares."""

    sessions: sessionmaker[Session]
    catalog: Catalog
    cipher: AddressCipher
    service: ServiceInfo = field(default_factory=ServiceInfo)

    def handle(self, inbound: Inbound) -> list[Outbound]:
        """Answer one inbound message; a redelivered message id gets no answer and no change."""
        inbound = _cleaned(inbound)
        for attempt in range(1, _RETRIES_ON_LOCK + 1):
            try:
                with self.sessions.begin() as session:
                    return merge(self._handle(session, inbound))
            except OperationalError:
                # A lock timeout or a serialization failure: the transaction rolled back whole.
                log.warning("database busy on %s message, attempt %d", inbound.channel, attempt)
                if attempt == _RETRIES_ON_LOCK:
                    raise
            except Exception:
                # Never silence: the person gets an apology and their state is untouched.
                log.exception("failed to handle a %s message", inbound.channel)
                return [say(_apology())]
        return []

    def _handle(self, session: Session, inbound: Inbound) -> list[Outbound]:
        if inbound.message_id is not None and not repo.claim_message(
            session, inbound.channel, inbound.message_id
        ):
            log.info("skipped a repeated %s message", inbound.channel)
            return []
        learner, _ = repo.learner_for_update(
            session, self.cipher, inbound.channel, inbound.address, DEFAULT_LANGUAGE
        )
        learner.last_seen_at = utcnow()
        turn = Turn(
            inbound=inbound,
            learner=learner,
            session=session,
            catalog=self.catalog,
            service=self.service,
        )
        if inbound.media is not None or inbound.location is not None:
            return self._not_text(turn)
        return router.respond(turn)

    def _not_text(self, turn: Turn) -> list[Outbound]:
        t = turn.t
        if turn.inbound.location is not None:
            note = t._("Thank you. Senda does not keep locations. It reads text only for now.")
        else:
            note = t._("Senda reads text only: please write your answer.")
        return [say(note), *router.current_prompt(turn)]


def _apology() -> str:
    return Translator(DEFAULT_LANGUAGE)._(
        "Sorry, something went wrong on our side. Please write again in a moment."
    )


def _cleaned(inbound: Inbound) -> Inbound:
    """Drop control characters and cut very long messages before anything reads them."""
    return replace(inbound, text=clean_text(inbound.text, MAX_INBOUND_CHARACTERS))


def merge(outbound: list[Outbound]) -> list[Outbound]:
    """Join a message without options to the one after it: fewer messages on a weak signal."""
    merged: list[Outbound] = []
    for message in outbound:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not previous.options
            and len(previous.text) + len(message.text) + 2 <= MERGED_MESSAGE_LIMIT
        ):
            merged[-1] = Outbound(f"{previous.text}\n\n{message.text}", message.options)
        else:
            merged.append(message)
    return merged
