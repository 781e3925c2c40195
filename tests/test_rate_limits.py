"""Channel limits: two workers sharing one store never pass the limit together."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from bot.delivery.limits import ChannelLimits, Rates, pace_for
from tests.conftest import REDIS_URL
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson
from webhooks import create_app

STORES = ["memory"] + (["redis"] if REDIS_URL else [])


def turns_taken(store: str, per_second: int, threads: int, each: int) -> list[float]:
    """Threads of two limiters (two worker processes, sharing only Redis) or of one (memory)
    take `each` turns of a channel; when each turn came, in order."""
    channel = f"telegram-{uuid.uuid4().hex[:6]}"  # a key no earlier run has counted
    rates = Rates(per_channel={channel: per_second}, per_person={channel: 1})
    if store == "redis":
        workers = [ChannelLimits(REDIS_URL, rates), ChannelLimits(REDIS_URL, rates)]
    else:
        workers = [ChannelLimits("memory://", rates)] * 2
    stamps: list[float] = []
    lock = threading.Lock()

    def work(limits: ChannelLimits) -> None:
        for _ in range(each):
            assert limits.acquire(channel)
            with lock:
                stamps.append(time.monotonic())

    started = [threading.Thread(target=work, args=(workers[n % 2],)) for n in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(30)
    assert len(stamps) == threads * each
    return sorted(stamps)


@pytest.mark.parametrize("store", STORES)
def test_two_workers_together_stay_within_the_channel_limit(store):
    stamps = turns_taken(store, per_second=10, threads=2, each=15)
    # Any 11 consecutive sends span at least one second.
    # (0.9 s: a thread may be paused between its turn and noting the time.)
    assert all(stamps[i + 10] - stamps[i] >= 0.9 for i in range(len(stamps) - 10))


@pytest.mark.parametrize("store", STORES)
def test_a_channel_s_turns_are_spread_over_the_second_not_sent_in_bursts(store):
    """Telegram at 30 a second: a provider counting any second of arrivals never sees more
    than 30, even when a few arrive late, because turns come about 1/29 s apart instead of 30
    at once and 30 more exactly a second later."""
    stamps = turns_taken(store, per_second=30, threads=4, each=30)
    # Any 31 turns span more than a second (30 slots of 1/29 s)...
    assert all(stamps[i + 30] - stamps[i] >= 0.95 for i in range(len(stamps) - 30))
    # ... and no tenth of a second holds a burst: at most 4 turns (3.9 slots, give or take a
    # thread paused between its turn and noting the time). A moving window let 30 go at once.
    assert all(stamps[i + 6] - stamps[i] >= 0.1 for i in range(len(stamps) - 6))


@pytest.mark.parametrize("store", STORES)
def test_a_quiet_channel_sends_at_once_instead_of_at_the_next_slot(store):
    """A reply on a channel with nothing else going waits for no slot: at SMS's 10 a second a
    slot is 1/9 s, which every reply used to wait for, to its end."""
    slots = pace_for(10).slots

    def turn_came_in_the_slot_asked_in() -> bool:
        channel = f"sms-{uuid.uuid4().hex[:6]}"  # nothing else going on it
        rates = Rates(per_channel={channel: 10}, per_person={channel: 1})
        limits = ChannelLimits(REDIS_URL if store == "redis" else "memory://", rates)
        # Ask just after a slot has begun, so that nearly all of its 111 ms are left.
        time.sleep((int(time.time() * slots) + 1) / slots - time.time() + 0.005)
        asked = time.time()
        assert limits.acquire(channel)
        return int(time.time() * slots) == int(asked * slots)

    # Waiting for the next slot fails every time; a machine that stalls for a slot's length
    # just then may fail once.
    assert any(turn_came_in_the_slot_asked_in() for _ in range(3)), "it waited for the next slot"


@pytest.mark.parametrize(
    ("limit", "sends_a_second"),
    [(10, 9), (30, 29), (80, 78), (200, 196)],  # SMS, Telegram, WhatsApp, the scale-out test
)
def test_a_pace_stays_one_slot_under_the_limit(limit, sends_a_second):
    pace = pace_for(limit)
    assert pace is not None
    assert pace.slots * pace.per_slot == sends_a_second  # what the README promises
    assert pace.per_slot * (pace.slots + 1) <= limit  # a second and a slot still fit


def test_a_low_limit_is_not_paced():
    assert pace_for(5) is None  # a window of five has no burst worth spreading


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
