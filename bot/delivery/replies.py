"""From an inbound message to the person's phone: the engine's answer, recorded, then sent."""

from __future__ import annotations

from bot.delivery.outbox import Flushed, Outbox
from bot.engine import Engine, Reply
from bot.messages import Inbound


def answer(engine: Engine, outbox: Outbox, inbound: Inbound) -> tuple[Reply, Flushed]:
    """Handle a message and send the answer at once; what fails stays in the outbox."""
    reply = engine.respond(inbound)
    if reply.erased:
        outbox.send_unrecorded(inbound.channel, inbound.address, reply.messages)
        return reply, Flushed(sent=len(reply.messages))
    if reply.learner_id is None:
        # No learner to record against (the apology after an internal error): send as is.
        outbox.send_unrecorded(inbound.channel, inbound.address, reply.messages)
        return reply, Flushed(sent=len(reply.messages))
    return reply, outbox.flush(reply.learner_id)
