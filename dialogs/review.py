"""Spaced review: a question answered wrong comes back after 1, 3, 10 and 30 days, and retires
after two right answers in a row (Kerfoot et al.; FACTS.md, microlearning practice).

    (a push) question --(answer)--> feedback, then back to where the person was
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import Option, Outbound
from dialogs import answers
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course, Question
from storage.models import ReviewItem, utcnow

SPACING_DAYS = (1, 3, 10, 30)
RETIRE_AFTER = 2  # right answers in a row


def schedule_missed(turn: Turn, course: Course, module_id: str, question: Question) -> None:
    """A wrong answer: the question comes back tomorrow (again from the start of the schedule)."""
    item = turn.session.scalars(
        select(ReviewItem).where(
            ReviewItem.learner_id == turn.learner.id,
            ReviewItem.course_id == course.id,
            ReviewItem.question_id == question.id,
        )
    ).one_or_none()
    due = utcnow() + timedelta(days=SPACING_DAYS[0])
    if item is None:
        turn.session.add(
            ReviewItem(
                learner_id=turn.learner.id,
                course_id=course.id,
                module_id=module_id,
                question_id=question.id,
                step=0,
                right_in_a_row=0,
                due_at=due,
                retired=False,
            )
        )
    else:
        item.step, item.right_in_a_row, item.due_at, item.retired = 0, 0, due, False


def _content(turn: Turn, item: ReviewItem) -> tuple[Course, Question] | None:
    found = turn.catalog.module(item.course_id, item.module_id)
    question = found[1].question(item.question_id) if found else None
    return (found[0], question) if found and question and question.deliverable else None


def start(turn: Turn, item: ReviewItem) -> list[Outbound]:
    """Ask a review question, remembering where the person was."""
    previous = dict(turn.state)
    turn.go("review", "question", item=item.id, back=previous, picks="")
    # Until it is answered, it is not asked again tomorrow at the same time.
    item.due_at = utcnow() + timedelta(days=1)
    return [prompt(turn)]


def _seed(item: ReviewItem) -> str:
    """The order of the options of one review (the same until it is answered)."""
    return f"review {item.id} {item.step} {item.right_in_a_row}"


def prompt(turn: Turn) -> Outbound:
    """The question, as a short review."""
    t = turn.t
    item = turn.session.get(ReviewItem, turn.state.get("item", 0))
    content = _content(turn, item) if item is not None else None
    if content is None:
        return say(t._("That review is no longer available."), Option(t._("Menu"), "menu"))
    course, question = content
    text, options = answers.ask(turn, course, question, turn.state.get("picks", ""), _seed(item))
    header = turn.course_t(course)._("A quick review of a question you missed:")
    return say(f"{header}\n\n{text}", *options)


def on_answer(turn: Turn, option: Option) -> list[Outbound]:
    """An option picked: the answer (or, in a matching question, the next item)."""
    item = turn.session.get(ReviewItem, turn.state.get("item", 0))
    content = _content(turn, item) if item is not None else None
    if content is None or item.learner_id != turn.learner.id:
        return _resume(turn, turn.state.get("back") or {})
    _, question = content
    answer, picks = answers.from_option(question, option.value, turn.state.get("picks", ""))
    if answer is None and picks != turn.state.get("picks", ""):
        turn.update(picks=picks)
        return [prompt(turn)]
    return _answered(turn, item, answer or "")


def on_text(turn: Turn) -> list[Outbound]:
    """A typed answer; anything that is no answer is asked again."""
    from dialogs import router  # the router imports every dialog, this one included

    item = turn.session.get(ReviewItem, turn.state.get("item", 0))
    content = _content(turn, item) if item is not None else None
    if content is None or item.learner_id != turn.learner.id:
        return _resume(turn, turn.state.get("back") or {})
    course, question = content
    answer = answers.from_text(turn, question, turn.inbound.text, _seed(item))
    if answer is None:
        if question.typed or question.multiple:
            return [say(answers.not_an_answer(turn, course, question)), prompt(turn)]
        return router.reprompt(turn, out_of_range=False)
    return _answered(turn, item, answer)


def _answered(turn: Turn, item: ReviewItem, answer: str) -> list[Outbound]:
    """Explain, move the question along the schedule, and go back to where the person was."""
    course, question = _content(turn, item)
    back = turn.state.get("back") or {}
    if question.credit_for(answer) >= 1:
        item.right_in_a_row += 1
        item.retired = item.right_in_a_row >= RETIRE_AFTER
        item.step = min(item.step + 1, len(SPACING_DAYS) - 1)
    else:
        item.right_in_a_row, item.step = 0, 0
    item.due_at = utcnow() + timedelta(days=SPACING_DAYS[item.step])
    return [answers.answer_feedback(turn, course, question, answer), *_resume(turn, back)]


def _resume(turn: Turn, back: dict) -> list[Outbound]:
    """Back to the step the person was at before the review came."""
    from dialogs import router  # the router imports every dialog, this one included

    turn.learner.state = back
    return router.current_prompt(turn)


DIALOG = Dialog(
    name="review", entry=start, steps={"question": Step(prompt, on_answer, on_text=on_text)}
)
