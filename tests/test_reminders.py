"""Daily cards at the chosen hour, spaced review of missed questions, and a safe menu erase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.delivery.reminders import send_nudges, send_reviews
from storage.models import Learner, OutboxMessage, ReviewItem, utcnow
from tests.conftest import Person, run_transcript
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson
from webhooks import create_app

ONBOARDING = [("hi", "Choose"), ("2", "Do you agree?"), ("yes", "Who are you?"), ("1", "Menu")]
# 15:00 UTC is 09:00 in Mexico City.
NINE_IN_MEXICO = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def daytime() -> datetime:
    """Now, or the first hour from now outside Mexico City's quiet hours (21:00 to 08:00)."""
    moment = utcnow()
    while not 8 <= (moment - timedelta(hours=6)).hour < 21:
        moment += timedelta(hours=1)
    return moment


def test_choosing_and_clearing_the_reminder_hour(engine, service):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ONBOARDING,
            ("daily reminder", ["At what time", "2. 09:00", "7. No reminders"]),
            ("09:00", ["Every day at 09:00 you will get your next card.", "Menu"]),
            ("daily reminder", "Now: 09:00."),
            ("no reminders", "No more daily reminders."),
        ],
    )
    with service.sessions() as session:
        assert session.scalars(select(Learner.nudge_hour)).one() is None


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def tg_app(app_config, fake):
    app = create_app(
        {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "SENDA_TELEGRAM_RATE": "0",
        }
    )
    yield app
    app.extensions["senda"].close()


def onboard(ana: TelegramPerson) -> None:
    for text in ("/start", "2", "yes", "1"):
        ana.writes(text)


def test_the_daily_card_comes_at_the_chosen_hour_once(tg_app, fake):
    service = tg_app.extensions["senda"]
    ana = TelegramPerson(tg_app.test_client(), fake)
    onboard(ana)
    ana.writes("courses")
    ana.writes("the basics")
    ana.writes("next")  # on card 2 of 3
    ana.writes("menu")
    ana.writes("daily reminder")
    ana.writes("09:00")
    assert send_nudges(service, NINE_IN_MEXICO - timedelta(hours=1)) == 0  # 08:00: not yet
    assert send_nudges(service, NINE_IN_MEXICO) == 1
    assert send_nudges(service, NINE_IN_MEXICO + timedelta(minutes=30)) == 0  # once a day
    from bot.delivery.broadcasts import send_pushes

    assert send_pushes(service) == 1
    text = ana.last().params["text"]
    assert text.startswith("Your daily card:") and "(2/3)" in text
    assert [label for label, _ in ana.buttons()][:2] == ["1. Next", "2. Back"]
    # The card can be answered as if the person had just opened it.
    assert "(3/3)" in ana.writes("next")
    assert send_nudges(service, NINE_IN_MEXICO + timedelta(days=1)) == 1


def test_no_card_for_someone_who_wrote_stop(tg_app, fake):
    service = tg_app.extensions["senda"]
    ana = TelegramPerson(tg_app.test_client(), fake)
    onboard(ana)
    ana.writes("courses")
    ana.writes("the basics")
    ana.writes("menu")
    ana.writes("daily reminder")
    ana.writes("09:00")
    ana.writes("stop")
    assert send_nudges(service, NINE_IN_MEXICO) == 0


def answer_quiz_with_one_wrong(ana) -> None:
    for text in ("courses", "the basics", "next", "next", "quiz", "blue", "five", "yes"):
        ana.writes(text)


