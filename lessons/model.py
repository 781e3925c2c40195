"""The content model: courses of modules, each a lesson of cards and a quiz of questions."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from lessons.distress import DistressWords

if TYPE_CHECKING:  # entries.py uses Texts from here
    from lessons.directory.entries import Service


ROLES = ("official", "civil_society", "migrant")
Texts = Mapping[str, str]  # language code -> text


def localized(texts: Texts, language: str, default_language: str) -> str:
    """The text in the language, else in the default language (which the validator requires)."""
    return texts.get(language) or texts.get(default_language) or ""


QUESTION_TYPES = (
    "choice",  # options to pick from: one right, or several with weights
    "truefalse",  # a statement that is true or false
    "shortanswer",  # the person types a word or phrase
    "numerical",  # the person types a number
    "matching",  # each item matched to one of a list of answers
    "essay",  # a free text a teacher reads: not askable by chat
    "description",  # text with no answer: not askable by chat
)
TYPED_TYPES = ("shortanswer", "numerical")
PRETEST_TYPES = ("choice", "truefalse")  # what a pre-test asks: a pick, never typing
MAX_CHAT_OPTIONS = 10  # buttons and numbered lines a chat message carries
MAX_MATCH_ITEMS = 10  # a matching answer is stored as one letter an item (16 characters)
TRUE_KEY, FALSE_KEY = "true", "false"


@dataclass(frozen=True)
class Choice:
    """One option of a question, or one accepted answer of a typed (short or numerical) one.

    `key` (a, b, c...) is stable and short for buttons. A numerical answer is `number` within
    `tolerance`, or the range `minimum`..`maximum`; neither means any other number."""

    key: str
    text: Texts
    correct: bool = False
    weight: float | None = None
    feedback: Texts = field(default_factory=dict)
    number: float | None = None
    tolerance: float = 0.0
    minimum: float | None = None
    maximum: float | None = None

    @property
    def credit(self) -> float:
        """The share of the question's mark this option earns (Moodle-style weights)."""
        if self.weight is not None:
            return self.weight / 100
        return 1.0 if self.correct else 0.0

    @property
    def is_range(self) -> bool:
        """Whether this numerical answer is a range rather than a value with a tolerance."""
        return self.minimum is not None and self.maximum is not None

    def accepts_number(self, value: float) -> bool:
        """Whether a typed number counts as this (numerical) answer."""
        if self.minimum is not None and self.maximum is not None:
            return self.minimum <= value <= self.maximum
        if self.number is None:
            return True  # Moodle's `*`: any other number
        # a hair of slack, so that binary representation does not mark 3.1415 - 0.0005 wrong
        slack = 1e-9 * max(1.0, abs(self.number))
        return abs(value - self.number) <= self.tolerance + slack


@dataclass(frozen=True)
class Pair:
    """One item of a matching question and its answer; no item: an extra wrong answer."""

    item: Texts
    answer: Texts


def _answer_key(texts: Texts) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(texts.items()))


