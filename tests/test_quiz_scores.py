"""A score that means what it says (#19): an attempt's score is its pass through the whole quiz,
the retry of the missed questions does not raise it, the module keeps the best whole attempt,
and progress says how many attempts passing took."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import ModuleProgress, QuizAttempt
from tests.conftest import TEST_CATALOG, Person, pick, run_transcript
from tests.test_quiz_fairness import TO_THE_LAST_CARD
from webhooks import create_app

FOURTH_QUESTION = """\
  - id: moon
    prompt:
      es: ¿La luna da luz propia?
      en: Does the moon give its own light?
    options:
      - text: {es: Sí, en: "Yes, its own"}
      - text: {es: "No, refleja la del sol", en: "No, it reflects the sun's"}
        correct: true
      - text: {es: Solo de noche, en: Only at night}
    source: test fixture
"""
RIGHT = {"colour": "Blue", "sum": "Four", "sun": "Yes", "moon": "No, it reflects the sun's"}
WRONG = {"colour": "Green", "sum": "Five", "sun": "No", "moon": "Only at night"}
ORDER = ["colour", "sum", "sun", "moon"]


@pytest.fixture
def person(app_config, tmp_path: Path):
    """A learner of the test course, whose first module has a fourth question (25% each)."""
    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    basics = catalog / "demo" / "basics.yaml"
    basics.write_text(basics.read_text() + FOURTH_QUESTION)
    app = create_app({**app_config, "SENDA_CATALOG": str(catalog)})
    person = Person(app.extensions["senda"].engine)
    person.service = app.extensions["senda"]
    run_transcript(person, TO_THE_LAST_CARD)
    yield person
    app.extensions["senda"].close()


def answers(right: set[str]) -> list:
    """The whole quiz, each question answered right when named, else wrong."""
    return [pick((RIGHT if q in right else WRONG)[q]) for q in ORDER]


def attempts(person: Person) -> list[tuple[int | None, bool | None]]:
    with person.service.sessions() as session:
        rows = session.scalars(select(QuizAttempt).order_by(QuizAttempt.id))
        return [(row.score, row.passed) for row in rows]


def progress_row(person: Person) -> ModuleProgress:
    with person.service.sessions() as session:
        return session.scalars(
            select(ModuleProgress).where(ModuleProgress.module_id == "basics")
        ).one()


def play(person: Person, writes: list, last: list[str]) -> None:
    """Answer in turn; what the last answer must show."""
    for step in writes[:-1]:
        person.says(step(person) if callable(step) else step)
    run_transcript(person, [(writes[-1], last)])


def test_a_retry_does_not_turn_a_quarter_into_full_marks_and_the_best_attempt_counts(person):
    person.says("quiz")
    play(
        person,
        answers({"colour"}),
        ["You got 1 of 4 questions right (25%).", "To pass you need 70%", "Retry the 3 missed"],
    )
    # The retry of the three missed questions, all right: it helps, the score stays 25%.
    person.says("retry")
    play(
        person,
        [pick(RIGHT[q]) for q in ORDER[1:]],
        [
            "You got 1 of 4 questions right (25%).",
            "After the retry: 4 of 4 right. The score stays that of the whole quiz; to raise "
            "it, take the quiz again.",
            "To pass you need 70%",
            "1. Take the quiz again",
        ],
    )
    assert attempts(person) == [(25, False)]
    row = progress_row(person)
    assert (row.passed, row.best_score) == (False, None)
    assert "▶ The basics" in person.says("progress")  # then the result again

    # A new whole attempt, all right: 100%, passed, and the best.
    run_transcript(person, [("take the quiz again", ["Question 1 of 4"])])
    play(person, answers(set(ORDER)), ["You got 4 of 4 questions right (100%).", "You passed"])
    assert attempts(person) == [(25, False), (100, True)]
    assert (progress_row(person).passed, progress_row(person).best_score) == (True, 100)
    person.says("skip")  # the module's rating, asked after a first pass

    # A third, worse attempt keeps the best and the count of attempts it took to pass.
    run_transcript(person, [("read the lesson again", "(1/3)"), ("next", "(2/3)")])
    run_transcript(person, [("next", "(3/3)"), ("quiz", "Question 1 of 4")])
    play(
        person,
        answers({"colour", "sum"}),
        ["You got 2 of 4 questions right (50%).", "To pass you need 70%", "Next: Second module"],
    )
    assert attempts(person) == [(25, False), (100, True), (50, False)]
    assert progress_row(person).best_score == 100
    assert "✓ The basics: passed in 2 attempts (100%)" in person.says("progress")


def test_a_passing_attempt_keeps_its_own_score_through_a_retry(person):
    person.says("quiz")
    play(person, answers({"colour", "sum", "sun"}), ["You got 3 of 4 questions right (75%)."])
    person.says("skip")  # the module's rating, asked after a first pass
    person.says("retry")
    play(
        person,
        [pick(RIGHT["moon"])],
        ["You got 3 of 4 questions right (75%).", "After the retry: 4 of 4 right."],
    )
    assert attempts(person) == [(75, True)]
    assert progress_row(person).best_score == 75
    assert "✓ The basics: passed in 1 attempt (75%)" in person.says("progress")
