"""The courses for the learner's role and the modules of each, with the learner's progress.

list (courses) --> modules (of one course) --> lesson
    (a course not written in the learner's language: --> language --(one it has)--> modules
                                                                  --back--> list or menu)

Each course is read in one language, never a mix: the learner's when the course has it, else
the one they chose for it (remembered for that course).
"""

from __future__ import annotations

from bot.i18n import LANGUAGES
from bot.messages import Option, Outbound
from dialogs import lesson, menu, pretest
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course, Module
from storage import repo
from storage.models import ModuleProgress


def _courses(turn: Turn) -> tuple[Course, ...]:
    return turn.catalog.courses_for(turn.learner.role)


def _progress_by_module(
    turn: Turn, course_id: str | None = None
) -> dict[tuple[str, str], ModuleProgress]:
    rows = repo.course_progress(turn.session, turn.learner.id, course_id)
    return {(row.course_id, row.module_id): row for row in rows}


def enter(turn: Turn) -> list[Outbound]:
    """The course list; straight to the modules when the role has only one course."""
    available = _courses(turn)
    if len(available) == 1:
        return open_course(turn, available[0].id)
    turn.go("courses", "list")
    return [list_prompt(turn)]


def list_prompt(turn: Turn) -> Outbound:
    """Each course with how many of its modules the learner passed."""
    t = turn.t
    done = _progress_by_module(turn)
    options = []
    for course in _courses(turn)[:9]:
        passed = sum(1 for m in course.modules if (p := done.get((course.id, m.id))) and p.passed)
        title = course.text(course.title, turn.course_language(course))
        languages = ", ".join(t.language_name(code) for code in course.readable_languages)
        label = f"{title} — {languages} ({passed}/{len(course.modules)})"
        options.append(Option(label, f"c:{course.id}"))
    if not options:
        return say(t._("There are no courses for you yet."), Option(t._("Menu"), "menu"))
    return say(t._("Courses:"), *options, Option(t._("Menu"), "menu"))


def on_course(turn: Turn, option: Option) -> list[Outbound]:
    """Open the chosen course, or go back to the menu."""
    if option.value == "menu":
        return menu.enter(turn)
    return open_course(turn, option.value.removeprefix("c:"))


def open_course(turn: Turn, course_id: str) -> list[Outbound]:
    """The modules of a course; first the choice of its languages when it is not written in
    the learner's."""
    course = turn.catalog.course(course_id)
    if course is not None and needs_language(turn, course):
        return offer_languages(turn, course)
    if course is not None and pretest.due_before(turn, course):
        return pretest.offer_before(turn, course)
    turn.go("courses", "modules", course=course_id)
    return [modules_prompt(turn)]


def needs_language(turn: Turn, course: Course) -> bool:
    """Whether the course is not in the learner's language and they have not chosen one of its
    languages for it yet."""
    return (
        turn.learner.language not in course.readable_languages
        and turn.chosen_language(course) is None
    )


def offer_languages(turn: Turn, course: Course, module_id: str | None = None) -> list[Outbound]:
    """Say which languages the course has and let the person pick one (then the module they
    were opening, if any)."""
    turn.go("courses", "language", course=course.id, **({"module": module_id} if module_id else {}))
    return [language_prompt(turn)]


def language_prompt(turn: Turn) -> Outbound:
    """ "This course is in Spanish and English": one button a language, each named in itself."""
    t = turn.t
    course = turn.catalog.course(turn.state.get("course", ""))
    if course is None:
        return list_prompt(turn)
    title = course.text(course.title, course.default_language)
    note = t.ngettext(
        "This course is only in {languages}: read it in that language, or go back.",
        "This course is in {languages}. In which language do you want to read it?",
        len(course.readable_languages),
        languages=t.language_list(course.readable_languages),
    )
    options = [
        Option(LANGUAGES[code].name if code in LANGUAGES else code, f"l:{code}")
        for code in course.readable_languages[:8]
    ]
    return say(f"{title}\n\n{note}", *options, Option(t._("Back"), "back"))


def on_language(turn: Turn, option: Option) -> list[Outbound]:
    """Remember the language for this course and go on; or back where the person came from."""
    course = turn.catalog.course(turn.state.get("course", ""))
    if course is None or option.value.startswith("c:"):  # the course vanished: its list shown
        return on_course(turn, option)
    if option.value == "back":
        return enter(turn) if len(_courses(turn)) > 1 else menu.enter(turn)
    turn.choose_language(course, option.value.removeprefix("l:"))
    module_id = turn.state.get("module")
    if module_id:
        return lesson.open_module(turn, course.id, module_id)
    return open_course(turn, course.id)


def modules_prompt(turn: Turn) -> Outbound:
    """Each module with a mark: passed (and the score), in progress (the card), or not started."""
    t = turn.t
    course = turn.catalog.course(turn.state.get("course", ""))
    if course is None:
        return list_prompt(turn)
    t, language = turn.course_t(course), turn.course_language(course)
    done = _progress_by_module(turn, course.id)
    back = [Option(t._("Other courses"), "courses")] if len(_courses(turn)) > 1 else []
    again = (
        [Option(t._("The questions from the start, again"), "pretest")]
        if pretest.due_after(turn, course)
        else []
    )
    shown, more = _modules_on_page(turn, course.modules, len(back) + len(again) + 1)
    options = []
    for module in shown:
        title = course.text(module.title, language)
        row = done.get((course.id, module.id))
        if row is not None and row.passed:
            label = f"✓ {title} ({t.percent((row.best_score or 0) / 100)})"
        elif row is not None:
            label = f"▶ {title}"
        else:
            label = title
        options.append(Option(label, f"m:{module.id}"))
    description = course.text(course.description, language)
    text = "\n\n".join(p for p in (course.text(course.title, language), description) if p)
    more_item = [Option(t._("More modules"), "more")] if more else []
    return say(text, *options, *more_item, *again, *back, Option(t._("Menu"), "menu"))


def _modules_on_page(
    turn: Turn, modules: tuple[Module, ...], others: int
) -> tuple[tuple[Module, ...], bool]:
    """The modules the list shows now, and whether there are more: pages of what fits beside
    "more modules" and the other options, so that no module is out of reach."""
    if len(modules) + others <= Outbound.MAX_OPTIONS:
        return modules, False
    size = Outbound.MAX_OPTIONS - others - 1
    pages = -(-len(modules) // size)
    page = int(turn.state.get("page", 0)) % pages
    return modules[page * size : (page + 1) * size], True


def on_module(turn: Turn, option: Option) -> list[Outbound]:
    """Open the chosen module at the learner's place in it."""
    if option.value == "menu":
        return menu.enter(turn)
    if option.value == "more":
        turn.update(page=int(turn.state.get("page", 0)) + 1)
        return [modules_prompt(turn)]
    if option.value == "pretest":
        course = turn.catalog.course(turn.state.get("course", ""))
        return (pretest.offer_after(turn, course) if course else []) or [modules_prompt(turn)]
    if option.value == "courses":
        turn.go("courses", "list")
        return [list_prompt(turn)]
    if option.value.startswith("c:"):  # the course vanished from the content: its list was shown
        return open_course(turn, option.value.removeprefix("c:"))
    return lesson.open_module(turn, turn.state["course"], option.value.removeprefix("m:"))


DIALOG = Dialog(
    name="courses",
    entry=enter,
    steps={
        "list": Step(prompt=list_prompt, on_choice=on_course),
        "modules": Step(prompt=modules_prompt, on_choice=on_module),
        "language": Step(prompt=language_prompt, on_choice=on_language),
    },
)
