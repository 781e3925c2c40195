"""The database restarting mid-traffic: webhooks answer 503 while it is away, so that Telegram and
Twilio deliver again, and the redeliveries are handled exactly once when it is back."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import func, select

from storage.models import ProcessedMessage
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.private_postgres import PrivatePostgres, missing_reason
from tests.telegram_helpers import TOKEN, TelegramPerson, telegram_settings, text_update
from tests.twilio_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    TwilioPerson,
    message_form,
    twilio_settings,
)
from webhooks import create_app

CHAT_ID = 5550123987
PHONE = "+5215598765432"


@pytest.fixture
def postgres():
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def fakes():
    with FakeTelegram(token=TOKEN) as telegram, FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        yield telegram, twilio


@pytest.fixture
def app(app_config, postgres, fakes):
    telegram, twilio = fakes
    app = create_app(
        {
            **app_config,
            "DATABASE_URL": postgres.url,
            "REDIS_URL": "",
            "PUBLIC_URL": PUBLIC_URL,
            **telegram_settings(telegram.base_url),
            **twilio_settings(twilio.base_url),
        }
    )
    # Not TESTING: errors must be handled as in production, not raised into the test.
    yield app
    app.extensions["senda"].close()


def test_a_database_restart_loses_no_message_and_answers_none_twice(app, postgres, fakes, caplog):
    telegram, twilio = fakes
    client = app.test_client()
    ana = TelegramPerson(client, telegram, chat_id=CHAT_ID)
    luis = TwilioPerson(client, twilio, sender=f"whatsapp:{PHONE}")
    started = time.monotonic()

    # Traffic before the fault fills the connection pool with connections that will go stale.
    assert "Choose your language" in ana.writes("/start")
    assert "Elige tu idioma" in luis.writes("hola")
    assert client.get("/healthz").status_code == 200

    postgres.stop()
    outage = time.monotonic()
    to_ana = text_update(CHAT_ID, "2")  # English
    to_luis = message_form(luis.sender, "1")  # Español
    sends_before = (len(ana.messages()), len(twilio.messages()))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        answers = [ana.post(to_ana), luis.post(to_luis), client.get("/healthz")]
    for response in answers:
        assert response.status_code == 503, response.data
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and str(postgres.port) not in body
    assert answers[2].get_json()["database"] == "unavailable"
    assert (len(ana.messages()), len(twilio.messages())) == sends_before, "nothing sent"
    lines = [record.getMessage() for record in caplog.records]
    assert any("database unavailable" in line and "503" in line for line in lines), lines
    for line in lines:
        assert str(CHAT_ID) not in line and PHONE[1:] not in line and len(line) < 200, line
    assert not any(record.exc_info for record in caplog.records), "no traceback in the log"
    down_seconds = time.monotonic() - outage

    postgres.start()
    # Telegram and Twilio deliver the same updates again; a second redelivery changes nothing.
    for _ in range(2):
        assert ana.post(to_ana).status_code == 200
        assert luis.post(to_luis).status_code == 200
    assert client.get("/healthz").status_code == 200

    assert [c.params["text"] for c in ana.messages()[sends_before[0] :]] == [
        ana.last().params["text"]
    ]
    assert "Do you agree?" in ana.last().params["text"]
    new_bodies = twilio.bodies(to=luis.sender)[1:]
    assert len(new_bodies) == 1 and "¿Estás de acuerdo?" in new_bodies[0]
    with app.extensions["senda"].sessions() as session:
        claimed = session.scalar(select(func.count()).select_from(ProcessedMessage))
    assert claimed == 4, "each of the four messages recorded once"
    total = time.monotonic() - started
    print(f"\ndatabase down for {down_seconds:.2f} s; whole scenario {total:.2f} s")
    assert total < 45


def test_messages_arriving_while_the_database_stops_and_starts_all_get_their_answer(
    app, postgres, fakes
):
    telegram, _ = fakes
    people = [TelegramPerson(app.test_client(), telegram, chat_id=CHAT_ID + n) for n in range(3)]
    sent = dict.fromkeys(person.chat_id for person in people)
    statuses: list[int] = []
    enough = threading.Event()

    def talk(person: TelegramPerson) -> None:
        count = 0
        while not enough.is_set():
            update = text_update(person.chat_id, "hola")
            for _attempt in range(400):  # as Telegram does: deliver again until it is taken
                status = person.post(update).status_code
                statuses.append(status)
                if status == 200:
                    count += 1
                    break
                time.sleep(0.05)
        sent[person.chat_id] = count

    started = time.monotonic()
    threads = [threading.Thread(target=talk, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    postgres.stop()
    time.sleep(1.0)
    postgres.start()
    time.sleep(0.3)
    enough.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert set(statuses) <= {200, 503}, "never a 500"
    assert 503 in statuses, "the outage was seen"
    for person in people:
        replies = len(person.messages())
        # Every message answered; a reply sent in the instant the database went away, before
        # its commit, may go a second time on redelivery (an answer twice beats none).
        assert sent[person.chat_id] <= replies <= sent[person.chat_id] + 1, (sent, replies)
    print(
        f"\n{len(statuses)} posts, {statuses.count(503)} answered 503, "
        f"{sum(sent.values())} messages, {time.monotonic() - started:.2f} s"
    )
