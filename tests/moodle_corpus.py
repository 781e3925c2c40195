"""Moodle's own GIFT and Aiken fixtures (shared/corpus/moodle-gift), read where they lie and
never copied into the project; and CASES.txt, Moodle's import test cases, read as data."""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS_PARTS = ("shared", "corpus", "moodle-gift")
FORMAT_WORDS = {"moodle", "html", "plain", "markdown"}
TYPE_WORDS = {"essay", "match", "multichoice", "numerical", "shortanswer", "truefalse"}


def find_corpus() -> Path | None:
    """$SENDA_CORPUS (the corpus folder or its moodle-gift folder), else shared/corpus/moodle-gift
    beside the repository or beside any folder above it (a worktree), else /work/shared's."""
    candidates = []
    if os.environ.get("SENDA_CORPUS"):
        base = Path(os.environ["SENDA_CORPUS"])
        candidates += [base, base / "moodle-gift"]
    root = Path(__file__).resolve().parents[1]
    candidates += [folder.joinpath(*CORPUS_PARTS) for folder in [root, *root.parents]]
    # Where this project's workplace keeps the shared folder, for a clone made elsewhere (CI).
    candidates.append(Path("/work").joinpath(*CORPUS_PARTS))
    return next((path for path in candidates if (path / "CASES.txt").is_file()), None)


CORPUS = find_corpus()


@dataclass
class Case:
    """One import case: the GIFT input and the Moodle fields the test asserts."""

    name: str
    gift: str
    expect: dict[str, Any] = field(default_factory=dict)


def _scan(text: str, stop: str) -> int:
    """Where the first `stop` character outside quotes and brackets is (or the end)."""
    depth, quote, index = 0, "", 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"" and (index == 0 or not text[index - 1].isalnum()):
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char in stop:
            return index
        index += 1
    return len(text)


def _literal(raw: str) -> Any:
    """A value in CASES.txt's notation: Python-like, with bare format and type words, and
    `'text'(format)` for a text with its format; a trailing `(comment)` is ignored."""
    raw = raw.strip()
    raw = raw[: _scan(raw, " \t")]  # what follows the value is a comment
    raw = re.sub(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\((\w+)\)""", r"(\1,\2)", raw)
    pieces = re.split(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", raw)
    for index in range(1, len(pieces), 2):  # quoted texts are as written: no escapes
        pieces[index] = repr(pieces[index][1:-1])
    for index in range(0, len(pieces), 2):  # outside quotes only
        pieces[index] = re.sub(
            r"\b([a-z]+)\b",
            lambda m: f"'{m.group(1)}'" if m.group(1) in FORMAT_WORDS | TYPE_WORDS else m.group(1),
            pieces[index],
        )
    return ast.literal_eval("".join(pieces))


def _fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    while text.strip():
        end = _scan(text, ";")
        part, text = text[:end].strip(), text[end + 1 :]
        key, _, value = part.partition("=")
        if re.fullmatch(r"\w+", key.strip()) and value:
            fields[key.strip()] = _literal(value)
    return fields


def _expect(lines: list[str], cases: dict[str, Case]) -> dict[str, Any]:
    text = "\n".join(lines).strip()
    inherited: dict[str, Any] = {}
    if found := re.match(r"as (\w+), plus (.*)", text, re.S):
        inherited, text = dict(cases[found.group(1)].expect), found.group(2)
    elif found := re.match(r"same as (\w+)", text):
        suffix = found.group(1)
        base = next(case for name, case in cases.items() if name.endswith(suffix))
        return dict(base.expect)
    multi_line = re.search(r";\s*questiontext \(multi-line[^)]*\):\n", text)
    if multi_line:
        inherited["questiontext"] = text[multi_line.end() :]
        text = text[: multi_line.start()]
    return inherited | _fields(text.replace("\n", ";"))


def _php_string(raw: str) -> str:
    """A PHP string literal of the data provider: '...' (only \\\\ and \\' escaped) or "..."."""
    body = raw.strip()[1:-1]
    if raw.strip().startswith("'"):
        return body.replace("\\\\", "\x00").replace("\\'", "'").replace("\x00", "\\")
    return (
        body.replace("\\\\", "\x00").replace("\\n", "\n").replace('\\"', '"').replace("\x00", "\\")
    )


def read_cases(path: Path) -> tuple[list[Case], list[tuple[str, str, list[str]]]]:
    """The import cases of CASES.txt (part 4), and the comment cases: (comment, idnumber, tags)."""
    text = path.read_text(encoding="utf-8")
    part = text.split("# PART 5")[0]
    cases: dict[str, Case] = {}
    comments: list[tuple[str, str, list[str]]] = []
    for chunk in re.split(r"^=== ", part, flags=re.M)[1:]:
        title, _, body = chunk.partition("\n")
        name = title.split()[0]
        if "--- INPUT ---" not in body:  # the data provider of comments
            for line in body.splitlines():
                if "->" not in line:
                    continue
                comment, _, result = line.rpartition(" -> ")
                idnumber, tags = _literal(result)
                comments.append((_php_string(comment), idnumber, tags))
            continue
        gift = body.split("--- INPUT ---\n", 1)[1].split("--- EXPECT ---\n", 1)[0]
        expect_lines = body.split("--- EXPECT ---\n", 1)[1].rstrip("\n").split("\n")
        expect_lines = [line for line in expect_lines if line.strip()]
        case = Case(name, gift.removesuffix("\n"))
        case.expect = _expect(expect_lines, cases)
        cases[name] = case
    return list(cases.values()), comments
