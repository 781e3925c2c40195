"""Moodle GIFT question banks, read as Moodle's own importer reads them (question/format/gift).

`parse_gift(text)` gives the questions with Moodle's fields (name, type, texts with their
formats, answers with fractions and feedback) and the problems found, each at a line. Pure: no
files, no content folder; `lessons/importing.py` turns these into content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

FORMATS = ("moodle", "html", "plain", "markdown")
TRUE_WORDS, FALSE_WORDS = ("T", "TRUE"), ("F", "FALSE")
BLANK = "_____"  # what a missing-word question shows where its answers were

# Escaped characters become private-use characters while the structure is read, so that `\=`
# or `\{` are never taken for syntax; they are put back in the texts at the end.
_BACKSLASH = "\ue000"
_ESCAPES = {c: chr(0xE001 + i) for i, c in enumerate(":#={}~")}
_NEWLINE = "\ue007"
_UNESCAPE = str.maketrans({v: k for k, v in _ESCAPES.items()} | {_NEWLINE: "\n"})
_WEIGHT = re.compile(r"^%(-*[0-9]{1,2}\.?[0-9]*)%")
# An id or tag in a comment: no control characters (so never split over lines); `\]` is a `]`.
_ID = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
# Senda's own mark, on a comment line before a question (Moodle reads comments as nothing):
# `// senda: shuffle=false` keeps the options in the file's order.
_KEEP_ORDER = re.compile(r"^//\s*senda:\s*shuffle\s*=\s*false\s*$", re.IGNORECASE | re.MULTILINE)
KEEP_ORDER_COMMENT = "// senda: shuffle=false"


@dataclass(frozen=True)
class Text:
    """A text and its Moodle format (moodle, html, plain or markdown)."""

    text: str = ""
    format: str = "moodle"


@dataclass(frozen=True)
class Answer:
    """One answer: its text (for a numerical one, the number or `*`), the share of the mark it
    earns (Moodle's fraction, -1 to 1), its feedback, and for a numerical one its tolerance or
    its range."""

    text: Text
    fraction: float
    feedback: Text = Text()
    tolerance: float | None = None
    range: tuple[float, float] | None = None
    line: int = 0


@dataclass(frozen=True)
class GiftQuestion:
    """One question as Moodle reads it. `qtype` is Moodle's: description, essay, multichoice,
    truefalse, shortanswer, numerical, match."""

    line: int
    name: str
    qtype: str
    text: Text
    named: bool = False  # the file gave the name (`::name::`); else it is the text's start
    general_feedback: Text = Text()
    category: str = ""
    idnumber: str = ""
    tags: tuple[str, ...] = ()
    shuffle: bool = True  # multichoice: False when a `// senda: shuffle=false` line says so
    single: bool = True  # multichoice: one answer to pick (an `=` answer), else several
    answers: tuple[Answer, ...] = ()
    subquestions: tuple[Text, ...] = ()  # match: the items; an empty one is an extra answer
    subanswers: tuple[str, ...] = ()
    correct_answer: bool | None = None  # truefalse
    feedback_true: Text = Text()  # truefalse: shown to whoever answers true
    feedback_false: Text = Text()


@dataclass(frozen=True)
class GiftProblem:
    """Something in the file that Moodle would refuse, at a line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.message}"


@dataclass
class GiftBank:
    """What a GIFT file holds: its questions, and the problems that stop an import."""

    questions: list[GiftQuestion] = field(default_factory=list)
    problems: list[GiftProblem] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def extract_idnumber_and_tags(comment: str) -> tuple[str, list[str]]:
    """The `[id:...]` (the first) and the `[tag:...]`s of a question's comment lines."""
    found = _ID.search(comment)
    idnumber = found.group(1).strip().replace("\\]", "]") if found else ""
    tags = [raw.strip().replace("\\]", "]") for raw in _TAG.findall(comment)]
    return idnumber, tags


