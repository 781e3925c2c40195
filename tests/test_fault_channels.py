"""A channel's API failing for a while (500, 429, no answer): replies wait with backoff, nobody
gets a message twice, and nothing hammers the API in a tight loop.

Time is simulated the way the worker sees it: its sweep runs over and over during the fault (it
must send nothing before a row's time), then each row's time is moved to now, as if the backoff
had passed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from bot.delivery import broadcasts
from bot.delivery.jobs import sweep
from bot.delivery.outbox import MAX_ATTEMPTS
from bot.messages import Outbound
from storage.models import Learner, OutboxMessage, utcnow
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
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

FAULT_WINDOW = 1.5  # seconds of sweeping while the API keeps failing
SEND_TIMEOUT = 0.5  # seconds the service waits for an API that does not answer


@dataclass(frozen=True)
class Fault:
    """One way a channel's API misbehaves, and the requests one send attempt makes under it."""

    channel: str  # telegram | whatsapp
    kind: str  # the fake's failure kind
    requests_per_attempt: int
    retry_after: int = 1
    expected_wait: float = 2.0  # the least seconds before the first retry


FAULTS = {
    # PTB's RetryAfter: longer than the inline limit, so the retry waits for the worker.
    "telegram 429 retry_after=5": Fault("telegram", "flood", 1, retry_after=5, expected_wait=5),
    # 500 and time-outs: tried once more at once inside the request, then later.
    "telegram 500": Fault("telegram", "server", 2),
    "telegram no answer": Fault("telegram", "hang", 2),
    "twilio 429 (20429)": Fault("whatsapp", "rate", 1, expected_wait=5),
    "twilio 500 (20500)": Fault("whatsapp", "server", 1, expected_wait=5),
    "twilio no answer": Fault("whatsapp", "hang", 1),
}
FIRST_WORDS = {"telegram": "/start", "whatsapp": "hola"}
FIRST_ANSWER = {"telegram": "Choose your language", "whatsapp": "Elige tu idioma"}


@pytest.fixture
def fakes():
    with FakeTelegram(token=TOKEN) as telegram, FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        telegram.hang_seconds = twilio.hang_seconds = SEND_TIMEOUT + 2  # then hangs up
        yield {"telegram": telegram, "whatsapp": twilio}


@pytest.fixture
def app(app_config, fakes):
    app = create_app(
        {
            **app_config,
            "PUBLIC_URL": PUBLIC_URL,
            "SENDA_SEND_TIMEOUT": str(SEND_TIMEOUT),
            **telegram_settings(fakes["telegram"].base_url),
            **twilio_settings(fakes["whatsapp"].base_url),
        }
    )
    yield app
    app.extensions["senda"].close()


class Channel:
    """One person on one channel, and what the fake API recorded for them."""

    def __init__(self, app, fakes, name: str) -> None:
        self.name = name
        self.fake = fakes[name]
        client = app.test_client()
        if name == "telegram":
            self.person = TelegramPerson(client, self.fake)
        else:
            self.person = TwilioPerson(client, self.fake)

    def attempts(self) -> int:
        """Message sends the API received, failed or not."""
        if self.name == "telegram":
            return len(self.fake.calls_to("sendMessage"))
        return len([r for r in self.fake.requests if r.path.endswith("/Messages.json")])

    def delivered(self) -> list[str]:
        """Texts the API accepted."""
        if self.name == "telegram":
            return self.fake.sent_texts()
        return self.fake.bodies()

    def fail(self, fault: Fault, times: int) -> None:
        """Make the API fail this way for the next sends."""
        if self.name == "telegram":
            self.fake.fail_next(fault.kind, times=times, retry_after=fault.retry_after)
        else:
            self.fake.fail_next(fault.kind, times=times)

    def writes_first_words(self):
        """The person's first message; the webhook's response."""
        if self.name == "telegram":
            return self.person.post(text_update(self.person.chat_id, FIRST_WORDS["telegram"]))
        return self.person.post(message_form(self.person.sender, FIRST_WORDS["whatsapp"]))


def pending_rows(service) -> list[OutboxMessage]:
    with service.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending")))


def time_passes(service) -> None:
    """Every waiting row's time has come."""
    with service.sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == "pending")
            .values(next_attempt_at=utcnow())
        )


