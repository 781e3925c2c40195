"""Channel limits: two workers sharing one store never pass the limit together."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from bot.delivery.limits import ChannelLimits, Rates
from tests.conftest import REDIS_URL

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