def _escape_pre(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for character, placeholder in _ESCAPES.items():
        text = text.replace("\\" + character, placeholder)
    return text.replace("\\n", _NEWLINE).replace(_BACKSLASH, "\\")


def _unescape(text: str) -> str:
    return text.translate(_UNESCAPE)


def _with_format(text: str, default: str = "moodle") -> Text:
    """A text that may start with `[html]`, `[moodle]`, `[plain]` or `[markdown]`."""
    result = Text(text, default)
    if text.startswith("["):
        end = text.find("]")
        name = text[1:end] if end > 0 else ""
        if name in FORMATS:
            result = Text(text[end + 1 :], name)
    return Text(_unescape(result.text).strip(), result.format)


def _comment_split(answer: str, default: str, parts: int = 2) -> list[Text]:
    """An answer and its feedback (`answer # feedback`); true/false has two feedbacks."""
    bits = answer.split("#", parts - 1)
    bits += [""] * (parts - len(bits))
    return [_with_format(bit.strip(), default) for bit in bits]


def _weight(answer: str) -> tuple[float | None, str]:
    """A leading `%50%` weight as a fraction, and the rest of the answer."""
    found = _WEIGHT.match(answer)
    if not found:
        return None, answer
    end = answer.index("%", 1)
    try:
        fraction = float(answer[1:end]) / 100
    except ValueError:
        return None, answer
    return fraction, answer[end + 1 :]


def _split_answers(answer_text: str, separator: str) -> list[str]:
    answers = answer_text.split(separator)
    if answers and not answers[0].strip():
        answers.pop(0)
    return answers


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


class _Block:
    """The lines of one question (a run of non-blank lines) and where they start."""

    def __init__(self, lines: list[str], first_line: int) -> None:
        self.lines, self.first_line = lines, first_line

    def read(self, category: str) -> GiftQuestion | str | None:
        """The question, a new category (a str), or None for a block of comments only."""
        comments = []
        lines = list(self.lines)
        for index, line in enumerate(lines):
            if line.strip().startswith("//"):
                comments.append(line.strip())
                lines[index] = " "
        joined = "\n".join(lines)
        text = joined.strip()
        if not text:
            return None
        # The line the question's own text starts on (after leading comment lines).
        self.text_line = self.first_line + joined[: joined.index(text[0])].count("\n")
        text = _escape_pre(text)
        if text.startswith("$CATEGORY:"):
            return _unescape(text[len("$CATEGORY:") :]).strip()
        idnumber, tags = extract_idnumber_and_tags("\n".join(comments))
        self.text = text
        question = self._question(text, category, idnumber, tuple(tags))
        if question.qtype == "multichoice" and _KEEP_ORDER.search("\n".join(comments)):
            question = replace(question, shuffle=False)
        return question

    def line_at(self, position: int) -> int:
        return self.text_line + self.text[:position].count("\n")

    def _question(
        self, text: str, category: str, idnumber: str, tags: tuple[str, ...]
    ) -> GiftQuestion:
        name = ""
        offset = 0  # where `text` now starts in self.text, for line numbers
        if text.startswith("::"):
            end = text.find("::", 2)
            if end >= 0:
                name = _unescape(text[2:end]).strip()
                rest = text[end + 2 :]
                offset = end + 2 + len(rest) - len(rest.lstrip())
                text = rest.strip()
            else:
                text, offset = text[2:], 2
        start, finish = text.find("{"), text.find("}")
        description = start < 0 and finish < 0
        if description:
            answer_text = ""
            question_text = text
        elif start < 0 or finish < 0 or finish < start:
            where = offset + (start if start >= 0 else finish)
            raise _Refused(
                self.line_at(where),
                "the answers must be inside braces { }: an opening or closing brace is missing "
                "(write \\{ or \\} for a brace in a text)",
            )
        else:
            answer_text = text[start + 1 : finish].strip()
            # Text after the answers makes a missing-word question: the blank shows where.
            blank = "" if text.endswith("}") else BLANK
            question_text = text[:start] + blank + text[finish + 1 :]
        block = text[start + 1 : finish] if not description else ""
        answers_line = self.line_at(offset + start + 1 + len(block) - len(block.lstrip()))
        general = ""
        separator = answer_text.rfind("####")
        if separator >= 0:
            general = answer_text[separator + 4 :]
            answer_text = answer_text[:separator].strip()
        prompt = _with_format(question_text)
        fields = {
            "line": self.text_line,
            "name": name or _default_name(prompt.text),
            "named": bool(name),
            "text": prompt,
            "general_feedback": _with_format(general, prompt.format),
            "category": category,
            "idnumber": idnumber,
            "tags": tags,
        }
        if description:
            return GiftQuestion(qtype="description", **fields)
        if not answer_text:
            return GiftQuestion(qtype="essay", **fields)
        reader = _Answers(answer_text, prompt.format, answers_line)
        if answer_text.startswith("#"):
            return GiftQuestion(qtype="numerical", answers=reader.numerical(), **fields)
        if "~" in answer_text:
            single = "=" in answer_text
            return GiftQuestion(
                qtype="multichoice", single=single, answers=reader.multichoice(), **fields
            )
        if "=" in answer_text and "->" in answer_text:
            items, answers = reader.match()
            return GiftQuestion(qtype="match", subquestions=items, subanswers=answers, **fields)
        check = answer_text.split("#", 1)[0].strip() if "#" in answer_text[1:] else answer_text
        if check in TRUE_WORDS + FALSE_WORDS:
            return GiftQuestion(qtype="truefalse", **fields, **reader.true_false())
        return GiftQuestion(qtype="shortanswer", answers=reader.short(), **fields)


class _Answers:
    """The answer block of one question, read by type."""

    def __init__(self, text: str, text_format: str, line: int) -> None:
        self.text, self.format, self.line = text, text_format, line
        self.cursor = 0  # answers are looked up in order, each after the one before

    def line_of(self, answer: str) -> int:
        """The line an answer starts on (answers are asked for in the order they come)."""
        position = self.text.find(answer.strip(), self.cursor)
        if position < 0:
            return self.line + self.text[: self.cursor].count("\n")
        self.cursor = position + len(answer.strip())
        return self.line + self.text[:position].count("\n")

    def multichoice(self) -> tuple[Answer, ...]:
        answers = _split_answers(self.text.replace("=", "~="), "~")
        if len(answers) < 2:
            raise _Refused(self.line, "a multiple-choice question needs at least 2 answers")
        result = []
        for raw in answers:
            answer = raw.strip()
            if answer.startswith("="):
                fraction, answer = 1.0, answer[1:]
            else:
                weight, answer = _weight(answer)
                fraction = weight if weight is not None else 0.0
            text, feedback = _comment_split(answer, self.format)
            result.append(Answer(text, fraction, feedback, line=self.line_of(raw)))
        return tuple(result)

    def short(self) -> tuple[Answer, ...]:
        answers = _split_answers(self.text, "=")
        if not answers:
            raise _Refused(self.line, "a short-answer question needs at least 1 answer")
        result = []
        for raw in answers:
            weight, answer = _weight(raw.strip())
            text, feedback = _comment_split(answer, self.format)
            fraction = 1.0 if weight is None else weight
            result.append(Answer(text, fraction, feedback, line=self.line_of(raw)))
        return tuple(result)

    def numerical(self) -> tuple[Answer, ...]:
        text, wrong = self.text[1:], ""
        if "~" in text:  # feedback for any other number
            text, wrong = text[: text.index("~")], text[text.index("~") :]
        answers = _split_answers(text, "=")
        if not answers:
            raise _Refused(self.line, "a numerical question needs at least 1 answer")
        result = []
        for raw in answers:
            line = self.line_of(raw)
            weight, answer = _weight(raw.strip())
            value_text, feedback = _comment_split(answer, self.format)
            value = value_text.text
            tolerance, bounds = 0.0, None
            if value.find("..") > 0:
                low, high = (_number(part) for part in value.split("..", 1))
                if low is None or high is None:
                    raise _Refused(line, f"'{value}' is not a range of numbers (like 1..5)")
                bounds = (low, high)
                value, tolerance = _format_number((low + high) / 2), (high - low) / 2
            elif value.find(":") > 0:
                value, margin = value.split(":", 1)
                number = _number(margin)
                if number is None:
                    raise _Refused(line, f"the tolerance '{margin.strip()}' is not a number")
                value, tolerance = value.strip(), number
            if value != "*" and _number(value) is None:
                raise _Refused(line, f"'{value}' is not a number (a numerical answer)")
            fraction = 1.0 if weight is None else weight
            result.append(
                Answer(Text(value, value_text.format), fraction, feedback, tolerance, bounds, line)
            )
        if wrong:
            _, feedback = _comment_split(wrong[1:], self.format)
            result.append(Answer(Text("*", self.format), 0.0, feedback, None, None, self.line))
        return tuple(result)

    def match(self) -> tuple[tuple[Text, ...], tuple[str, ...]]:
        answers = _split_answers(self.text, "=")
        if len(answers) < 2:
            raise _Refused(self.line, "a matching question needs at least 2 pairs")
        items, matches = [], []
        for raw in answers:
            answer = raw.strip()
            if "->" not in answer:
                raise _Refused(
                    self.line_of(raw), f"a matching pair needs '->' (item -> answer): '{answer}'"
                )
            item, match = answer.split("->", 1)
            items.append(_with_format(item.strip(), self.format))
            matches.append(_unescape(match).strip())
        return tuple(items), tuple(matches)

    def true_false(self) -> dict[str, object]:
        answer, wrong, right = _comment_split(self.text, self.format, parts=3)
        correct = answer.text in TRUE_WORDS
        return {
            "correct_answer": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _default_name(text: str) -> str:
    """Moodle names an unnamed question by the start of its text."""
    plain = re.sub(r"<[^>]*>", "", text).strip()
    return plain[:80].split("\n")[0].strip()


def _blocks(text: str) -> list[_Block]:
    blocks, current, first = [], [], 0
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            blocks.append(_Block(current, first))
            current = []
    if current:
        blocks.append(_Block(current, first))
    return blocks


def parse_gift(text: str) -> GiftBank:
    """Every question of a GIFT file and every problem, each at its line."""
    bank = GiftBank()
    category = ""
    for block in _blocks(text.removeprefix("\ufeff")):
        try:
            read = block.read(category)
        except _Refused as refused:
            bank.problems.append(GiftProblem(refused.line, refused.message))
            continue
        if isinstance(read, str):
            category = read
        elif read is not None:
            bank.questions.append(read)
    return bank
