"""A course's pre-test: a few of its questions asked before the course (when it is first opened)
and the same ones again at its end, to see what people learned. It does not count, and can be
skipped; a person who stops in the middle takes the course all the same.

intro --start--> question ... --> (before) the course    (after) before and now, then the
  +--skip--> the course (or, after, the course page)               certificate offer or the course
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import answers
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course, Question
from storage import repo

BEFORE, AFTER = "before", "after"


def due_before(turn: Turn, course: Course) -> bool:
    """Whether opening the course now is its first opening and it has a pre-test."""
    return bool(course.pretest) and repo.enrolment(turn.session, turn.learner.id, course.id) is None


def due_after(turn: Turn, course: Course) -> bool:
    """Whether the person passed the whole course, took the pre-test before it and has not
    answered it again at the end."""
    if not course.pretest:
        return False
    found = repo.enrolment(turn.session, turn.learner.id, course.id)
    if found is None or found.completed_at is None:
        return False
    results = repo.pretest_results(turn.session, turn.learner.id, course.id)
    return bool(results.get(BEFORE)) and not results.get(AFTER)


def offer_before(turn: Turn, course: Course, module_id: str | None = None) -> list[Outbound]:
    """The first opening of a course: enrol, and offer the pre-test (then the module opened, if
    one was)."""
    repo.enrol(turn.session, turn.learner.id, course.id)
    then = {"then": module_id} if module_id else {}
    turn.go("pretest", "intro", course=course.id, phase=BEFORE, **then)
    return [intro_prompt(turn)]


def offer_after(turn: Turn, course: Course) -> list[Outbound]:
    """At the end of the course, the same questions again (when due); nothing otherwise."""
    if not due_after(turn, course):
        return []
    turn.go("pretest", "intro", course=course.id, phase=AFTER)
    return [intro_prompt(turn)]


def _course(turn: Turn) -> Course | None:
    return turn.catalog.course(turn.state.get("course", ""))


def intro_prompt(turn: Turn) -> Outbound:
    """What the questions are for, that they do not count, and the way to skip them."""
    course = _course(turn)
    if course is None:
        return gone(turn)
    t = turn.course_t(course)
    title = course.text(course.title, turn.course_language(course))
    count = len(course.pretest_questions)
    if turn.state.get("phase") == AFTER:
        note = t.ngettext(
            "You passed every module. Answer the {n} question from the start again, to see "
            "what you learned? It does not count either.",
            "You passed every module. Answer the {n} questions from the start again, to see "
            "what you learned? They do not count either.",
            count,
        )
        later = t._("Later")
    else:
        note = t.ngettext(
            "Before you start: {n} short question to see what you already know. This does not "
            "count: no score, nothing to pass.",
            "Before you start: {n} short questions to see what you already know. This does not "
            "count: no score, nothing to pass.",
            count,
        )
        later = t._("Skip")
    start = Option(t._("Start the questions"), "start")
    return say(f"{title}\n\n{note}", start, Option(later, "skip"))


def on_intro(turn: Turn, option: Option) -> list[Outbound]:
    """Start the questions, or go on without them."""
    course = _course(turn)
    if course is None or option.value == "menu":
        from dialogs import menu

        return menu.enter(turn)
    if option.value == "start":
        then = {"then": turn.state["then"]} if turn.state.get("then") else {}
        phase = turn.state.get("phase")
        turn.go("pretest", "question", course=course.id, phase=phase, at=0, **then)
        return [question_prompt(turn)]
    return _done(turn, course, [])


def _question(turn: Turn, course: Course) -> Question | None:
    drawn = course.pretest_questions
    at = int(turn.state.get("at", 0))
    return drawn[at][1] if at < len(drawn) else None


def question_prompt(turn: Turn) -> Outbound:
    """The current question, saying it does not count, with its options and a way out."""
    course = _course(turn)
    question = _question(turn, course) if course is not None else None
    if course is None or question is None:
        return intro_prompt(turn)
    t = turn.course_t(course)
    header = t._(
        "Question {number} of {total} (does not count)",
        number=int(turn.state.get("at", 0)) + 1,
        total=len(course.pretest_questions),
    )
    text, options = answers.ask(turn, course, question)
    return say(f"{header}\n\n{text}", *options, Option(t._("Skip the rest"), "skip"))


def on_answer(turn: Turn, option: Option) -> list[Outbound]:
    """Keep whether the answer was right (nothing more is said of it), then the next one."""
    course = _course(turn)
    question = _question(turn, course) if course is not None else None
    if course is None or question is None:
        from dialogs import menu

        return menu.enter(turn)
    if option.value == "skip":
        return _done(turn, course, [])
    answer, _ = answers.from_option(question, option.value)
    if answer is None:
        from dialogs import router  # the router imports every dialog, this one included

        return router.reprompt(turn, out_of_range=False)
    phase = turn.state.get("phase", BEFORE)
    credit = question.credit_for(answer)
    repo.record_pretest_answer(
        turn.session, turn.learner.id, course.id, question.id, phase, credit >= 1
    )
    turn.update(at=int(turn.state.get("at", 0)) + 1)
    if _question(turn, course) is not None:
        return [question_prompt(turn)]
    return _done(turn, course, [_summary(turn, course)] if phase == AFTER else [])


def _summary(turn: Turn, course: Course) -> Outbound:
    """Before the course and now: how many right of the same questions."""
    t = turn.course_t(course)
    results = repo.pretest_results(turn.session, turn.learner.id, course.id)
    drawn = [question.id for _, question in course.pretest_questions]
    before = sum(1 for q in drawn if results.get(BEFORE, {}).get(q))
    after = sum(1 for q in drawn if results.get(AFTER, {}).get(q))
    return say(
        t._(
            "Before the course: {before} of {total} right. Now: {after} of {total}.",
            before=before,
            after=after,
            total=len(drawn),
        )
    )


def _done(turn: Turn, course: Course, notes: list[Outbound]) -> list[Outbound]:
    """On to the course (before), or to the certificate or the course page (after)."""
    from dialogs import certificate, courses, lesson

    if turn.state.get("phase") == AFTER:
        offer = certificate.offer_on_completion(turn, course)
        return [*notes, *offer] if offer else [*notes, *courses.open_course(turn, course.id)]
    module_id = turn.state.get("then")
    t = turn.course_t(course)
    if turn.state.get("step") == "question" and int(turn.state.get("at", 0)) > 0:
        notes = [*notes, say(t._("Thank you. Now the course."))]
    if module_id and turn.catalog.module(course.id, module_id) is not None:
        return [*notes, *lesson.open_module(turn, course.id, module_id)]
    return [*notes, *courses.open_course(turn, course.id)]


def gone(turn: Turn) -> Outbound:
    """The course or module is no longer in the content: the way back to the menu."""
    return say(turn.t._("That module is no longer available."), Option(turn.t._("Menu"), "menu"))


DIALOG = Dialog(
    name="pretest",
    entry=offer_before,
    steps={
        "intro": Step(prompt=intro_prompt, on_choice=on_intro),
        "question": Step(prompt=question_prompt, on_choice=on_answer),
    },
)
