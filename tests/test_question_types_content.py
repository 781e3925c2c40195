"""Content files with every question type: FORMAT.md's own examples validate, and each mistake
is reported at its line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lessons.loader import read_catalog
from tests.conftest import TEST_CATALOG

FORMAT = Path(__file__).resolve().parents[1] / "lessons" / "FORMAT.md"


def _catalog_with(tmp_path: Path, questions_yaml: str) -> tuple[Path, Path]:
    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    course = catalog / "kinds"
    course.mkdir()
    (course / "course.yaml").write_text(
        "id: kinds\ndefault_language: en\nlanguages: [en, es]\naudience: [official]\n"
        "title: {en: Kinds}\nmodules: [all]\n"
    )
    module = course / "all.yaml"
    module.write_text(
        "id: all\ntitle: {en: All}\ncards:\n  - id: one\n    text: {en: A card.}\n"
        "    source: test\nquestions:\n" + questions_yaml
    )
    return catalog, module


def _format_examples() -> str:
    section = FORMAT.read_text().split("## Question types", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return block.replace("source: ...", "source: an example of the content format")


def test_the_examples_of_format_md_validate(tmp_path):
    catalog, _ = _catalog_with(tmp_path, _format_examples())
    found, problems = read_catalog(catalog)
    assert problems == []
    module = found.course("kinds").module("all")
    assert [q.type for q in module.questions] == [
        "choice",
        "truefalse",
        "shortanswer",
        "numerical",
        "matching",
        "essay",
    ]
    assert [q.id for q in module.quiz] == [
        "primary-colours",
        "sun-east",
        "capital",
        "grant-born",
        "capitals",
    ]
    grant = module.question("grant-born")
    assert [grant.credit_for(c.key) for c in grant.options] == [1, 0.5, 0.1, 0]
    assert grant.options[1].accepts_number(1820) and not grant.options[1].accepts_number(1819.5)
    assert grant.options[2].accepts_number(1805) and grant.options[3].accepts_number(-4)
    colours = module.question("primary-colours")
    assert colours.credit_for("ab") == 1 and colours.credit_for("ac") == 0
    capitals = module.question("capitals")
    assert [a["en"] for a in capitals.answer_list()] == ["Lima", "Ottawa", "Rome"]
    assert capitals.credit_for("bc") == 1 and capitals.credit_for("ba") == 0.5


# (label, question YAML, the line of the problem in the module file, words of the message)
MISTAKES = [
    (
        "unknown type",
        "  - id: q\n    type: poll\n    prompt: {en: Q}\n    source: s\n",
        9,
        "unknown type 'poll'",
    ),
    (
        "true/false without its answer",
        "  - id: q\n    type: truefalse\n    prompt: {en: Q}\n    source: s\n",
        8,
        "needs answer: true or answer: false",
    ),
    (
        "a range upside down",
        "  - id: q\n    type: numerical\n    prompt: {en: Q}\n    options:\n"
        "      - min: 5\n        max: 1\n        correct: true\n    source: s\n",
        12,
        "min <= max",
    ),
    (
        "a number that is text",
        "  - id: q\n    type: numerical\n    prompt: {en: Q}\n    options:\n"
        "      - number: many\n        correct: true\n    source: s\n",
        12,
        "number must be a number",
    ),
    (
        "short answer with no right answer",
        "  - id: q\n    type: shortanswer\n    prompt: {en: Q}\n    options:\n"
        "      - text: {en: a}\n        weight: 0\n    source: s\n",
        11,
        "no right answer",
    ),
    (
        "options on a true/false question",
        "  - id: q\n    type: truefalse\n    answer: true\n    prompt: {en: Q}\n"
        "    options: []\n    source: s\n",
        12,
        "unknown field 'options'",
    ),
    (
        "matching with only extra answers",
        "  - id: q\n    type: matching\n    prompt: {en: Q}\n    pairs:\n"
        "      - answer: {en: a}\n    source: s\n",
        11,
        "no item to match",
    ),
]


@pytest.mark.parametrize(
    ("questions", "line", "words"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_mistakes_are_reported_at_their_line(tmp_path, questions, line, words):
    catalog, module = _catalog_with(tmp_path, questions)
    _, problems = read_catalog(catalog)
    assert [(p.path, p.line) for p in problems] == [(module, line)], problems
    assert words in problems[0].message
