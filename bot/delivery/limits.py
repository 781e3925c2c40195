"""Channel rate limits, shared by every worker through the `limits` library's storage.

Memory by default (one process); Redis when `REDIS_URL` is set, so that all workers of a
deployment together stay under each channel's limit.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

MAX_WAIT = 30.0  # seconds one push may wait for its turn before giving the turn back
REPLY_MAX_WAIT = 5.0  # a reply waits less: after that a worker sends it when the channel frees


@dataclass(frozen=True)
class Rates:
    """Messages a second: overall per channel, and per person for pushes."""

    per_channel: Mapping[str, float]
    per_person: Mapping[str, float]


DEFAULT_RATES = Rates(
    per_channel={"telegram": 30, "whatsapp": 80, "sms": 10},
    per_person={"telegram": 1, "whatsapp": 1, "sms": 1},
)


def _item(per_second: float) -> RateLimitItemPerSecond:
    # Fractions of a message a second become N messages in a window of several seconds.
    if per_second >= 1:
        return RateLimitItemPerSecond(int(per_second), 1)
    return RateLimitItemPerSecond(1, max(1, round(1 / per_second)))


def rates_from(overrides: Mapping[str, float]) -> Rates:
    """The default rates with the configured ones in their place."""
    per_channel = dict(DEFAULT_RATES.per_channel)
    per_person = dict(DEFAULT_RATES.per_person)
    for name, value in overrides.items():
        if name.endswith("_person"):
            per_person[name.removesuffix("_person")] = value
        else:
            per_channel[name] = value
    return Rates(per_channel, per_person)


class ChannelLimits:
    """Waits, when needed, for a channel's turn to send."""

    def __init__(self, storage_uri: str = "memory://", rates: Rates = DEFAULT_RATES) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._channel = {name: _item(rate) for name, rate in rates.per_channel.items() if rate}
        self._person = {name: _item(rate) for name, rate in rates.per_person.items() if rate}

    def acquire(self, channel: str, person: int | None = None, max_wait: float = MAX_WAIT) -> bool:
        """Block until one more message on this channel (to this person) is allowed.

        Returns False when the wait would pass max_wait: the caller retries later."""
        deadline = time.monotonic() + max_wait
        checks = []
        if person is not None:  # the person first: a refused turn then wastes no channel slot
            checks.append((self._person.get(channel), (channel, "person", str(person))))
        checks.append((self._channel.get(channel), (channel,)))
        for item, keys in checks:
            if item is None:
                continue
            while not self._limiter.hit(item, "senda", *keys):
                reset = self._limiter.get_window_stats(item, "senda", *keys).reset_time
                wait = min(max(reset - time.time(), 0.001), 0.05)
                if time.monotonic() + wait > deadline:
                    return False
                time.sleep(wait)
        return True
