"""From an inbound message to the person's phone: the engine's answer, recorded, then sent."""

from __future__ import annotations

from bot.delivery.outbox import Outbox
from bot.engine import Engine, Reply
from bot.messages import Inbound


def answer(engine: Engine, outbox: Outbox, inbound: Inbound) -> Reply:
    """Handle a message and send the answer at once; what fails stays in the outbox."""
    reply = engine.respond(inbound, deliver=True)
    if reply.erased or (reply.learner_id is None and not reply.duplicate):
        # Nothing may be kept (an erasure), or there is no learner to record against (the
        # apology after an internal error): send as it is.
        outbox.send_unrecorded(inbound.channel, inbound.address, reply.messages)
    return reply
