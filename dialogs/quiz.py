"""A module's quiz: immediate feedback, a score, pass or fail, and a retry of the missed questions.

question --(answer)--> question ... --> result --retry--> question (only the missed ones)
   (a matching question asks its items one at a time; typed answers come as text)
                                          +--again--> question (a new attempt, every question)
                                          +--next--> the next module's lesson
                                          +--menu--> menu

An attempt's score is that of its first pass through the whole quiz: the retry of the missed
questions is recorded and helps the learner, but does not raise it (Moodle's attempts). A new
attempt ("Take the quiz again") can; the module keeps the best.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Option, Outbound
from dialogs import answers, feedback, lesson, menu, records, review
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course, Module, Question
from storage import repo
from storage.models import QuizAttempt, utcnow


def start(
    turn: Turn,
    course_id: str,
    module_id: str,
    queue: list[str] | None = None,
    attempt_id: int | None = None,
) -> list[Outbound]:
    """Ask the first question of a new attempt (or of a retry round of one)."""
    found = turn.catalog.module(course_id, module_id)
    module = found[1] if found else None
    if module is None or not module.quiz:
        return menu.enter(turn, note=turn.t._("That module is no longer available."))
    if attempt_id is None:
        attempt_id = repo.start_attempt(turn.session, turn.learner.id, course_id, module_id).id
    questions = queue or [q.id for q in module.quiz]
    turn.go(
        "quiz",
        "question",
        course=course_id,
        module=module_id,
        attempt=attempt_id,
        queue=questions,
        at=0,
        picks="",
    )
    return [question_prompt(turn)]


def _askable(question: Question | None) -> bool:
    return question is not None and question.deliverable


def _current_question(turn: Turn) -> tuple[Course, Module, Question] | None:
    content = turn.current_module()
    if content is None:
        return None
    course, module = content
    queue, at = turn.state.get("queue", []), turn.state.get("at", 0)
    # Skip questions removed from the content (or made unaskable) since the attempt began.
    while at < len(queue) and not _askable(module.question(queue[at])):
        at += 1
    if at >= len(queue):
        return None
    return course, module, module.question(queue[at])


def order_seed(attempt_id: int) -> str:
    """What the order of the options derives from: the attempt, so that it is the learner's own,
    the same through a restart and the retry of missed questions, and new at the next attempt."""
    return f"attempt {attempt_id}"


def _seed(turn: Turn) -> str:
    attempt = turn.state.get("attempt")
    return order_seed(attempt) if attempt else ""


def question_prompt(turn: Turn) -> Outbound:
    """The current question and its options."""
    current = _current_question(turn)
    if current is None:
        return result_prompt(turn)
    course, _, question = current
    t = turn.course_t(course)
    queue, at = turn.state["queue"], turn.state["at"]
    header = t._("Question {number} of {total}", number=at + 1, total=len(queue))
    text, options = answers.ask(turn, course, question, turn.state.get("picks", ""), _seed(turn))
    return say(f"{header}\n\n{text}", *options)


def on_answer(turn: Turn, option: Option) -> list[Outbound]:
    """An option picked: record the answer (or, in a matching question, go to the next item)."""
    current = _current_question(turn)
    if current is None:
        return finish(turn)
    _, _, question = current
    answer, picks = answers.from_option(question, option.value, turn.state.get("picks", ""))
    if answer is None and picks != turn.state.get("picks", ""):
        turn.update(picks=picks)
        return [question_prompt(turn)]
    if answer is None:  # an answer to a result screen shown in place of a vanished question
        return on_result(turn, option)
    return _record(turn, answer)


def on_text(turn: Turn) -> list[Outbound]:
    """A typed answer (a word, a number, several option numbers); anything else is asked again."""
    from dialogs import router  # the router imports every dialog, this one included

    current = _current_question(turn)
    if current is None:
        return router.reprompt(turn, out_of_range=False)
    course, _, question = current
    answer = answers.from_text(turn, question, turn.inbound.text, _seed(turn))
    if answer is None:
        if question.typed or question.multiple:
            return [say(answers.not_an_answer(turn, course, question)), question_prompt(turn)]
        return router.reprompt(turn, out_of_range=False)
    return _record(turn, answer)


def _record(turn: Turn, answer: str) -> list[Outbound]:
    """Record the answer, explain the right one, and go on."""
    course, module, question = _current_question(turn)
    attempt = turn.session.get(QuizAttempt, turn.state["attempt"])
    if attempt is None or attempt.learner_id != turn.learner.id:
        return menu.enter(turn)
    credit = question.credit_for(answer)
    repo.record_answer(turn.session, attempt, question.id, answer, credit > 0)
    records.answered(turn, course, module, question, answer, credit)
    if credit < 1:
        review.schedule_missed(turn, course, turn.state["module"], question)
    feedback = answers.answer_feedback(turn, course, question, answer)
    turn.update(at=turn.state["at"] + 1, picks="")
    following = question_prompt(turn) if _current_question(turn) else None
    return [feedback, following] if following else [feedback, *finish(turn)]


@dataclass(frozen=True)
class _Score:
    """An attempt's score (its pass through the whole quiz) and where its retries stand."""

    score: int  # percent, of the first answer to each question
    right: int  # questions answered right the first time
    missed: list[str]  # questions not answered right yet, retries included
    retried: bool  # whether any question was answered again


