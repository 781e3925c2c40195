"""Safety information, always one word away (`sos`): it never moves the conversation."""

from __future__ import annotations

from bot.messages import Outbound
from dialogs.base import Turn, say
from lessons.model import localized


def sos(turn: Turn) -> Outbound:
    """Emergency numbers and where to get help, in the learner's language or Spanish."""
    catalog = turn.catalog
    language = turn.learner.language
    blocks = [localized(entry.text, language, catalog.safety_language) for entry in catalog.safety]
    heading = turn.t._("SOS: emergency numbers and where to get help.")
    if catalog.services:
        blocks.append(turn.t._("To find services near you, share your location."))
    return say("\n\n".join([heading, *blocks]))
