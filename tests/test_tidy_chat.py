"""A chat that does not linger on the phone: CLEAR deletes a Telegram chat at once, a tidy chat
is deleted after SENDA_TIDY_HOURS, and WhatsApp and SMS say how to delete it by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.delivery.tidy import tidy_due
from storage.models import ChatMessageId, Learner, OutboxMessage
from tests.conftest import Person, run_transcript
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson, text_update
from tests.twilio_helpers import TwilioPerson, twilio_settings
from webhooks import create_app

CHAT = 777000111


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


def telegram_app(app_config, fake, **settings: str):
    return create_app(
        {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            **settings,
        }
    )


@pytest.fixture
def app(app_config, fake):
    app = telegram_app(app_config, fake)
    yield app
    app.extensions["senda"].close()


@pytest.fixture
def ana(app, fake) -> TelegramPerson:
    return TelegramPerson(app.test_client(), fake, chat_id=CHAT)


def writes_with_id(person: TelegramPerson, text: str, message_id: int) -> str:
    """Write a message whose id in the chat is known; the answer."""
    update = text_update(person.chat_id, text)
    update["message"]["message_id"] = message_id
    before = len(person.messages())
    assert person.post(update).status_code == 200
    return "\n\n".join(c.params["text"] for c in person.messages()[before:])


def deleted(fake: FakeTelegram) -> list[int]:
    """Every message id the bot asked Telegram to delete, in order."""
    return [i for call in fake.calls_to("deleteMessages") for i in call.params["message_ids"]]


def migrant_onboarding(ana: TelegramPerson, tidy: str) -> str:
    ana.writes("/start")
    ana.presses("2. English")
    ana.presses("1. Yes")
    offer = ana.presses("3. Migrant")
    assert "Should Senda delete every message here by itself" in offer
    return ana.presses(tidy)


def move_the_clock(service, hours: int) -> None:
    """Let hours pass: every time Senda stored for the chat moves that far into the past."""
    back = timedelta(hours=hours)
    with service.sessions.begin() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))):
            row.sent_at -= back
        for row in session.scalars(select(ChatMessageId)):
            row.written_at -= back
        for row in session.scalars(select(Learner).where(Learner.chat_cleared_until.is_not(None))):
            row.chat_cleared_until -= back


def written_ids(service) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(ChatMessageId))


def test_clear_deletes_both_sides_of_the_chat_at_once_and_only_the_answer_stays(ana, app, fake):
    ana.writes("/start")
    ana.presses("2. English")
    ana.presses("1. Yes")
    ana.presses("1. Public official")
    writes_with_id(ana, "sos", 9001)
    assert "SOS: emergency numbers" in ana.last().params["text"]
    sent_before = fake.in_chat(CHAT)
    assert len(sent_before) >= 5

    answer = writes_with_id(ana, "clear", 9002)

    assert "Done: I deleted the messages of this chat" in answer
    assert set(deleted(fake)) == {*sent_before, 9001, 9002}, "Senda's and the person's messages"
    left = fake.in_chat(CHAT)
    assert len(left) == 1 and "Should Senda delete every message here" in ana.last().params["text"]
    assert written_ids(app.extensions["senda"]) == 0, "the ids are not kept once deleted"
    # Said again, CLEAR deletes only what came since.
    writes_with_id(ana, "limpiar", 9003)
    assert fake.calls_to("deleteMessages")[-1].params["message_ids"] == [left[0], 9003]


def test_a_tidy_chat_is_deleted_after_the_hours_set_and_not_before(ana, app, fake):
    answer = migrant_onboarding(ana, "1. Yes, delete them by itself")
    assert "Senda deletes every message of this chat 24 hours after it was sent." in answer
    writes_with_id(ana, "services", 9101)
    service = app.extensions["senda"]
    old = fake.in_chat(CHAT)

    assert tidy_due(service) == 0, "nothing is 24 hours old yet"
    assert deleted(fake) == []

    move_the_clock(service, hours=25)
    writes_with_id(ana, "menu", 9102)  # new: stays
    new = [i for i in fake.in_chat(CHAT) if i not in old]

    assert tidy_due(service) > 0
    assert set(deleted(fake)) == {*old, 9101}
    assert fake.in_chat(CHAT) == new
    assert tidy_due(service) == 0, "nothing is deleted twice"


def test_a_chat_not_tidy_is_left_alone_by_the_job(ana, app, fake):
    migrant_onboarding(ana, "2. No, keep them")
    service = app.extensions["senda"]
    move_the_clock(service, hours=25)
    assert tidy_due(service) == 0
    assert deleted(fake) == []


def test_the_hours_are_set_by_senda_tidy_hours(app_config, fake):
    app = telegram_app(app_config, fake, SENDA_TIDY_HOURS="2")
    try:
        ana = TelegramPerson(app.test_client(), fake, chat_id=CHAT)
        answer = migrant_onboarding(ana, "1. Yes")
        assert "2 hours after it was sent" in answer
        service = app.extensions["senda"]
        move_the_clock(service, hours=3)
        tidy_due(service)
        assert deleted(fake) and fake.in_chat(CHAT) == []
    finally:
        app.extensions["senda"].close()


@pytest.mark.parametrize("hours", ["0", "48", "100"])
def test_tidy_hours_outside_telegrams_window_are_refused_at_start(hours):
    with pytest.raises(ValueError, match="SENDA_TIDY_HOURS"):
        Settings.load({"SENDA_TIDY_HOURS": hours}, {"instance_path": "/tmp"})


def test_a_deletion_telegram_refuses_never_holds_back_the_answer(ana, fake):
    ana.writes("/start")
    ana.presses("2. English")
    fake.fail_next("server", times=5, method="deleteMessages")
    answer = ana.writes("clear")
    assert "Done: I deleted" in answer
    assert fake.calls_to("deleteMessages")[0].failed == "server"
    assert "Who are you?" in ana.writes("yes"), "the conversation goes on where it was"


def test_the_ids_of_what_the_person_wrote_go_with_the_erase_word(ana, app):
    ana.writes("/start")
    ana.presses("2. English")
    ana.presses("1. Yes")
    ana.presses("1. Public official")
    ana.writes("sos")
    ana.writes("progress")
    service = app.extensions["senda"]
    assert written_ids(service) == 2
    ana.writes("delete")
    assert written_ids(service) == 0
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 0


def test_the_privacy_screen_turns_tidy_on_and_off(ana, app):
    ana.writes("/start")
    ana.presses("2. English")
    ana.presses("1. Yes")
    ana.presses("1. Public official")
    screen = ana.presses(next(label for label, _ in ana.buttons() if "My privacy" in label))
    assert "Messages stay in this chat until you delete them." in screen
    assert "Senda deletes every message" in ana.presses("2. Delete by itself after 24 hours")
    with app.extensions["senda"].sessions() as session:
        assert session.scalar(select(Learner.tidy_chat)) is True
    assert "stay in this chat" in ana.presses("2. Stop deleting by itself")


def test_before_consent_nothing_the_person_wrote_is_kept(ana, app):
    ana.writes("/start")
    ana.presses("2. English")
    assert written_ids(app.extensions["senda"]) == 0


CLEAR_ELSEWHERE = [
    ("hi", ["Choose your language"]),
    ("2", ["whoever takes it can read it: write CLEAR at any moment", "Do you agree?"]),
    ("yes", ["Who are you?"]),
    ("3", ["Menu"]),
]


def test_where_senda_cannot_delete_clear_says_how_to_delete_the_conversation(engine):
    person = Person(engine)
    run_transcript(
        person,
        [
            *CLEAR_ELSEWHERE,
            ("clear", ["Senda cannot delete text messages", "Write MENU to go on."]),
            ("help", ["CLEAR: how to delete this chat from your phone"]),
        ],
    )


def test_on_whatsapp_clear_says_how_to_clear_archive_or_lock_the_chat(app_config):
    with FakeTwilio() as twilio:
        app = create_app({**app_config, **twilio_settings(twilio.base_url)})
        try:
            person = TwilioPerson(app.test_client(), twilio)
            person.writes("hola")
            person.writes("1")
            person.writes("1")
            person.writes("3")
            answer = person.writes("limpiar")
            assert "Senda no puede borrar mensajes de WhatsApp" in answer
            assert "Vaciar chat" in answer and "archivar" in answer
        finally:
            app.extensions["senda"].close()


def test_words_past_the_offer_go_where_the_menu_would_take_them(ana, app):
    ana.writes("/start")
    ana.presses("2. English")
    ana.presses("1. Yes")
    ana.presses("3. Migrant")
    assert "Choose a region to get its alerts" in ana.writes("alerts for my region")
    with app.extensions["senda"].sessions() as session:
        assert session.scalar(select(Learner.tidy_chat)) is False