def _score(turn: Turn, module: Module, attempt_id: int) -> _Score:
    answers = repo.attempt_choices(turn.session, attempt_id)
    first: dict[str, str] = {}
    latest: dict[str, str] = {}
    for question_id, choice in answers:
        first.setdefault(question_id, choice)
        latest[question_id] = choice
    earned, right, missed = 0.0, 0, []
    for question in module.quiz:
        credit = question.credit_for(first.get(question.id, ""))
        earned += credit
        right += credit >= 1
        if question.credit_for(latest.get(question.id, "")) < 1:
            missed.append(question.id)
    score = round(100 * earned / max(len(module.quiz), 1))
    return _Score(score, right, missed, retried=len(answers) > len(first))


def finish(turn: Turn) -> list[Outbound]:
    """Score the attempt, record a pass, and show the result."""
    content = turn.current_module()
    attempt = turn.session.get(QuizAttempt, turn.state.get("attempt", 0))
    if content is None or attempt is None:
        return menu.enter(turn)
    course, module = content
    score = _score(turn, module, attempt.id).score
    first_pass = attempt.finished_at is None  # a retry round finishes the attempt again
    attempt.score, attempt.passed = score, score >= course.pass_mark
    if attempt.passed:
        row = repo.module_progress(turn.session, turn.learner.id, course.id, module.id)
        repo.mark_module_passed(turn.session, row, score, [m.id for m in course.modules])
    if first_pass:
        attempt.finished_at = utcnow()
        records.finished(turn, course, module, score, attempt.passed)
    turn.go("quiz", "result", course=course.id, module=module.id, attempt=attempt.id)
    result = result_prompt(turn)
    # A first pass: what the person thought of the module; the end of the course: the pre-test's
    # questions again, the certificate offer. Each takes the place of the result's options.
    offer = feedback.after_pass(turn, course, module, dict(turn.state)) if attempt.passed else []
    return [say(result.text), *offer] if offer else [result]


def _next_module(course: Course, module: Module) -> Module | None:
    ids = [m.id for m in course.modules]
    position = ids.index(module.id)
    return course.modules[position + 1] if position + 1 < len(ids) else None


def result_prompt(turn: Turn) -> Outbound:
    """The score, pass or fail, and what can come next."""
    t = turn.t
    content = turn.current_module()
    attempt = turn.session.get(QuizAttempt, turn.state.get("attempt", 0))
    if content is None or attempt is None:
        return say(t._("That module is no longer available."), Option(t._("Menu"), "menu"))
    course, module = content
    t = turn.course_t(course)
    result = _score(turn, module, attempt.id)
    score, missed = result.score, result.missed
    total = len(module.quiz)
    lines = [
        t.ngettext(
            "You got {right} of {n} question right ({score}).",
            "You got {right} of {n} questions right ({score}).",
            total,
            right=result.right,
            score=t.percent(score / 100),
        )
    ]
    if result.retried:
        lines.append(
            t._(
                "After the retry: {right} of {n} right. The score stays that of the whole "
                "quiz; to raise it, take the quiz again.",
                right=total - len(missed),
                n=total,
            )
        )
    if score >= course.pass_mark:
        lines.append(t._("You passed this module. Well done!"))
    else:
        lines.append(t._("To pass you need {mark}.", mark=t.percent(course.pass_mark / 100)))
    options = []
    if missed:
        options.append(
            Option(
                t.ngettext(
                    "Retry the {n} missed question", "Retry the {n} missed questions", len(missed)
                ),
                "retry",
            )
        )
    if score < 100:
        options.append(Option(t._("Take the quiz again"), "again"))
    following = _next_module(course, module)
    passed = score >= course.pass_mark or (  # in this attempt, or in an earlier one
        repo.module_progress(turn.session, turn.learner.id, course.id, module.id).passed
    )
    if following is not None and passed:
        title = course.text(following.title, turn.course_language(course))
        options.append(Option(t._("Next: {title}", title=title), "next"))
    options.append(Option(t._("Read the lesson again"), "lesson"))
    options.append(Option(t._("Menu"), "menu"))
    return say("\n".join(lines), *options)


def on_result(turn: Turn, option: Option) -> list[Outbound]:
    """Retry the missed questions, go to the next module, re-read, or leave."""
    content = turn.current_module()
    if content is None or option.value == "menu":
        return menu.enter(turn)
    course, module = content
    attempt_id = turn.state.get("attempt")
    if option.value == "retry":
        missed = _score(turn, module, attempt_id).missed
        return start(turn, course.id, module.id, queue=missed, attempt_id=attempt_id)
    if option.value == "again":
        return start(turn, course.id, module.id)
    if option.value == "next" and (following := _next_module(course, module)) is not None:
        return lesson.open_module(turn, course.id, following.id)
    return lesson.open_module(turn, course.id, module.id)


DIALOG = Dialog(
    name="quiz",
    entry=start,
    steps={
        "question": Step(prompt=question_prompt, on_choice=on_answer, on_text=on_text),
        "result": Step(prompt=result_prompt, on_choice=on_result),
    },
)
