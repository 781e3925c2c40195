"""A quiz of every type a chat can ask, as a transcript: typed words and numbers, true/false,
matching item by item, several right options; wrong and unknown answers get the feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import senda
from tests.conftest import Person, run_transcript
from webhooks import create_app

BANK = """\
::city::Which city is the capital of Mexico?{
=Ciudad de México#Yes, the capital.
=%50%CDMX#Its short name: half the mark.}

::year::When was Ulysses S. Grant born?{#
=1822:0#Exactly.
=%50%1822:2#Close.
~#He was born in 1822.}

::sun::The sun rises in the east.{T#It does rise in the east.#Right, it does.}

::capitals::Match each country with its capital.{
=Canada -> Ottawa
=Italy -> Rome
=Japan -> Tokyo}

::two::Which two are primary colours of light?{~%50%red ~%50%blue ~%-100%yellow}

::diary::Tell us about your day.{}
"""


@pytest.fixture
def types_catalog(tmp_path: Path) -> Path:
    """A content folder holding the bank above, imported with `senda lessons import-gift`."""
    catalog = tmp_path / "types-catalog"
    catalog.mkdir()
    bank = tmp_path / "types.gift"
    bank.write_text(BANK)
    result = CliRunner().invoke(
        senda,
        [
            "lessons",
            "import-gift",
            str(bank),
            "--course",
            "types",
            "--lang",
            "en",
            "--catalog",
            str(catalog),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{bank}:19: question 'diary' (essay) is kept but not asked by chat" in result.output
    return catalog


@pytest.fixture
def person(app_config, types_catalog: Path):
    app = create_app({**app_config, "SENDA_CATALOG": str(types_catalog)})
    yield Person(app.extensions["senda"].engine)
    app.extensions["senda"].close()


def test_every_deliverable_type_in_one_quiz(person):
    run_transcript(
        person,
        [
            ("hello", "Choose your language"),
            ("2", "Do you agree?"),
            ("1", "Who are you?"),
            ("1", "Menu"),
            ("1", "types"),
            ("1", ["Quiz: types. Questions: 5.", "Quiz (5 questions)"]),
            # the essay is not asked: five questions, not six
            ("quiz", ["Question 1 of 5", "Which city", "Write your answer."]),
            ("ciudad de mexico", ["✅ Right.", "Yes, the capital.", "Question 2 of 5"]),
            ("soon", ["Please write a number", "Question 2 of 5", "Write a number."]),
            ("1,821", ["Partly right.", "Close.", "Question 3 of 5", "1. True", "2. False"]),
            ("2", ["❌ Not quite. The right answer: True", "It does rise in the east."]),
            ("", ["Question 4 of 5", "Match 1 of 3: Canada", "1. Ottawa", "2. Rome", "3. Tokyo"]),
            ("1", ["Question 4 of 5", "Match 2 of 3: Italy"]),
            ("tokyo", ["Match 3 of 3: Japan"]),
            (
                "2",
                [
                    "Partly right.",
                    "The right matches: Canada → Ottawa; Italy → Rome; Japan → Tokyo",
                ],
            ),
            ("", ["Question 5 of 5", "write all their numbers, like 1 3"]),
            (
                lambda p: f"{p.number_of('red')} and {p.number_of('blue')}",
                ["✅ Right.", "You got 2 of 5 questions right (57%)."],
            ),
            ("1", ["Question 1 of 3", "When was Ulysses S. Grant born?"]),  # the three missed
            ("1822", ["✅ Right.", "Exactly.", "Question 2 of 3", "The sun rises"]),
        ],
    )


def test_unknown_words_and_numbers_get_the_right_answer_and_feedback(person):
    for text in ("hello", "2", "1", "1", "1", "1", "quiz"):
        person.says(text)
    assert "❌ Not quite. The right answer: Ciudad de México" in person.says("Paris")
    again = person.says("")  # nothing typed: asked again, not answered
    assert "I did not get any text." in again and "Question 2 of 5" in again
    answer = person.says("1900")
    assert "❌ Not quite. The right answer: 1822" in answer
    assert "He was born in 1822." in answer
    assert "1. True" in answer


def test_a_missed_number_comes_back_in_a_review_and_is_typed_again(app_config, types_catalog):
    from datetime import timedelta

    from sqlalchemy import update

    from bot.delivery.broadcasts import send_pushes
    from bot.delivery.reminders import send_reviews
    from storage.models import ReviewItem, utcnow
    from tests.fakes.telegram import FakeTelegram
    from tests.telegram_helpers import TOKEN, TelegramPerson, telegram_settings
    from tests.test_reminders import daytime

    with FakeTelegram(token=TOKEN) as fake:
        app = create_app(
            {
                **app_config,
                "SENDA_CATALOG": str(types_catalog),
                **telegram_settings(fake.base_url),
                "SENDA_TELEGRAM_RATE": "0",
            }
        )
        service = app.extensions["senda"]
        try:
            ana = TelegramPerson(app.test_client(), fake)
            for text in ("/start", "2", "yes", "1", "courses", "types", "quiz", "Ciudad de Mexico"):
                ana.writes(text)
            assert "❌ Not quite. The right answer: 1822" in ana.writes("1900")
            assert "Right, it does." in ana.presses("1. True")  # a button press
            ana.writes("menu")
            with service.sessions.begin() as session:
                session.execute(update(ReviewItem).values(due_at=utcnow() - timedelta(minutes=1)))
            assert send_reviews(service, daytime()) == 1
            send_pushes(service)
            pushed = ana.last().params["text"]
            assert "A quick review of a question you missed:" in pushed
            assert "When was Ulysses S. Grant born?" in pushed and "Write a number." in pushed
            assert "Please write a number" in ana.writes("around then")
            answer = ana.writes("1822")
            assert "✅ Right." in answer and "Menu" in answer
        finally:
            service.close()
