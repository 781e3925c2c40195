"""Safety information, always one word away (`sos`): it never moves the conversation."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.messages import Outbound
from dialogs.base import Turn, say
from lessons.model import localized

# The first line of an answer someone else must not read on a locked screen: a notification
# preview shows only this, not "trafficking" or "SOS" (ICRC, data protection in humanitarian
# action, on messaging apps).
NEUTRAL = N_("Senda: information")


def neutral(t: Translator, text: str) -> str:
    """A sensitive text behind a first line that says nothing about it."""
    return f"{t._(NEUTRAL)}\n\n{text}"


def sos(turn: Turn, first: bool = True) -> Outbound:
    """Emergency numbers and where to get help, in the learner's language or Spanish; `first`:
    the message opens with the neutral line (not when it follows one)."""
    catalog = turn.catalog
    language = turn.learner.language
    blocks = [localized(entry.text, language, catalog.safety_language) for entry in catalog.safety]
    heading = turn.t._("SOS: emergency numbers and where to get help.")
    if catalog.services:
        blocks.append(turn.t._("To find services near you, share your location."))
    text = "\n\n".join([heading, *blocks])
    return say(neutral(turn.t, text) if first else text)
