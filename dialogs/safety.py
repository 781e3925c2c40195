"""Safety information, always one word away (`sos`): it never moves the conversation.

On SMS the answer comes in parts of at most three segments: the most urgent entries first (the
order of safety.yaml), then "Write MORE for the rest."; MORE sends the next part. Telegram and
WhatsApp get it whole."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.messages import Outbound
from dialogs.base import Turn, say
from lessons.model import localized
from lessons.sms import fits_sms

# The first line of an answer someone else must not read on a locked screen: a notification
# preview shows only this, not "trafficking" or "SOS" (ICRC, data protection in humanitarian
# action, on messaging apps).
NEUTRAL = N_("Senda: information")
SMS = "sms"
REST = "sos_rest"  # in the state: where the next part of an SOS sent in parts begins


def neutral(t: Translator, text: str) -> str:
    """A sensitive text behind a first line that says nothing about it."""
    return f"{t._(NEUTRAL)}\n\n{text}"


def _blocks(turn: Turn) -> list[str]:
    """The answer's paragraphs: a heading, each safety entry, and the way to nearby services."""
    catalog, t = turn.catalog, turn.t
    language = turn.learner.language
    blocks = [t._("SOS: emergency numbers and where to get help.")]
    blocks += [localized(e.text, language, catalog.safety_language) for e in catalog.safety]
    if catalog.services:
        blocks.append(t._("To find services near you, share your location."))
    return blocks


def _more_line(t: Translator) -> str:
    return t._("Write {word} for the rest.", word=t.main_word("more"))


def part_with_one(t: Translator, block: str) -> str:
    """The longest an SMS part holding this one paragraph can be (for the content check)."""
    return "\n\n".join([t._(NEUTRAL), block, _more_line(t)])


def _part(turn: Turn, blocks: list[str], start: int) -> tuple[str, int]:
    """The SMS that begins at block `start`, and where the next one begins (len: none); each
    opens with the neutral line, as a preview of any of them must show nothing."""
    t = turn.t
    opening = [t._(NEUTRAL)]
    more = _more_line(t)
    if fits_sms("\n\n".join([*opening, *blocks[start:]])):
        return "\n\n".join([*opening, *blocks[start:]]), len(blocks)
    end = start + 1  # one paragraph at least, whatever its length
    while end < len(blocks) and fits_sms("\n\n".join([*opening, *blocks[start : end + 1], more])):
        end += 1
    return "\n\n".join([*opening, *blocks[start:end], more]), end


def sos(turn: Turn, first: bool = True) -> Outbound:
    """Emergency numbers and where to get help, in the learner's language or Spanish; `first`:
    the message opens with the neutral line (not when it follows one). On SMS, the first part,
    which opens with the neutral line whatever `first` says: it may go as an SMS of its own."""
    blocks = _blocks(turn)
    if turn.inbound.channel != SMS:
        text = "\n\n".join(blocks)
        return say(neutral(turn.t, text) if first else text)
    text, end = _part(turn, blocks, 0)
    if end < len(blocks):
        turn.update(**{REST: end})
    return say(text)


def pending(turn: Turn) -> bool:
    """Whether part of an SOS is waiting for MORE."""
    return isinstance(turn.state.get(REST), int)


def more(turn: Turn) -> Outbound:
    """The next part of an SOS sent in parts."""
    blocks = _blocks(turn)
    text, end = _part(turn, blocks, min(turn.state[REST], len(blocks) - 1))
    forget(turn)
    if end < len(blocks):
        turn.update(**{REST: end})
    return say(text)


def forget(turn: Turn) -> None:
    """Drop the rest of an SOS: MORE only follows it at once."""
    if REST in turn.state:
        turn.restore({key: value for key, value in turn.state.items() if key != REST})
