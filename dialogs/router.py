"""Where each message goes: a global word from any step, else the answer to the current step."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import global_word
from bot.messages import Outbound
from dialogs import (
    alerts,
    certificate,
    courses,
    distress,
    erase,
    feedback,
    help_text,
    helpdesk,
    lesson,
    menu,
    onboarding,
    pretest,
    privacy,
    progress,
    quiz,
    reminders,
    review,
    safety,
    services,
    settings,
)
from dialogs.base import Dialog, Step, Turn, say

DIALOGS: dict[str, Dialog] = {
    dialog.name: dialog
    for dialog in (
        onboarding.DIALOG,
        menu.DIALOG,
        courses.DIALOG,
        lesson.DIALOG,
        quiz.DIALOG,
        settings.DIALOG,
        alerts.DIALOG,
        services.DIALOG,
        review.DIALOG,
        reminders.DIALOG,
        erase.DIALOG,
        privacy.DIALOG,
        certificate.DIALOG,
        pretest.DIALOG,
        feedback.DIALOG,
        helpdesk.DIALOG,
    )
}


def current_step(turn: Turn) -> Step | None:
    """The step the learner is at, if the stored state still names one."""
    dialog = DIALOGS.get(turn.state.get("dialog", ""))
    return dialog.steps.get(turn.state.get("step", "")) if dialog else None


def current_prompt(turn: Turn) -> list[Outbound]:
    """The question the learner was last asked, to ask it again."""
    step = current_step(turn)
    if step is None:
        return menu.enter(turn) if turn.learner.consented_at else onboarding.enter(turn)
    return [step.prompt(turn)]


def _then_prompt(show: Callable[[Turn], Outbound]) -> Callable[[Turn], list[Outbound]]:
    """A side answer (SOS, help, progress) that keeps the learner's place and asks again."""
    return lambda turn: [show(turn), *current_prompt(turn)]


def _stop(turn: Turn) -> list[Outbound]:
    turn.learner.pushes_stopped = True
    note = turn.t._(
        "You will get no more reminders or alerts. Senda only answers when you write. "
        "To receive them again, write START."
    )
    return [say(note), *current_prompt(turn)]


def _start(turn: Turn) -> list[Outbound]:
    turn.learner.pushes_stopped = False
    return [say(turn.t._("Reminders and alerts are on again.")), *current_prompt(turn)]


def _menu(turn: Turn) -> list[Outbound]:
    return menu.enter(turn) if turn.learner.consented_at else current_prompt(turn)


def _progress(turn: Turn) -> list[Outbound]:
    """Progress keeps the learner's place; at the menu it also offers an official's
    certificates (as the menu's My progress does)."""
    if turn.state.get("dialog") in ("menu", "certificate"):
        shown = progress.with_certificates(turn)
        if shown:
            return shown
    return [progress.summary(turn), *current_prompt(turn)]


def _more(turn: Turn) -> list[Outbound]:
    """The next part of an SOS sent in parts; the question again after the last. MORE means
    nothing else here: without an SOS waiting, the word goes to the step like any text."""
    if not safety.pending(turn):
        return _answer_step(turn)
    part = safety.more(turn)
    return [part] if safety.pending(turn) else [part, *current_prompt(turn)]


def _language(turn: Turn) -> list[Outbound]:
    return settings.enter(turn) if turn.learner.consented_at else onboarding.enter(turn)


GLOBAL_ACTIONS: dict[str, Callable[[Turn], list[Outbound]]] = {
    "menu": _menu,
    "help": _then_prompt(help_text.help_text),
    "sos": _then_prompt(safety.sos),
    "progress": _progress,
    "language": _language,
    "stop": _stop,
    "start": _start,
    "delete": erase.erase,
    "person": lambda turn: helpdesk.enter(turn) or current_prompt(turn),
    "clear": privacy.clear,
    "more": _more,
}


def reprompt(turn: Turn, out_of_range: bool) -> list[Outbound]:
    """A short nudge and the same question again: never a dead end."""
    t = turn.t
    prompts = current_prompt(turn)
    count = len(prompts[-1].options) if prompts else 0
    if not turn.inbound.text.strip():
        note = t._("I did not get any text.")
    elif out_of_range:
        note = t.ngettext(
            "Please answer with the number {n}.",
            "Please answer with a number from 1 to {n}.",
            count,
        )
    else:
        note = t._("Sorry, I did not understand.")
    if count:
        note += " " + t._("Write the number of an option, or MENU.")
    # Words that match nothing may be someone who needs more than a menu: a person is offered.
    offer = helpdesk.offer(turn) if turn.inbound.text.strip() and not out_of_range else ""
    return [say(f"{note}\n{offer}" if offer else note), *prompts]


def open_link(turn: Turn) -> list[Outbound]:
    """A start link (Telegram `/start PAYLOAD`): onboarding first, then the module it names."""
    parameter = turn.inbound.start_parameter or ""
    if turn.learner.consented_at is None or turn.learner.role is None:
        return onboarding.enter(turn)
    return lesson.open_start_parameter(turn, parameter) or menu.enter(turn)


def shared_location(turn: Turn) -> list[Outbound]:
    """A location: the step that asked for one uses it, else the nearest services are offered;
    either way it is used once and not stored."""
    step = current_step(turn)
    if step is not None and step.on_location is not None:
        return step.on_location(turn)
    if turn.learner.consented_at is None:
        # Nothing but the language is kept before consent: the answer, and the same question.
        return [*services.answer_once(turn), *current_prompt(turn)]
    return services.on_location(turn)


def respond(turn: Turn) -> list[Outbound]:
    """The answer to one message."""
    if turn.inbound.start_parameter is not None:
        return open_link(turn)
    word = global_word(turn.inbound.text) if turn.inbound.choice is None else None
    if word != "more":
        safety.forget(turn)  # the rest of an SOS is for a MORE at once, not later
    if word is not None:
        return GLOBAL_ACTIONS[word](turn)
    return _answer_step(turn)


def _answer_step(turn: Turn) -> list[Outbound]:
    """The message as an answer to the current step (no global word)."""
    step = current_step(turn)
    if step is None:
        if distress.heard(turn):
            return [*distress.answer(turn, helpdesk.offer(turn)), *current_prompt(turn)]
        return current_prompt(turn)
    options = step.prompt(turn).options
    if (
        turn.inbound.choice is not None
        and turn.inbound.choice in GLOBAL_ACTIONS
        and turn.inbound.choice != "more"  # a button of an old message; MORE is typed
        and not any(o.value == turn.inbound.choice for o in options)
    ):
        return GLOBAL_ACTIONS[turn.inbound.choice](turn)
    match = turn.match(options)
    if match.option is None and not step.hears_distress and distress.heard(turn):
        # A cry for help is never an answer to the step: the SOS first, then the same question.
        return [*distress.answer(turn, helpdesk.offer(turn)), *current_prompt(turn)]
    if match.option is None and step.on_text is not None and turn.inbound.text.strip():
        return step.on_text(turn)
    if match.option is None:
        return reprompt(turn, match.out_of_range)
    return step.on_choice(turn, match.option)


__all__ = ["DIALOGS", "GLOBAL_ACTIONS", "courses", "lesson", "quiz", "respond"]
