"""Onboarding: the language, then consent, then the person's role.

(first message) --> language --> consent --yes--> role --> menu (or the shared module)
                                    |
                                    +--no--> erased: nothing is kept
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import erase, lesson, menu, privacy, settings
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import ROLES
from storage.models import utcnow


def enter(turn: Turn) -> list[Outbound]:
    """Start onboarding: remember a shared module to open later, and ask for the language."""
    start = turn.inbound.start_parameter
    turn.go("onboarding", "language", **({"start": start} if start else {}))
    return [settings.language_prompt(turn)]


def on_language(turn: Turn, option: Option) -> list[Outbound]:
    """Keep the language (the only thing stored before consent) and ask for consent."""
    turn.learner.language = option.value
    turn.go("onboarding", "consent", **_carried(turn))
    return [consent_prompt(turn)]


def consent_prompt(turn: Turn) -> Outbound:
    """Who runs the service, what it keeps, for how long, and how to erase it."""
    t = turn.t
    text = t._(
        "Welcome to Senda: short lessons and safety information by message. "
        "Senda is run by {operator}.\n\n"
        "To work, Senda keeps your language, your role, your progress and your quiz answers. "
        "Your number is stored encrypted and is never shown to anyone. "
        "Senda does not keep the text of your messages (except what you write to the help "
        "desk, if you ask to talk to a person), your name or your location.\n\n"
        "If you do not write for {days} days, everything is deleted. "
        "Write DELETE at any moment to erase everything at once.",
        operator=t.operator(turn.service.operator_name),
        days=turn.service.retention_days,
    )
    certificates = t._(
        "A certificate, if you get one as a public official, is the exception: it stays "
        "checkable for {years} years with only what it shows (name, course, score, dates); "
        "{word} erases it too.",
        years=turn.service.certificate_years,
        word=t.main_word("delete"),
    )
    lingers = t._(
        "This chat stays on your phone, and whoever takes it can read it: write {word} at any "
        "moment to delete it, or to learn how.",
        word=t.main_word("clear"),
    )
    question = t._("Do you agree?")
    text = f"{text}\n\n{certificates}\n\n{lingers}\n\n{question}"
    return say(text, Option(t._("Yes, I agree"), "yes"), Option(t._("No"), "no"))


def on_consent(turn: Turn, option: Option) -> list[Outbound]:
    """Yes: record consent and ask for the role. No: keep nothing at all."""
    if option.value == "no":
        text = turn.t._(
            "Understood. Nothing about you is kept. "
            "If you change your mind, write hello. For emergency numbers, write SOS."
        )
        erase.erase_quietly(turn)
        return [say(text)]
    turn.learner.consented_at = utcnow()
    turn.go("onboarding", "role", **_carried(turn))
    return [role_prompt(turn)]


def role_options(turn: Turn) -> tuple[Option, ...]:
    """The three kinds of people Senda serves."""
    t = turn.t
    labels = {
        "official": t._("Public official"),
        "civil_society": t._("Civil-society worker"),
        "migrant": t._("Migrant or traveller"),
    }
    return tuple(Option(labels[role], role) for role in ROLES)


def role_prompt(turn: Turn) -> Outbound:
    """Ask who the person is, to offer the right courses."""
    return say(turn.t._("Thank you. Who are you?"), *role_options(turn))


def on_role(turn: Turn, option: Option) -> list[Outbound]:
    """Keep the role; open the shared module if the person came by a link, else the menu."""
    turn.learner.role = option.value
    start = turn.state.get("start")
    if start:
        turn.learner.referral = lesson.read_start_parameter(start)[2]
    if option.value == "migrant" and privacy.can_delete(turn):
        return privacy.offer(turn)  # opens the shared module, if any, once answered
    if start:
        opened = lesson.open_start_parameter(turn, start)
        if opened:
            return opened
    return menu.enter(turn, note=turn.t._("All set."))


def _carried(turn: Turn) -> dict[str, str]:
    return {"start": turn.state["start"]} if turn.state.get("start") else {}


DIALOG = Dialog(
    name="onboarding",
    entry=enter,
    steps={
        "language": Step(prompt=settings.language_prompt, on_choice=on_language),
        "consent": Step(prompt=consent_prompt, on_choice=on_consent),
        "role": Step(prompt=role_prompt, on_choice=on_role),
    },
)
