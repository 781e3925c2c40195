"""A module's lesson, card by card, resuming at the exact card after any pause.

card --next--> card ... last card --quiz--> quiz
  |  <--back--
  +--menu--> menu
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import feedback, menu, pretest, quiz
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course, Module
from storage import repo
from storage.models import ModuleProgress

START_SEPARATOR = "__"
REFERRAL_PREFIX = "org-"


def start_parameter(course_id: str, module_id: str, organisation: str | None = None) -> str:
    """The deep-link payload that opens a module, with the sharing organisation if any."""
    parts = [course_id, module_id] + ([REFERRAL_PREFIX + organisation] if organisation else [])
    return START_SEPARATOR.join(parts)


def read_start_parameter(parameter: str) -> tuple[str | None, str | None, str | None]:
    """(course, module, organisation) from a deep-link payload; each None when absent."""
    parts = [p for p in parameter.split(START_SEPARATOR) if p]
    organisation = next(
        (p[len(REFERRAL_PREFIX) :] for p in parts if p.startswith(REFERRAL_PREFIX)), None
    )
    rest = [p for p in parts if not p.startswith(REFERRAL_PREFIX)]
    course, module = [*rest, None, None][:2]
    return course, module, organisation


def open_start_parameter(turn: Turn, parameter: str) -> list[Outbound] | None:
    """Open the module a shared link names; None when it names none."""
    course_id, module_id, _ = read_start_parameter(parameter)
    if not course_id or not module_id or turn.catalog.module(course_id, module_id) is None:
        return None
    return open_module(turn, course_id, module_id)


def _progress(turn: Turn, course_id: str, module_id: str) -> ModuleProgress:
    return turn.memo(
        ("progress", course_id, module_id),
        lambda: repo.module_progress(turn.session, turn.learner.id, course_id, module_id),
    )


def latest_unfinished(turn: Turn) -> ModuleProgress | None:
    """The module the learner touched last and has not passed yet (if it still exists)."""
    for row in repo.course_progress(turn.session, turn.learner.id):
        if not row.passed and turn.catalog.module(row.course_id, row.module_id) is not None:
            return row
    return None


def resume_latest(turn: Turn) -> list[Outbound]:
    """Continue where the learner left off: the card they were on, or the quiz."""
    row = latest_unfinished(turn)
    if row is None:
        return menu.enter(turn)
    found = turn.catalog.module(row.course_id, row.module_id)
    from dialogs import courses  # the course list opens modules: it imports this one

    if found is not None and courses.needs_language(turn, found[0]):
        return courses.offer_languages(turn, found[0], row.module_id)
    if row.cards_done and found is not None and found[1].quiz:
        return quiz.start(turn, row.course_id, row.module_id)
    return open_module(turn, row.course_id, row.module_id)


def open_module(turn: Turn, course_id: str, module_id: str) -> list[Outbound]:
    """Open a module at the learner's card (the first card when they finished reading it)."""
    found = turn.catalog.module(course_id, module_id)
    if found is None:
        return menu.enter(turn, note=turn.t._("That module is no longer available."))
    course, module = found
    from dialogs import courses  # the course list opens modules: it imports this one

    if courses.needs_language(turn, course):
        return courses.offer_languages(turn, course, module_id)
    if pretest.due_before(turn, course):
        return pretest.offer_before(turn, course, module_id)
    row = _progress(turn, course_id, module_id)
    if row.cards_done or row.card_index >= len(module.cards):
        row.card_index = 0  # read through before: start over, with the quiz a button away
    turn.go("lesson", "card", course=course_id, module=module_id)
    return [card_prompt(turn)]


def card_prompt(turn: Turn) -> Outbound:
    """The learner's current card, with its place in the module and the way on."""
    t = turn.t
    content = turn.current_module()
    if content is None:
        return say(t._("That module is no longer available."), Option(t._("Menu"), "menu"))
    course, module = content
    row = _progress(turn, course.id, module.id)
    index = min(row.card_index, len(module.cards) - 1)
    return card_message(turn, course, module, index, row.cards_done)


def card_message(
    turn: Turn, course: Course, module: Module, index: int, cards_done: bool
) -> Outbound:
    """A card as it is shown: its place in the module, its text, and the ways on (the quiz
    from any card once every card was read)."""
    t, language = turn.course_t(course), turn.course_language(course)
    header = f"{course.text(module.title, language)} ({index + 1}/{len(module.cards)})"
    text = f"{header}\n\n{course.text(module.cards[index].text, language)}"
    last = index == len(module.cards) - 1
    options: list[Option] = []
    if not last:
        options.append(Option(t._("Next"), "next"))
    if module.quiz and (last or cards_done):
        count = len(module.quiz)
        options.append(
            Option(t.ngettext("Quiz ({n} question)", "Quiz ({n} questions)", count), "quiz")
        )
    elif last:
        options.append(Option(t._("Finish"), "finish"))
    if index > 0:
        options.append(Option(t._("Back"), "back"))
    if last and turn.service.share_links(start_parameter(course.id, module.id)):
        options.append(Option(t._("Share this module"), "share"))
    options.append(Option(t._("Menu"), "menu"))
    return say(text, *options)


def on_card(turn: Turn, option: Option) -> list[Outbound]:
    """Move through the cards, or on to the quiz."""
    content = turn.current_module()
    if content is None or option.value == "menu":
        return menu.enter(turn)
    course, module = content
    row = _progress(turn, course.id, module.id)
    if option.value == "share":
        return [share(turn, course.id, module.id), card_prompt(turn)]
    if option.value == "next":
        row.card_index = min(row.card_index + 1, len(module.cards) - 1)
    elif option.value == "back":
        row.card_index = max(row.card_index - 1, 0)
    elif option.value in ("quiz", "finish"):
        row.cards_done = True
        if option.value == "quiz":
            return quiz.start(turn, course.id, module.id)
        repo.mark_module_passed(turn.session, row, None, [m.id for m in course.modules])
        note = turn.t._("You finished this module.")
        offer = feedback.after_pass(turn, course, module)
        return [say(note), *offer] if offer else menu.enter(turn, note=note)
    return [card_prompt(turn)]


def share(turn: Turn, course_id: str, module_id: str) -> Outbound:
    """Links to forward: each opens this module for whoever taps it."""
    organisation = turn.learner.referral
    links = turn.service.share_links(start_parameter(course_id, module_id, organisation))
    note = turn.t._("Forward this link: whoever opens it can take this module.")
    return say("\n".join([note, *links]))


DIALOG = Dialog(
    name="lesson",
    entry=open_module,
    steps={"card": Step(prompt=card_prompt, on_choice=on_card)},
)
