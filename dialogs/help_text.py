"""Help: the words that work at any moment, in the learner's language."""

from __future__ import annotations

from bot.messages import Outbound
from dialogs.base import Turn, say


def help_text(turn: Turn) -> Outbound:
    """What each global word does."""
    t = turn.t
    lines = [
        t._("You can write these words at any moment:"),
        f"{t.main_word('menu')}: " + t._("the main menu"),
        f"{t.main_word('sos')}: " + t._("emergency numbers and where to get help"),
        f"{t.main_word('progress')}: " + t._("your courses and scores"),
        f"{t.main_word('language')}: " + t._("change the language"),
        f"{t.main_word('stop')}: " + t._("no more reminders or alerts"),
        f"{t.main_word('clear')}: "
        + (
            t._("delete the messages of this chat")
            if turn.learner.channel == "telegram"
            else t._("how to delete this chat from your phone")
        ),
        f"{t.main_word('delete')}: " + t._("erase everything Senda keeps about you"),
        *(
            [f"{t.main_word('person')}: " + t._("Talk to a person").lower()]
            if turn.service.desk is not None and turn.learner.consented_at is not None
            else []
        ),
        t._("To answer, write the number of an option or its text."),
    ]
    return say("\n".join(lines))
