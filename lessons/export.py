"""A course as plain data (`senda lessons show COURSE --json`).

Every question has `type`, `prompt` and `options` (`text`, `correct`, `weight`, `feedback`)
per language, whatever its type; the types that need more say it in fields of their own:
numerical answers (`number`, `tolerance`, or `min` and `max`; `other` for any other number),
matching `pairs`, `multiple` for several right options, and `deliverable` by chat."""

from __future__ import annotations

from typing import Any

from lessons.model import TRUE_KEY, Choice, Course, Question

# The options of a true/false question are not content: these are their names per language.
TRUE_FALSE_WORDS = {
    "es": ("Verdadero", "Falso"),
    "en": ("True", "False"),
    "fr": ("Vrai", "Faux"),
    "ht": ("Vre", "Fo"),
}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _option_text(course: Course, question: Question, choice: Choice) -> dict[str, str]:
    if question.type == "truefalse" and not choice.text:
        index = 0 if choice.key == TRUE_KEY else 1
        words = {
            lang: TRUE_FALSE_WORDS.get(lang, TRUE_FALSE_WORDS["en"]) for lang in course.languages
        }
        return {lang: pair[index] for lang, pair in words.items()}
    if question.type == "numerical" and not choice.text:
        if choice.is_range:
            shown = f"{_number(choice.minimum)}..{_number(choice.maximum)}"
        elif choice.number is not None:
            shown = str(_number(choice.number))
            shown += f" ± {_number(choice.tolerance)}" if choice.tolerance else ""
        else:
            shown = "*"
        return {course.default_language: shown}
    return dict(choice.text)


def _option(course: Course, question: Question, choice: Choice) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": choice.key,
        "text": _option_text(course, question, choice),
        "correct": choice.correct,
        "weight": choice.credit * 100,
        "feedback": dict(choice.feedback),
    }
    if question.type == "numerical":
        if choice.is_range:
            data["min"], data["max"] = choice.minimum, choice.maximum
        elif choice.number is not None:
            data["number"], data["tolerance"] = choice.number, choice.tolerance
        else:
            data["other"] = True
    return data


def question_as_dict(course: Course, question: Question) -> dict[str, Any]:
    """A question, every text per language."""
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "prompt": dict(question.prompt),
        "feedback": dict(question.feedback),
        "source": question.source,
        "options": [_option(course, question, choice) for choice in question.options],
        "deliverable": question.deliverable,
    }
    if question.multiple:
        data["multiple"] = True
    if question.type == "matching":
        data["pairs"] = [
            {"item": dict(pair.item), "answer": dict(pair.answer)} for pair in question.pairs
        ]
    if question.type == "truefalse":
        data["answer"] = any(c.key == TRUE_KEY and c.correct for c in question.options)
    if not question.deliverable:
        data["not_deliverable_because"] = question.undeliverable_reason
    if question.name:
        data["name"] = question.name
    if question.idnumber:
        data["idnumber"] = question.idnumber
    if question.tags:
        data["tags"] = list(question.tags)
    if not question.shuffle:
        data["shuffle"] = False
    return data


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
                "questions": [question_as_dict(course, question) for question in module.questions],
            }
            for module in course.modules
        ],
    }
