"""Aiken question banks (Moodle's question/format/aiken): multiple choice, one right answer.

    Question text on one line
    A) First option          (a capital letter, then `)` or `.`)
    B) Second option
    ANSWER: B

Read as Moodle reads it, with each problem at its line; the questions come out as the GIFT
reader's records (multiple choice), so that one importer writes both.
"""

from __future__ import annotations

import re

from lessons.gift import Answer, GiftBank, GiftProblem, GiftQuestion, Text

_OPTION = re.compile(r"^([A-Z])[).][ \t]*")
_ANSWER = re.compile(r"^ANSWER:")


class _Open:
    """A question being read: its text, line and options so far."""

    def __init__(self, text: str, line: int) -> None:
        self.text, self.line = text, line
        self.options: list[tuple[str, int]] = []

    def finish(self, letter: str) -> GiftQuestion:
        index = ord(letter) - ord("A")
        answers = tuple(
            Answer(Text(text, "plain"), 1.0 if number == index else 0.0, line=line)
            for number, (text, line) in enumerate(self.options)
        )
        return GiftQuestion(
            line=self.line,
            name=self.text[:80],
            qtype="multichoice",
            text=Text(self.text, "plain"),
            single=True,
            answers=answers,
        )


def parse_aiken(text: str) -> GiftBank:
    """Every complete question of an Aiken file and every problem, each at its line."""
    bank = GiftBank()
    current: _Open | None = None

    def problem(line: int, message: str) -> None:
        bank.problems.append(GiftProblem(line, message))

    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if len(line) < 2:
            continue
        if _OPTION.match(line):
            if current is None:
                problem(
                    number, f"question not started: an option comes before any question ({line})"
                )
                continue
            current.options.append((line[_OPTION.match(line).end() :].strip(), number))
        elif _ANSWER.match(line):
            if current is None:
                problem(number, "question not started: ANSWER comes before any question")
                continue
            letter = line.split(":", 1)[1].strip()[:1]
            if len(current.options) < 2:
                problem(
                    number,
                    f"question '{current.text}' must have at least 2 answers (it has "
                    f"{len(current.options)})",
                )
            elif not letter or not 0 <= ord(letter) - ord("A") < len(current.options):
                last = chr(ord("A") + len(current.options) - 1)
                problem(number, f"ANSWER must be a letter from A to {last} (it is '{letter}')")
            else:
                bank.questions.append(current.finish(letter))
            current = None
        else:
            if current is not None:
                problem(
                    number,
                    f"question '{current.text}' (line {current.line}) not completed with an "
                    "ANSWER line before the next question starts",
                )
            current = _Open(line, number)
    if current is not None:
        problem(current.line, f"question '{current.text}' has no ANSWER line")
    return bank
