"""Reads one quiz question of a module file, of any type (FORMAT.md), noting each problem."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from lessons.model import (
    FALSE_KEY,
    MAX_CHAT_OPTIONS,
    QUESTION_TYPES,
    TRUE_KEY,
    Choice,
    Pair,
    Question,
    Texts,
)
from lessons.source import LineMap

if TYPE_CHECKING:
    from lessons.loader import _Reader

MIN_OPTIONS = 2
MAX_ANSWERS = 26  # accepted answers of a typed question: one letter each
COMMON_KEYS = {"id", "type", "name", "idnumber", "tags", "prompt", "feedback", "source"}
TYPE_KEYS = {
    "choice": {"options", "multiple", "shuffle"},
    "truefalse": {"answer", "feedback_true", "feedback_false"},
    "shortanswer": {"options"},
    "numerical": {"options"},
    "matching": {"pairs"},
    "essay": set(),
    "description": set(),
}
OPTION_KEYS = {"text", "correct", "weight", "feedback"}
NUMBER_KEYS = {"number", "tolerance", "min", "max", "other", "correct", "weight", "feedback"}
PAIR_KEYS = {"item", "answer"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _QuestionReader:
    """The fields of one question, read with the file's reader and the course's languages."""

    def __init__(
        self, reader: _Reader, data: LineMap, languages: tuple[str, ...], default: str
    ) -> None:
        self.reader, self.data, self.languages, self.default = reader, data, languages, default
        self.id = reader.identifier(data, "question")
        self.what = f"question '{self.id}'"

    def texts(self, data: LineMap, key: str, what: str, required: bool = True) -> Texts:
        return self.reader.texts(data, key, what, self.languages, self.default, required)

    def weight(self, option: LineMap, what: str) -> float | None:
        weight = option.get("weight")
        if weight is None:
            return None
        if not _is_number(weight) or not -100 <= weight <= 100:
            self.reader.problem(option.line_of("weight"), f"{what} weight must be -100 to 100")
            return None
        return float(weight)

    def option_maps(self, limit: int, minimum: int = 1) -> list[tuple[str, LineMap]]:
        """The `options` list as (key, mapping) pairs, with its size checked."""
        data, line = self.data, self.data.line_of("options")
        items = data.get("options")
        if not isinstance(items, list):
            self.reader.problem(line, f"{self.what} has no list of options")
            return []
        if len(items) > limit:
            self.reader.problem(
                line,
                f"{self.what} has {len(items)} options; at most {limit}"
                + (" fit a chat message" if limit == MAX_CHAT_OPTIONS else ""),
            )
        elif len(items) < minimum:
            what = "options" if minimum > 1 else "option"
            self.reader.problem(line, f"{self.what} needs at least {minimum} {what}")
        result = []
        for index, item in enumerate(items[:limit]):
            key = string.ascii_lowercase[index]
            option = self.reader.mapping(item, line, f"{self.what} option {key}")
            if option is not None:
                result.append((key, option))
        return result

    def choices(self, limit: int, minimum: int) -> list[Choice]:
        """Options with a text each (choice questions, and short answers)."""
        choices = []
        for key, option in self.option_maps(limit, minimum):
            what = f"{self.what} option {key}"
            self.reader.known_keys(option, OPTION_KEYS, what)
            weight = self.weight(option, what)
            choices.append(
                Choice(
                    key=key,
                    text=self.texts(option, "text", what),
                    correct=option.get("correct") is True or (weight is not None and weight > 0),
                    weight=weight,
                    feedback=self.texts(option, "feedback", what, required=False),
                )
            )
        return choices

    def numbers(self) -> list[Choice]:
        """Numerical answers: a number (with a tolerance), a range, or any other number."""
        choices = []
        for key, option in self.option_maps(MAX_ANSWERS):
            what = f"{self.what} answer {key}"
            self.reader.known_keys(option, NUMBER_KEYS, what)
            number, tolerance = option.get("number"), option.get("tolerance", 0)
            low, high = option.get("min"), option.get("max")
            line = option.line
            if number is not None and (low is not None or high is not None):
                self.reader.problem(line, f"{what} has both a number and a range (min, max)")
            elif number is not None:
                if not _is_number(number):
                    self.reader.problem(option.line_of("number"), f"{what} number must be a number")
                    number = None
            elif low is not None or high is not None:
                if not (_is_number(low) and _is_number(high) and low <= high):
                    self.reader.problem(line, f"{what} needs min and max numbers, min <= max")
                    low = high = None
            elif option.get("other") is not True:
                self.reader.problem(line, f"{what} needs a number, a range (min, max) or other")
            if not _is_number(tolerance) or tolerance < 0:
                self.reader.problem(option.line_of("tolerance"), f"{what} tolerance must be >= 0")
                tolerance = 0
            weight = self.weight(option, what)
            choices.append(
                Choice(
                    key=key,
                    text={},
                    correct=option.get("correct") is True or (weight is not None and weight > 0),
                    weight=weight,
                    feedback=self.texts(option, "feedback", what, required=False),
                    number=float(number) if _is_number(number) else None,
                    tolerance=float(tolerance),
                    minimum=float(low) if _is_number(low) else None,
                    maximum=float(high) if _is_number(high) else None,
                )
            )
        return choices

    def pairs(self) -> list[Pair]:
        """A matching question's pairs: an item (absent for an extra answer) and its answer."""
        line, items = self.data.line_of("pairs"), self.data.get("pairs")
        if not isinstance(items, list) or not items:
            self.reader.problem(line, f"{self.what} has no list of pairs")
            return []
        pairs = []
        for index, item in enumerate(items, 1):
            what = f"{self.what} pair {index}"
            pair = self.reader.mapping(item, line, what)
            if pair is None:
                continue
            self.reader.known_keys(pair, PAIR_KEYS, what)
            pairs.append(
                Pair(
                    item=self.texts(pair, "item", what, required=False),
                    answer=self.texts(pair, "answer", what),
                )
            )
        if pairs and not any(pair.item for pair in pairs):
            self.reader.problem(line, f"{self.what} has no item to match (only extra answers)")
        return pairs

    def true_false(self) -> list[Choice]:
        answer = self.data.get("answer")
        if not isinstance(answer, bool):
            self.reader.problem(
                self.data.line_of("answer"), f"{self.what} needs answer: true or answer: false"
            )
            answer = True
        return [
            Choice(
                key=key,
                text={},
                correct=answer is value,
                feedback=self.texts(self.data, f"feedback_{key}", self.what, required=False),
            )
            for key, value in ((TRUE_KEY, True), (FALSE_KEY, False))
        ]

    def tags(self) -> tuple[str, ...]:
        tags = self.data.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.reader.problem(self.data.line_of("tags"), f"{self.what} tags must be a list")
            return ()
        return tuple(tags)


