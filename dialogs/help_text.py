"""Help: the words that work at any moment, in the learner's language."""

from __future__ import annotations

from bot.i18n import Translator
from bot.messages import Outbound
from dialogs.base import Turn, say


def _word(t: Translator, word: str) -> str:
    """The first (main) word a catalog lists for a global word, in capitals."""
    return t.pgettext("global word", word).split(",")[0].strip().upper()


def help_text(turn: Turn) -> Outbound:
    """What each global word does."""
    t = turn.t
    lines = [
        t._("You can write these words at any moment:"),
        f"{_word(t, 'menu')}: " + t._("the main menu"),
        f"{_word(t, 'sos')}: " + t._("emergency numbers and where to get help"),
        f"{_word(t, 'progress')}: " + t._("your courses and scores"),
        f"{_word(t, 'language')}: " + t._("change the language"),
        f"{_word(t, 'stop')}: " + t._("no more reminders or alerts"),
        f"{_word(t, 'delete')}: " + t._("erase everything Senda keeps about you"),
        *(
            [f"{_word(t, 'person')}: " + t._("Talk to a person").lower()]
            if turn.service.desk is not None and turn.learner.consented_at is not None
            else []
        ),
        t._("To answer, write the number of an option or its text."),
    ]
    return say("\n".join(lines))
