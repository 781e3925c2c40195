"""Channel limits: two workers sharing one store never pass the limit together."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from bot.delivery.limits import ChannelLimits, Rates
from tests.conftest import REDIS_URL
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson
from webhooks import create_app

STORES = ["memory"] + (["redis"] if REDIS_URL else [])


@pytest.mark.parametrize("store", STORES)
def test_two_workers_together_stay_within_the_channel_limit(store):
    rates = Rates(per_channel={"telegram": 10}, per_person={"telegram": 1})
    if store == "redis":
        # Two limiters, as two worker processes would have, sharing only Redis.
        channel = f"telegram-{uuid.uuid4().hex[:6]}"
        rates = Rates(per_channel={channel: 10}, per_person={channel: 1})
        workers = [ChannelLimits(REDIS_URL, rates), ChannelLimits(REDIS_URL, rates)]
    else:
        channel = "telegram"
        shared = ChannelLimits("memory://", rates)
        workers = [shared, shared]
    stamps: list[float] = []
    lock = threading.Lock()

    def work(limits: ChannelLimits) -> None:
        for _ in range(15):
            assert limits.acquire(channel)
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(stamps) == 30
    stamps.sort()
    # A moving window: any 11 consecutive sends span at least one second.
    # (0.9 s: a thread may be paused between its turn and noting the time.)
    assert all(stamps[i + 10] - stamps[i] >= 0.9 for i in range(len(stamps) - 10))


def test_one_person_gets_at_most_one_push_a_second():
    limits = ChannelLimits("memory://", Rates(per_channel={}, per_person={"telegram": 1}))
    stamps = []
    for _ in range(3):
        assert limits.acquire("telegram", person=7)
        stamps.append(time.monotonic())
    assert stamps[2] - stamps[0] >= 1.99


def test_replies_count_against_the_channel_limit_pushes_filled(app_config):
    """Pushes took the whole second's turns: a reply waits for the next free turn instead of
    taking the channel over its limit."""
    with FakeTelegram(token=TOKEN) as fake:
        app = create_app(
            {
                **app_config,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "TELEGRAM_API_BASE_URL": fake.base_url,
                "SENDA_TELEGRAM_RATE": "5",
            }
        )
        service = app.extensions["senda"]
        try:
            for person in range(5):  # what a broadcast's sends would have taken
                assert service.limits.acquire("telegram", person=person)
            filled = time.monotonic()
            TelegramPerson(app.test_client(), fake).writes("/start")
            (reply,) = fake.calls_to("sendMessage")
            assert reply.at - filled >= 0.9
        finally:
            service.close()
