"""Aiken import: Moodle's fixtures, its error cases at their lines, and the command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import senda
from lessons.aiken import parse_aiken
from lessons.loader import load_catalog
from tests.conftest import TEST_CATALOG


def test_questions_aiken(corpus):
    bank = parse_aiken((corpus / "questions.aiken.txt").read_text(encoding="utf-8"))
    assert bank.problems == []
    first, second = bank.questions
    assert first.text.text == "The Moodle project was started by:"
    assert [(a.text.text, a.fraction) for a in first.answers] == [
        ("Petr Skoda", 0),
        ("Martin Dougiamas", 1),
        ("Eloy Lafuente", 0),
        ("Tim Hunt", 0),
    ]
    # plain text: what looks like HTML stays as written
    assert second.text.text.endswith('includes <html class="cool"> & images:')
    assert (second.line, [a.fraction for a in second.answers]) == (8, [1, 0])


def test_aiken_errors_at_the_lines_moodle_reports(corpus):
    bank = parse_aiken((corpus / "aiken_errors.txt").read_text(encoding="utf-8"))
    problems = [(p.line, p.message) for p in bank.problems]
    assert [line for line, _ in problems] == [3, 5, 7, 18]
    assert "at least 2 answers" in problems[0][1]
    assert "not started" in problems[1][1] and "not started" in problems[2][1]
    assert "'A question started but not finished' (line 14) not completed" in problems[3][1]
    # the good questions are read all the same, the no-space variant too
    assert [(q.name, [a.text.text for a in q.answers]) for q in bank.questions] == [
        ("A good question", ["Correct", "Incorrect"]),
        ("A second good question", ["Incorrect (No space)", "Correct (No space)"]),
    ]
    assert [a.fraction for a in bank.questions[1].answers] == [0, 1]


# (label, Aiken text, line, words of the message)
ERRORS = [
    ("answer out of range", "Q?\nA) a\nB) b\nANSWER: C\n", 4, "A to B"),
    ("no answer line at the end", "Q?\nA) a\nB) b\n", 1, "no ANSWER line"),
    ("empty answer", "Q?\nA. a\nB. b\nANSWER:\n", 4, "letter"),
]


@pytest.mark.parametrize(
    ("text", "line", "words"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_problems_name_their_line(text, line, words):
    bank = parse_aiken(text)
    assert [p.line for p in bank.problems] == [line]
    assert words in bank.problems[0].message


def _catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, target)
    return target


def test_import_aiken_errors_exit_1_with_file_and_line(corpus, tmp_path):
    catalog = _catalog(tmp_path)
    path = corpus / "aiken_errors.txt"
    result = CliRunner().invoke(
        senda, ["lessons", "import-aiken", str(path), "--course", "demo", "--catalog", str(catalog)]
    )
    assert result.exit_code == 1
    for line in (3, 5, 7, 18):
        assert f"{path}:{line}: " in result.output
    assert load_catalog(catalog).course("demo").module("questions-aiken") is None


def test_import_aiken_adds_a_module_to_a_course(corpus, tmp_path):
    catalog = _catalog(tmp_path)
    course_file = catalog / "demo" / "course.yaml"
    before = course_file.read_text()
    result = CliRunner().invoke(
        senda,
        [
            "lessons",
            "import-aiken",
            str(corpus / "questions.aiken.txt"),
            "--course",
            "demo",
            "--catalog",
            str(catalog),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 questions imported into demo/questions-aiken" in result.output
    assert course_file.read_text().startswith(before.split("modules:")[0])
    course = load_catalog(catalog).course("demo")
    assert course.modules[-1].id == "questions-aiken"
    question = course.modules[-1].questions[0]
    assert question.prompt == {"es": "The Moodle project was started by:"}
    assert [c.correct for c in question.options] == [False, True, False, False]
    assert question.source == "Imported from questions.aiken.txt, line 1 (Aiken)"