def test_a_missed_question_comes_back_on_the_schedule_and_retires(tg_app, fake):
    service = tg_app.extensions["senda"]
    ana = TelegramPerson(tg_app.test_client(), fake)
    onboard(ana)
    answer_quiz_with_one_wrong(ana)
    with service.sessions() as session:
        item = session.scalars(select(ReviewItem)).one()
        assert item.question_id == "sum" and item.step == 0
        assert timedelta(hours=23) < item.due_at - utcnow() < timedelta(hours=25)
    assert send_reviews(service, daytime()) == 0  # not due yet

    def make_due() -> None:
        with service.sessions.begin() as session:
            session.execute(update(ReviewItem).values(due_at=utcnow() - timedelta(minutes=1)))

    from bot.delivery.broadcasts import send_pushes

    make_due()
    assert send_reviews(service, daytime()) == 1
    send_pushes(service)
    assert "A quick review of a question you missed:" in ana.last().params["text"]
    assert "✅ Right." in ana.writes("four")
    with service.sessions() as session:
        item = session.scalars(select(ReviewItem)).one()
        assert (item.right_in_a_row, item.step, item.retired) == (1, 1, False)
        assert timedelta(days=2, hours=23) < item.due_at - utcnow() < timedelta(days=3, hours=1)

    make_due()
    send_reviews(service, daytime())
    send_pushes(service)
    assert "❌ Not quite" in ana.writes("five")  # wrong again: back to the start of the schedule
    make_due()
    send_reviews(service, daytime())
    send_pushes(service)
    ana.writes("four")
    make_due()
    send_reviews(service, daytime())
    send_pushes(service)
    ana.writes("four")
    with service.sessions() as session:
        assert session.scalars(select(ReviewItem.retired)).one() is True
    make_due()
    assert send_reviews(service, daytime()) == 0, "a retired question is done"


def test_reviews_wait_out_quiet_hours(tg_app, fake):
    service = tg_app.extensions["senda"]
    ana = TelegramPerson(tg_app.test_client(), fake)
    onboard(ana)
    answer_quiz_with_one_wrong(ana)
    with service.sessions.begin() as session:
        session.execute(update(ReviewItem).values(due_at=utcnow() - timedelta(minutes=1)))
    eleven_pm_in_mexico = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    assert send_reviews(service, eleven_pm_in_mexico) == 0
    with service.sessions() as session:
        assert (
            session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "push")).all() == []
        )


def test_the_review_returns_to_where_the_person_was(tg_app, fake):
    service = tg_app.extensions["senda"]
    ana = TelegramPerson(tg_app.test_client(), fake)
    onboard(ana)
    answer_quiz_with_one_wrong(ana)
    ana.writes("menu")
    ana.writes("courses")
    ana.writes("second module")  # on a lesson card
    with service.sessions.begin() as session:
        session.execute(update(ReviewItem).values(due_at=utcnow() - timedelta(minutes=1)))
    from bot.delivery.broadcasts import send_pushes

    send_reviews(service, daytime())
    send_pushes(service)
    answer = ana.writes("four")
    assert "✅ Right." in answer and "Second module (1/1)" in answer


def test_erasing_from_the_menu_asks_once(engine, service):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ONBOARDING,
            # The menu's option, picked by its number, asks first (the word erases at once).
            ("8", ["1. Delete my data", "2. Menu"]),
            ("1", ["erases everything", "1. Yes, erase everything", "2. No, go back"]),
            ("2", "Menu"),
            ("8", "1. Delete my data"),
            ("1", "Erase it?"),
            ("1", "has been erased"),
        ],
    )
    with service.sessions() as session:
        assert session.scalars(select(Learner)).all() == []


def test_the_daily_card_keeps_the_hour_of_the_persons_region(engine, service):
    """Someone who chose alerts for Baja California gets the 09:00 card at 09:00 Tijuana time,
    two hours after 09:00 in Mexico City (in December)."""
    ana = Person(engine)
    run_transcript(
        ana,
        [
            ("hi", "Choose"),
            ("2", "Do you agree?"),
            ("yes", "Who are you?"),
            ("3", "Alerts for my region"),
            ("alerts for my region", "Baja California"),
            ("baja california", "You will get alerts for Baja California."),
            ("menu", "Courses"),
            ("courses", "Safety on the road"),
            ("your phone", "Your phone (1/1)"),
            ("menu", "Daily reminder"),
            ("daily reminder", "09:00"),
            ("09:00", "Every day at 09:00"),
        ],
    )
    assert send_nudges(service, NINE_IN_MEXICO) == 0
    assert send_nudges(service, NINE_IN_MEXICO + timedelta(hours=2)) == 1
