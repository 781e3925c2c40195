"""Fair quizzes (#19): the options of a choice question come in an order of each attempt's own,
the same through a retry of the missed questions and a restart; `shuffle: false` keeps the
file's order; the validator flags a module whose right answers stand at one place."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.cli import senda
from lessons.loader import load_catalog
from tests.conftest import TEST_CATALOG, Person, pick, run_transcript
from webhooks import create_app

TO_THE_LAST_CARD = [
    ("hi", "Choose your language"),
    ("2", "Do you agree?"),
    ("yes", "Who are you?"),
    ("1", "All set."),
    ("courses", "The basics"),
    ("the basics", "(1/3)"),
    ("next", "(2/3)"),
    ("next", "(3/3)"),
]
TO_THE_QUIZ = [*TO_THE_LAST_CARD, ("quiz", ["Question 1 of 3", "What colour is a clear sky?"])]
COLOURS = ["Green", "Red", "Blue"]


def test_twenty_learners_see_the_right_answer_at_every_place(engine):
    """The same question to twenty people: Blue, the right answer, is not always at the same
    number, and each sees the three colours (a permutation, nothing lost or doubled)."""
    places = set()
    orders = set()
    for n in range(20):
        person = Person(engine, address=f"+52155000000{n:02d}")
        run_transcript(person, TO_THE_QUIZ)
        assert sorted(person.options) == sorted(COLOURS)
        places.add(person.options.index("Blue") + 1)
        orders.add(tuple(person.options))
    assert places == {1, 2, 3}
    assert len(orders) > 3  # not three rotations of one order either


def test_the_number_typed_and_the_button_pressed_mean_what_was_shown(engine):
    person = Person(engine)
    run_transcript(person, TO_THE_QUIZ)
    shown = person.options
    # The typed number is the place in what was shown; a letter too.
    assert "✅ Right." in person.says(str(shown.index("Blue") + 1))
    second = person.options  # Five, Four in some order
    assert "❌ Not quite. The right answer: Four" in person.says("ab"[second.index("Five")])
    # A button carries the option itself, whatever the number it was shown at.
    buttons = {o.label: o.value for m in person.last for o in m.options}
    assert "✅ Right." in person.says("", choice=buttons["Yes"])


def test_a_retry_and_a_restart_keep_the_order_of_the_attempt(app_config):
    """A restart (a new app on the same database) in the middle of the attempt, and the retry
    of the missed questions, show each question's options as the attempt first showed them."""
    first = create_app(app_config)
    person = Person(first.extensions["senda"].engine)
    run_transcript(person, TO_THE_QUIZ)
    colour_order = person.options
    first.extensions["senda"].close()

    second = create_app(app_config)
    try:
        again = Person(second.extensions["senda"].engine)
        assert "Question 1 of 3" in again.says("hello again")
        assert again.options == colour_order
        run_transcript(
            again,
            [
                (pick("Green"), ["Not quite", "Question 2 of 3"]),
                (pick("Five"), ["Not quite", "Question 3 of 3"]),
                (pick("Yes"), ["You got 1 of 3", "Retry the 2 missed questions"]),
                ("retry", ["Question 1 of 2", "What colour is a clear sky?"]),
            ],
        )
        assert again.options == colour_order
    finally:
        second.extensions["senda"].close()


def test_a_question_that_keeps_its_order_shows_the_file_order_to_everyone():
    catalog = load_catalog(TEST_CATALOG)
    colour = catalog.module("demo", "basics")[1].question("colour")
    orders = {tuple(c.key for c in colour.shown_options(f"attempt {n}")) for n in range(20)}
    assert len(orders) > 1
    from dataclasses import replace

    pinned = replace(colour, shuffle=False)
    orders = {tuple(c.key for c in pinned.shown_options(f"attempt {n}")) for n in range(20)}
    assert orders == {("a", "b", "c")}


def _catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, target)
    return target


def _validate(folder: Path):
    return CliRunner().invoke(senda, ["lessons", "validate", str(folder)])


def test_shuffle_false_is_read_and_a_shuffle_on_a_question_without_options_is_an_error(
    tmp_path,
):
    folder = _catalog(tmp_path)
    basics = folder / "demo" / "basics.yaml"
    text = basics.read_text()
    text = text.replace("  - id: sum\n", "  - id: sum\n    shuffle: false\n", 1)
    basics.write_text(text)
    assert _validate(folder).exit_code == 0
    sum_question = load_catalog(folder).module("demo", "basics")[1].question("sum")
    assert sum_question.shuffle is False

    second = folder / "demo" / "second.yaml"
    lines = second.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  - id: legs"))
    lines[at + 1 : at + 1] = ["    type: truefalse\n", "    answer: true\n", "    shuffle: false\n"]
    second.write_text("".join(lines))
    result = _validate(folder)
    assert result.exit_code == 1
    assert (
        f"{second}:{at + 4}: question 'legs' (truefalse) has no options to shuffle: "
        "shuffle is for choice questions"
    ) in result.output
    assert "unknown field 'shuffle'" not in result.output

    basics.write_text(text.replace("    shuffle: false\n", "    shuffle: sometimes\n"))
    second.write_text(second.read_text().replace("    shuffle: false\n", ""))
    result = _validate(folder)
    line = next(i for i, t in enumerate(basics.read_text().splitlines(), 1) if "shuffle" in t)
    assert f"{basics}:{line}: question 'sum' shuffle must be true or false" in result.output


def test_right_answers_at_one_place_are_a_warning_at_the_module_s_questions(tmp_path):
    folder = _catalog(tmp_path)
    basics = folder / "demo" / "basics.yaml"
    # Blue first: with Yes, two of the three right answers are option 1.
    basics.write_text(
        basics.read_text().replace(
            "      - text: {es: Verde, en: Green}\n      - text: {es: Rojo, en: Red}\n"
            "      - text: {es: Azul, en: Blue}\n        correct: true\n",
            "      - text: {es: Azul, en: Blue}\n        correct: true\n"
            "      - text: {es: Verde, en: Green}\n      - text: {es: Rojo, en: Red}\n",
        )
    )
    line = basics.read_text().splitlines().index("questions:") + 1
    result = _validate(folder)
    assert result.exit_code == 0, result.output  # a warning does not fail
    assert (
        f"{basics}:{line}: warning: 2 of 3 choice questions have the right answer as option 1 "
        "in the file: vary where it stands"
    ) in result.output
    assert "OK: 2 courses, 3 modules. 1 warning(s)." in result.output


def test_no_bundled_module_has_its_right_answers_at_one_place():
    result = CliRunner().invoke(senda, ["lessons", "validate"], env={"SENDA_CATALOG": ""})
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
