"""The content model: courses of modules, each a lesson of cards and a quiz of questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ROLES = ("official", "civil_society", "migrant")
Texts = Mapping[str, str]  # language code -> text


def localized(texts: Texts, language: str, default_language: str) -> str:
    """The text in the language, else in the default language (which the validator requires)."""
    return texts.get(language) or texts.get(default_language) or ""


@dataclass(frozen=True)
class Choice:
    """One option of a question. `key` (a, b, c...) is stable and short for buttons."""

    key: str
    text: Texts
    correct: bool = False
    weight: float | None = None
    feedback: Texts = field(default_factory=dict)

    @property
    def credit(self) -> float:
        """The share of the question's mark this option earns (Moodle-style weights)."""
        if self.weight is not None:
            return self.weight / 100
        return 1.0 if self.correct else 0.0


@dataclass(frozen=True)
class Question:
    """A multiple-choice quiz question with feedback that explains the right answer."""

    id: str
    prompt: Texts
    options: tuple[Choice, ...]
    feedback: Texts = field(default_factory=dict)
    source: str = ""
    type: str = "choice"

    def option(self, key: str) -> Choice | None:
        """The option with this key, if any."""
        return next((choice for choice in self.options if choice.key == key), None)


@dataclass(frozen=True)
class Card:
    """One screen of a lesson."""

    id: str
    text: Texts
    source: str = ""


@dataclass(frozen=True)
class Module:
    """A lesson (cards) followed by a quiz (questions)."""

    id: str
    title: Texts
    cards: tuple[Card, ...]
    questions: tuple[Question, ...] = ()

    def question(self, question_id: str) -> Question | None:
        """The question with this id, if it still exists."""
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Course:
    """A course: modules in order, for an audience, in some languages."""

    id: str
    default_language: str
    languages: tuple[str, ...]
    audience: tuple[str, ...]
    pass_mark: int
    title: Texts
    description: Texts
    modules: tuple[Module, ...]

    def module(self, module_id: str) -> Module | None:
        """The module with this id, if it exists."""
        return next((m for m in self.modules if m.id == module_id), None)

    def text(self, texts: Texts, language: str) -> str:
        """A text of this course in the language, falling back to the course's default."""
        return localized(texts, language, self.default_language)


@dataclass(frozen=True)
class SafetyEntry:
    """One block of the safety information answered to `sos`."""

    id: str
    text: Texts
    source: str = ""


@dataclass(frozen=True)
class Region:
    """A region people can get alerts for (a state of Mexico, for example)."""

    id: str
    name: Texts
    timezone: str = ""  # IANA name; quiet hours of those who chose the region follow it


@dataclass(frozen=True)
class Topic:
    """A kind of alert people can narrow their alerts to (route safety, procedures...)."""

    id: str
    name: Texts


SERVICE_KINDS = ("shelter", "health", "legal", "consulate", "asylum", "human_rights", "red_cross")


@dataclass(frozen=True)
class ServicePoint:
    """A place that helps migrants, from the directory operators keep (verify before use)."""

    id: str
    kind: str
    name: Texts
    city: str
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None
    phone: str = ""
    hours: Texts = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    source: str = ""
    verified: bool = False


@dataclass(frozen=True)
class Catalog:
    """Every course and the safety information, as loaded from the content folder."""

    courses: tuple[Course, ...] = ()
    safety: tuple[SafetyEntry, ...] = ()
    safety_language: str = "es"
    regions: tuple[Region, ...] = ()
    regions_language: str = "es"
    services: tuple[ServicePoint, ...] = ()
    services_language: str = "es"
    topics: tuple[Topic, ...] = ()
    topics_language: str = "es"

    def region(self, region_id: str) -> Region | None:
        """The region with this id, if it exists."""
        return next((r for r in self.regions if r.id == region_id), None)

    def course(self, course_id: str) -> Course | None:
        """The course with this id, if it exists."""
        return next((c for c in self.courses if c.id == course_id), None)

    def module(self, course_id: str, module_id: str) -> tuple[Course, Module] | None:
        """A module with its course, if both still exist."""
        course = self.course(course_id)
        module = course.module(module_id) if course else None
        return (course, module) if course and module else None

    def courses_for(self, role: str | None) -> tuple[Course, ...]:
        """The courses meant for a role (every course when the role is not known yet)."""
        if role is None:
            return self.courses
        return tuple(c for c in self.courses if role in c.audience)