def sweep_for(service, seconds: float) -> None:
    """The worker's sweep, again and again (far more often than its real once a minute)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sweep(service)
        time.sleep(0.02)


@pytest.mark.parametrize("label", FAULTS)
def test_a_failing_api_gets_backoff_not_a_tight_loop_and_the_reply_arrives_once(
    app, fakes, service, label
):
    fault = FAULTS[label]
    channel = Channel(app, fakes, fault.channel)
    channel.fail(fault, times=1000)
    started = time.monotonic()
    response = channel.writes_first_words()
    assert response.status_code == 200, "the webhook is answered even when the reply cannot go"
    # Each try gives up after SEND_TIMEOUT, long before an API that does not answer hangs up.
    hangs_up = SEND_TIMEOUT + 2
    assert time.monotonic() - started < 2 * hangs_up, "the webhook did not hang"
    assert channel.attempts() == fault.requests_per_attempt
    (row,) = pending_rows(service)
    first_wait = (row.next_attempt_at - utcnow()).total_seconds()
    assert first_wait >= fault.expected_wait - 1.5

    # Sweep until shortly before the row's time (a loaded machine may already be near it).
    until_due = (row.next_attempt_at - utcnow()).total_seconds()
    sweep_for(service, min(FAULT_WINDOW, until_due - 0.3))
    assert channel.attempts() == fault.requests_per_attempt, "nothing before the row's time"

    waits = []
    for attempt in (2, 3):
        time_passes(service)
        sweep(service)
        assert channel.attempts() == attempt * fault.requests_per_attempt
        (row,) = pending_rows(service)
        assert row.attempts == attempt
        waits.append((row.next_attempt_at - utcnow()).total_seconds())
    assert waits[1] >= waits[0] >= fault.expected_wait - 1.5, "the waits grow (backoff)"

    channel.fake.clear_failures()
    time_passes(service)
    sweep(service)
    sweep_for(service, 0.2)
    delivered = [text for text in channel.delivered() if FIRST_ANSWER[fault.channel] in text]
    assert len(delivered) == 1, "the reply arrives, once"
    assert pending_rows(service) == []
    assert channel.attempts() == 3 * fault.requests_per_attempt + 1, "no stray resend"


@pytest.mark.parametrize("channel_name", ["telegram", "whatsapp"])
def test_an_api_that_keeps_failing_is_given_up_on_after_max_attempts(
    app, fakes, service, channel_name
):
    fault = FAULTS["telegram 500" if channel_name == "telegram" else "twilio 429 (20429)"]
    channel = Channel(app, fakes, channel_name)
    channel.fail(fault, times=1000)
    assert channel.writes_first_words().status_code == 200
    for _ in range(2 * MAX_ATTEMPTS):  # far more chances than it may take
        time_passes(service)
        sweep(service)
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.reason.startswith("gave up")
    assert channel.attempts() == MAX_ATTEMPTS * fault.requests_per_attempt
    assert channel.delivered() == []


@pytest.mark.parametrize("channel_name", ["telegram", "whatsapp"])
def test_pushes_under_429_wait_their_turn_and_go_once(app, fakes, service, channel_name):
    channel = Channel(app, fakes, channel_name)
    assert channel.writes_first_words().status_code == 200
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        service.outbox.enqueue(session, learner, [Outbound("Aviso: a new module")], kind="push")
    before = channel.attempts()
    fault = FAULTS[
        "telegram 429 retry_after=5" if channel_name == "telegram" else "twilio 429 (20429)"
    ]
    channel.fail(fault, times=1000)

    deadline = time.monotonic() + FAULT_WINDOW
    while time.monotonic() < deadline:
        broadcasts.send_pushes(service)
        time.sleep(0.02)
    assert channel.attempts() == before + 1, "one try, then a wait: no tight loop"

    time_passes(service)
    broadcasts.send_pushes(service)
    assert channel.attempts() == before + 2
    channel.fake.clear_failures()
    time_passes(service)
    broadcasts.send_pushes(service)
    assert [t for t in channel.delivered() if "Aviso: a new module" in t] == ["Aviso: a new module"]
    assert pending_rows(service) == []
