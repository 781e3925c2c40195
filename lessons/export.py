"""A course as plain data (`senda lessons show COURSE --json`)."""

from __future__ import annotations

from typing import Any

from lessons.model import Course


def course_as_dict(course: Course) -> dict[str, Any]:
    """Modules, cards and questions, every text per language."""
    return {
        "id": course.id,
        "default_language": course.default_language,
        "languages": list(course.languages),
        "audience": list(course.audience),
        "pass_mark": course.pass_mark,
        "title": dict(course.title),
        "description": dict(course.description),
        "modules": [
            {
                "id": module.id,
                "title": dict(module.title),
                "cards": [
                    {"id": card.id, "text": dict(card.text), "source": card.source}
                    for card in module.cards
                ],
                "questions": [
                    {
                        "id": question.id,
                        "type": question.type,
                        "prompt": dict(question.prompt),
                        "feedback": dict(question.feedback),
                        "source": question.source,
                        "options": [
                            {
                                "key": choice.key,
                                "text": dict(choice.text),
                                "correct": choice.correct,
                                "weight": choice.credit * 100,
                                "feedback": dict(choice.feedback),
                            }
                            for choice in question.options
                        ],
                    }
                    for question in module.questions
                ],
            }
            for module in course.modules
        ],
    }