@dataclass(frozen=True)
class Question:
    """A quiz question with feedback that explains the right answer.

    `type` is one of QUESTION_TYPES. Choice and true/false questions have options to pick;
    short-answer and numerical ones have accepted answers (also `options`) that the person types;
    matching ones have `pairs`."""

    id: str
    prompt: Texts
    options: tuple[Choice, ...]
    feedback: Texts = field(default_factory=dict)
    source: str = ""
    type: str = "choice"
    multiple: bool = False  # several options are right together (Moodle's multiple response)
    pairs: tuple[Pair, ...] = ()
    name: str = ""  # the question bank's name for it (Moodle), kept for export
    tags: tuple[str, ...] = ()
    idnumber: str = ""  # the question bank's own id (Moodle's ID number), kept for export
    # A choice question's options are shown in an order of their own for each attempt (Moodle's
    # shuffleanswers); False keeps the file's order ("All of the above", scales).
    shuffle: bool = True

    def shown_options(self, seed: str) -> tuple[Choice, ...]:
        """The options in the order a person is shown them: the file's order for a question
        that keeps it (or with no seed), else a permutation derived from the seed (an attempt)
        and the question's id, so the same within an attempt, after a restart too."""
        if self.type != "choice" or not self.shuffle or not seed:
            return self.options
        digest = hashlib.sha256(f"{seed}/{self.id}".encode()).digest()
        shown = list(self.options)
        random.Random(int.from_bytes(digest[:8], "big")).shuffle(shown)
        return tuple(shown)

    def option(self, key: str) -> Choice | None:
        """The option with this key, if any."""
        return next((choice for choice in self.options if choice.key == key), None)

    @property
    def typed(self) -> bool:
        """Whether the person answers by typing (a word or a number) instead of picking."""
        return self.type in TYPED_TYPES

    @property
    def items(self) -> tuple[Pair, ...]:
        """A matching question's items (the pairs that are not extra wrong answers)."""
        return tuple(pair for pair in self.pairs if pair.item)

    def answer_list(self) -> list[Texts]:
        """A matching question's answers to pick from: distinct, sorted by their text so that
        their order gives nothing away about which item they belong to."""
        distinct = {_answer_key(pair.answer): pair.answer for pair in self.pairs}
        return sorted(distinct.values(), key=lambda texts: [t.casefold() for t in texts.values()])

    @property
    def undeliverable_reason(self) -> str:
        """Why a chat cannot ask this question ("" when it can)."""
        if self.type == "essay":
            return "an essay needs a person to read and mark the answer"
        if self.type == "description":
            return "a description has no answer to ask for"
        if self.type == "matching":
            answers = len(self.answer_list())
            if not self.items:
                return "a matching question with no items to match"
            if answers > MAX_CHAT_OPTIONS:
                return f"{answers} answers to match from; at most {MAX_CHAT_OPTIONS} fit a chat"
            if len(self.items) > MAX_MATCH_ITEMS:
                return f"{len(self.items)} items to match; at most {MAX_MATCH_ITEMS}"
        if self.type in ("choice", "truefalse") and len(self.options) > MAX_CHAT_OPTIONS:
            return f"{len(self.options)} options; at most {MAX_CHAT_OPTIONS} fit a chat message"
        return ""

    @property
    def deliverable(self) -> bool:
        """Whether the chat can ask this question (essays and descriptions it cannot)."""
        return not self.undeliverable_reason

    def credit_for(self, answer: str) -> float:
        """The share of the mark a stored answer earns, 0 to 1.

        A stored answer is an option key (`b`, `true`); several letters for a multiple-response
        question (`ac`); for a matching question one answer letter an item, in item order
        (`bca`); empty for a typed answer that matched none of the accepted ones."""
        if self.type == "matching":
            items, answers = self.items, self.answer_list()
            if not items or len(answer) != len(items):
                return 0.0
            right = 0
            for pair, letter in zip(items, answer, strict=True):
                index = ord(letter) - ord("a")
                right += 0 <= index < len(answers) and answers[index] == pair.answer
            return right / len(items)
        if self.multiple and answer not in (TRUE_KEY, FALSE_KEY):
            picked = [self.option(key) for key in dict.fromkeys(answer)]
            total = sum(choice.credit for choice in picked if choice is not None)
            return min(max(total, 0.0), 1.0)
        choice = self.option(answer) if answer else None
        return min(max(choice.credit, 0.0), 1.0) if choice is not None else 0.0


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

    @cached_property  # asked for several times a message; the content does not change
    def quiz(self) -> tuple[Question, ...]:
        """The questions a chat can ask (essays and descriptions are kept for export only)."""
        return tuple(q for q in self.questions if q.deliverable)

    def texts(self) -> list[Texts]:
        """Every text a chat shows of this module: its title, cards and the questions it asks
        (a typed question's accepted answers aside: an answer in any language counts)."""
        found = [self.title, *(card.text for card in self.cards)]
        for question in self.quiz:
            found += [question.prompt, question.feedback]
            found += [choice.feedback for choice in question.options]
            if not question.typed:
                found += [choice.text for choice in question.options]
            found += [texts for pair in question.pairs for texts in (pair.item, pair.answer)]
        return [texts for texts in found if texts]


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
    pretest: int = 0  # questions asked before the course and again at its end; 0: none

    def module(self, module_id: str) -> Module | None:
        """The module with this id, if it exists."""
        return next((m for m in self.modules if m.id == module_id), None)

    @cached_property
    def choice_questions(self) -> tuple[tuple[Module, Question], ...]:
        """The questions a pre-test may draw: options to pick, one answer (a pick, no typing),
        spread across the modules: each module's first, then each one's second, and so on."""
        by_module = [
            [(module, q) for q in module.quiz if q.type in PRETEST_TYPES and not q.multiple]
            for module in self.modules
        ]
        spread = []
        for rank in range(max((len(found) for found in by_module), default=0)):
            spread += [found[rank] for found in by_module if rank < len(found)]
        return tuple(spread)

    @property
    def pretest_questions(self) -> tuple[tuple[Module, Question], ...]:
        """The pre-test: the same questions for everyone, before the course and after it."""
        return self.choice_questions[: self.pretest]

    @cached_property  # asked for at every card; the content does not change
    def readable_languages(self) -> tuple[str, ...]:
        """The course's languages in which every text it shows is written (its default always):
        a language only partly translated yet is not offered, so nothing is shown mixed."""
        texts = [self.title, *([self.description] if self.description else [])]
        texts += [found for module in self.modules for found in module.texts()]
        return tuple(
            language
            for language in self.languages
            if language == self.default_language or all(language in t for t in texts)
        )

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


@dataclass(frozen=True)
class Catalog:
    """Every course and the safety information, as loaded from the content folder."""

    courses: tuple[Course, ...] = ()
    safety: tuple[SafetyEntry, ...] = ()
    safety_language: str = "es"
    regions: tuple[Region, ...] = ()
    regions_language: str = "es"
    services: tuple[Service, ...] = ()  # the directory as the content folder bundles it
    services_language: str = "es"
    topics: tuple[Topic, ...] = ()
    topics_language: str = "es"
    distress: DistressWords = field(default_factory=DistressWords)

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
