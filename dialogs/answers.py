"""What Senda says after an answer, in a quiz or in a review."""

from __future__ import annotations

from bot.messages import Outbound
from dialogs.base import Turn, say
from lessons.model import Course, Question


def answer_feedback(turn: Turn, course: Course, question: Question, key: str) -> Outbound:
    """Right, partly right, or the right answer; then what the content says about it."""
    t = turn.t
    language = turn.learner.language
    choice = question.option(key)
    right = [c for c in question.options if c.correct]
    if choice is not None and choice.credit >= 1:
        verdict = t._("✅ Right.")
    elif choice is not None and choice.credit > 0:
        verdict = t._("Partly right.")
    else:
        answers = " / ".join(course.text(c.text, language) for c in right)
        verdict = t._("❌ Not quite. The right answer: {answer}", answer=answers)
    parts = [verdict]
    if choice is not None and choice.feedback:
        parts.append(course.text(choice.feedback, language))
    if question.feedback:
        parts.append(course.text(question.feedback, language))
    return say("\n".join(parts))
