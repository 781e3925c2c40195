"""Learning records: quiz answers and module results as xAPI 1.0.3 statements, kept in the same
transaction as the progress they describe, when a learning record store is configured.

The actor is the learner's random pseudonym under the service's home page: never an address, an
mbox or a database id. Activities are named in every language of the course.
"""

from __future__ import annotations

import uuid
from typing import Any

from dialogs.base import Turn
from lessons.model import Course, Module, Question, Texts
from storage import records
from storage.models import utcnow

VERBS = {
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
}
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
QUESTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"
PLATFORM = "Senda"


def course_activity_id(home: str, course: Course) -> str:
    """The activity id of a course."""
    return f"{home}/xapi/courses/{course.id}"


def module_activity_id(home: str, course: Course, module: Module) -> str:
    """The activity id of a module."""
    return f"{course_activity_id(home, course)}/modules/{module.id}"


def _names(texts: Texts, course: Course) -> dict[str, str]:
    """A language map: the text in each course language it exists in."""
    return {language: texts[language] for language in course.languages if texts.get(language)}


def _activity(activity_id: str, kind: str, name: dict[str, str], **extra: Any) -> dict[str, Any]:
    definition = {"type": kind, "name": name, **extra}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def _record(
    turn: Turn,
    home: str,
    verb: str,
    activity: dict[str, Any],
    result: dict[str, Any],
    course: Course,
    parent: dict[str, Any] | None,
) -> None:
    course_activity = _activity(
        course_activity_id(home, course), COURSE_TYPE, _names(course.title, course)
    )
    # A module's parent is its course; a question's is its module, within the course.
    context_activities: dict[str, Any] = {"parent": [parent or course_activity]}
    if parent is not None:
        context_activities["grouping"] = [course_activity]
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": home, "name": turn.learner.pseudonym},
        },
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": activity,
        "result": result,
        "context": {
            "platform": PLATFORM,
            "language": turn.learner.language,
            "contextActivities": context_activities,
        },
        "timestamp": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    records.add(turn.session, turn.learner.id, statement)
    turn.records += 1


def _module_activity(home: str, course: Course, module: Module) -> dict[str, Any]:
    return _activity(
        module_activity_id(home, course, module), MODULE_TYPE, _names(module.title, course)
    )


# xAPI 1.0.3 interaction types of the question types chat can ask.
INTERACTION_TYPES = {
    "choice": "choice",
    "truefalse": "true-false",
    "shortanswer": "fill-in",
    "numerical": "numeric",
    "matching": "matching",
}


def answered(
    turn: Turn,
    course: Course,
    module: Module,
    question: Question,
    answer: str,
    credit: float,
) -> None:
    """Record one answer to a quiz question (nothing without a learning record store)."""
    home = turn.service.records_home
    if home is None:
        return
    described = {"interactionType": INTERACTION_TYPES.get(question.type, "other")}
    if question.options:
        described["correctResponsesPattern"] = [
            c.key for c in question.options if c.credit >= 1
        ] or [c.key for c in question.options if c.correct]
        described["choices"] = [
            {"id": c.key, "description": _names(c.text, course)} for c in question.options
        ]
    activity = _activity(
        f"{module_activity_id(home, course, module)}/questions/{question.id}",
        QUESTION_TYPE,
        _names(question.prompt, course),
        **described,
    )
    credit = max(min(credit, 1.0), -1.0)
    result = {
        "response": answer,
        "success": credit >= 1,
        "score": {"scaled": credit, "raw": round(credit * 100), "min": -100, "max": 100},
    }
    _record(
        turn, home, "answered", activity, result, course, _module_activity(home, course, module)
    )


def finished(turn: Turn, course: Course, module: Module, score: int, passed: bool) -> None:
    """Record a finished quiz: the module completed, and passed or failed."""
    home = turn.service.records_home
    if home is None:
        return
    activity = _module_activity(home, course, module)
    score_result = {"scaled": score / 100, "raw": score, "min": 0, "max": 100}
    _record(
        turn,
        home,
        "completed",
        activity,
        {"completion": True, "score": score_result},
        course,
        None,
    )
    _record(
        turn,
        home,
        "passed" if passed else "failed",
        activity,
        {"completion": True, "success": passed, "score": score_result},
        course,
        None,
    )
