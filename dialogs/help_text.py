"""Help: the words that work at any moment, in the learner's language (in every language before
one is chosen)."""

from __future__ import annotations

from bot.i18n import INTERFACE_LANGUAGES, Translator
from bot.messages import Outbound
from dialogs.base import Turn, say


def help_text(turn: Turn) -> Outbound:
    """What each global word does."""
    if _before_a_language(turn):
        return say("\n\n".join(_first_words(Translator(code)) for code in INTERFACE_LANGUAGES))
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


def _before_a_language(turn: Turn) -> bool:
    """Whether the person has not chosen a language yet (the first question is still open)."""
    state = turn.state
    return (
        turn.learner.consented_at is None
        and state.get("dialog", "onboarding") == "onboarding"
        and state.get("step", "language") == "language"
    )


def _first_words(t: Translator) -> str:
    """What someone who has not chosen a language needs, in one language: how to answer, SOS."""
    return "\n".join(
        [
            t._("You can write these words at any moment:"),
            f"{t.main_word('sos')}: " + t._("emergency numbers and where to get help"),
            f"{t.main_word('language')}: " + t._("change the language"),
            t._("To answer, write the number of an option or its text."),
        ]
    )
