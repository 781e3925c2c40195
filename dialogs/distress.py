"""A cry for help in a person's own words, at any step: the SOS information at once, then the
question they were at, so their place (a lesson's card, a quiz question) is kept."""

from __future__ import annotations

from bot.messages import Outbound
from dialogs.base import Turn, say
from dialogs.safety import neutral, sos


def heard(turn: Turn) -> bool:
    """Whether the message holds a phrase of distress from the content folder."""
    return turn.catalog.distress.heard_in(turn.inbound.text)


def answer(turn: Turn, offer: str = "") -> list[Outbound]:
    """What a person in danger reads first: the emergency numbers, not "I did not understand";
    `offer` is a line offering a person to talk to, when there is a help desk."""
    t = turn.t
    first = t._("If you are in danger now, call 911. It is free, from any phone.")
    first = neutral(t, f"{first}\n{offer}" if offer else first)
    return [say(first), sos(turn, first=False)]
