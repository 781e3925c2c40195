"""Choosing the language, during onboarding and at any time with the word `idioma`/`language`.

language --(a language)--> menu
"""

from __future__ import annotations

from bot.i18n import INTERFACE_LANGUAGES, LANGUAGES, Translator
from bot.messages import Option, Outbound
from dialogs import menu
from dialogs.base import Dialog, Step, Turn, say


def language_options() -> tuple[Option, ...]:
    """Every interface language, each named in itself."""
    return tuple(Option(LANGUAGES[code].name, code) for code in INTERFACE_LANGUAGES)


def language_prompt(turn: Turn) -> Outbound:
    """Ask for the language in every language at once: the person may read none of the others."""
    lines = [Translator(code)._("Choose your language:") for code in INTERFACE_LANGUAGES]
    return say("\n".join(lines), *language_options())


def enter(turn: Turn) -> list[Outbound]:
    """Offer the languages."""
    turn.go("settings", "language")
    return [language_prompt(turn)]


def on_language(turn: Turn, option: Option) -> list[Outbound]:
    """Switch the language and go back to the menu."""
    turn.learner.language = option.value
    return menu.enter(turn, note=turn.t._("From now on I will write in English."))


DIALOG = Dialog(
    name="settings",
    entry=enter,
    steps={"language": Step(prompt=language_prompt, on_choice=on_language)},
)
