"""Choosing the language, during onboarding and at any time with the word `idioma`/`language`.

language --(a language)--> menu
"""

from __future__ import annotations

from bot.i18n import INTERFACE_LANGUAGES, LANGUAGES, Translator
from bot.messages import Option, Outbound
from dialogs import menu
from dialogs.base import KEPT, Dialog, Step, Turn, say


def language_options() -> tuple[Option, ...]:
    """Every interface language, each named in itself."""
    return tuple(Option(LANGUAGES[code].name, code) for code in INTERFACE_LANGUAGES)


def language_prompt(turn: Turn) -> Outbound:
    """Ask for the language in every language at once: the person may read none of the others."""
    lines = [Translator(code)._("Choose your language:") for code in INTERFACE_LANGUAGES]
    return say("\n".join(lines), *language_options())


def enter(turn: Turn) -> list[Outbound]:
    """Offer the languages, remembering where the person was."""
    back = turn.state.get("back") if turn.state.get("dialog") == "settings" else dict(turn.state)
    turn.go("settings", "language", back=back or {})
    return [language_prompt(turn)]


def on_language(turn: Turn, option: Option) -> list[Outbound]:
    """Switch the language and go back to where the person was (a card, a question), now in the
    new language; from the menu, to the menu."""
    from dialogs import router  # the router imports every dialog, this one included

    back = {k: v for k, v in (turn.state.get("back") or {}).items() if k != KEPT}
    before = turn.learner.language
    turn.learner.language = option.value
    note = turn.t._("From now on I will write in English.")
    if back.get("dialog") in (None, "menu", "settings", "onboarding"):
        return menu.enter(turn, note=note)
    course = turn.catalog.course(back.get("course", ""))
    if (
        course is not None
        and option.value not in course.readable_languages
        and turn.chosen_language(course) is None
        and before in course.readable_languages
    ):
        # The course is not in the new language: it goes on in the one it was read in.
        turn.choose_language(course, before)
    turn.restore({**back, **({KEPT: turn.state[KEPT]} if turn.state.get(KEPT) else {})})
    return [say(note), *router.current_prompt(turn)]


DIALOG = Dialog(
    name="settings",
    entry=enter,
    steps={"language": Step(prompt=language_prompt, on_choice=on_language)},
)