def read_question(
    reader: _Reader, data: LineMap, languages: tuple[str, ...], default: str
) -> Question:
    """One question of any type, as the model holds it (problems noted by the reader)."""
    fields = _QuestionReader(reader, data, languages, default)
    what = fields.what
    kind = str(data.get("type", "choice"))
    if kind not in QUESTION_TYPES:
        reader.problem(
            data.line_of("type"), f"{what} has unknown type '{kind}' ({', '.join(QUESTION_TYPES)})"
        )
        kind = "description"  # no answers to check: the type is the problem
    else:
        allowed = COMMON_KEYS | TYPE_KEYS[kind]
        if "shuffle" in data and "shuffle" not in allowed:
            reader.problem(
                data.line_of("shuffle"),
                f"{what} ({kind}) has no options to shuffle: shuffle is for choice questions",
            )
            allowed = allowed | {"shuffle"}
        reader.known_keys(data, allowed, f"{what} ({kind})")
    options: list[Choice] = []
    pairs: list[Pair] = []
    if kind == "choice":
        options = fields.choices(MAX_CHAT_OPTIONS, MIN_OPTIONS)
    elif kind == "shortanswer":
        options = fields.choices(MAX_ANSWERS, 1)
    elif kind == "numerical":
        options = fields.numbers()
    elif kind == "truefalse":
        options = fields.true_false()
    elif kind == "matching":
        pairs = fields.pairs()
    scored = kind in ("choice", "shortanswer", "numerical") and options
    if scored and not any(choice.credit > 0 for choice in options):
        reader.problem(data.line_of("options"), f"{what} has no right answer (correct: true)")
    multiple = data.get("multiple", False)
    if not isinstance(multiple, bool):
        reader.problem(data.line_of("multiple"), f"{what} multiple must be true or false")
        multiple = False
    shuffle = data.get("shuffle", True)
    if not isinstance(shuffle, bool):
        reader.problem(data.line_of("shuffle"), f"{what} shuffle must be true or false")
        shuffle = True
    name = data.get("name")
    return Question(
        id=fields.id,
        prompt=fields.texts(data, "prompt", what),
        options=tuple(options),
        feedback=fields.texts(data, "feedback", what, required=False),
        source=reader.source(data, what),
        type=kind,
        multiple=multiple,
        pairs=tuple(pairs),
        name=str(name) if name is not None else "",
        tags=fields.tags(),
        idnumber=str(data.get("idnumber") or ""),
        shuffle=shuffle,
    )
