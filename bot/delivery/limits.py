"""Channel rate limits, shared by every worker through the `limits` library's storage.

Memory by default (one process); Redis when `REDIS_URL` is set, so that all workers of a
deployment together stay under each channel's limit.

When Redis does not answer, each process falls back to its own memory counters at the same
rates: one worker stays exactly under the limits, several may together pass them for as long as
Redis is away, and the channel's 429 answers are then retried with backoff like any other. Sending
is never blocked on Redis.

A channel's own limit is paced rather than windowed: a moving window of 30 a second lets 30 go at
once and 30 more exactly one second later, and the few milliseconds each takes to reach the
provider then put 31 in one of its seconds (measured: 60 answers 429 in 300 sends). So the second
is cut into slots, and `limits` counts each slot on a key of its own (a fixed window): at most
`per_slot` sends a slot, `slots` slots a second. A send claims the next slot with a turn left and
goes at its start, so any one second holds at most `slots` starts: `per_slot * slots` sends,
one slot's worth under the limit. That slot (1/29 s at Telegram's 30) is the margin for a send
that reaches the provider late. A send on a quiet channel need not wait for a slot's start: it
goes at once and stands in for one at the next slot's start. The slot number comes from each
machine's clock, so workers on several machines need synchronised clocks (NTP) to share the slots
exactly.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 2.0  # seconds before a Redis that does not answer counts as away
REDIS_RETRY = 30.0  # seconds of counting in memory before Redis is tried again
PACED_FROM = 10  # messages a second from which a channel's turns are paced over the second
MOST_SLOTS = 50  # slots a second at most: shorter slots only cost more calls to Redis
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


@dataclass(frozen=True)
class Pace:
    """A channel's turns spread over the second: `per_slot` sends in each of `slots` slots."""

    slots: int
    per_slot: int


def pace_for(per_second: float) -> Pace | None:
    """The pace that stays under a limit in any one second; None for limits too low to pace
    (a window of a few sends has no burst worth spreading)."""
    if per_second < PACED_FROM:
        return None
    per_slot = math.ceil(per_second / MOST_SLOTS)
    # One slot less than the limit allows: the margin for a send that arrives late.
    return Pace(slots=int(per_second // per_slot) - 1, per_slot=per_slot)


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
        local = storage_from_string("memory://")
        shared = local
        if not storage_uri.startswith("memory://"):
            shared = storage_from_string(
                storage_uri,
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
            )
        # (shared, local) limiters of each kind: windows for people, fixed slots for pacing.
        self._windows = (MovingWindowRateLimiter(shared), MovingWindowRateLimiter(local))
        self._slots = (FixedWindowRateLimiter(shared), FixedWindowRateLimiter(local))
        self.shared_storage_failed = False  # whether the last turn fell back to memory
        self._try_shared_at = 0.0  # time.monotonic() after which Redis is tried again
        self._pace: dict[str, tuple[Pace, RateLimitItem]] = {}
        self._channel: dict[str, RateLimitItem] = {}
        for name, rate in rates.per_channel.items():
            if not rate:
                continue  # lifted
            pace = pace_for(rate)
            if pace is None:
                self._channel[name] = _item(rate)
            else:
                # A slot's key is used for one slot only; one second is the shortest expiry.
                self._pace[name] = (pace, RateLimitItemPerSecond(pace.per_slot, 1))
        self._person = {name: _item(rate) for name, rate in rates.per_person.items() if rate}

    def acquire(self, channel: str, person: int | None = None, max_wait: float = MAX_WAIT) -> bool:
        """Block until one more message on this channel (to this person) is allowed.

        Returns False when the wait would pass max_wait: the caller retries later."""
        deadline = time.monotonic() + max_wait
        # The person first: a refused turn then wastes no channel slot.
        checks = (
            [(self._person.get(channel), (channel, "person", str(person)))]
            if person is not None
            else []
        )
        checks.append((self._channel.get(channel), (channel,)))
        for item, keys in checks:
            if item is None:
                continue
            while not self._hit(self._windows, item, keys):
                reset = self._reset_time(item, keys)
                wait = min(max(reset - time.time(), 0.001), 0.05)
                if time.monotonic() + wait > deadline:
                    return False
                time.sleep(wait)
        if channel in self._pace:
            return self._take_slot(channel, *self._pace[channel], deadline)
        return True

    def _take_slot(self, channel: str, pace: Pace, item: RateLimitItem, deadline: float) -> bool:
        """Claim the next slot with a turn left, then wait for its start: every send starts a
        slot, so any 31 sends at 29 a second span 30 slots, a second and a slot.

        A channel with a turn left in the slot under way goes at once instead, and takes a turn
        of the next slot too: that send stands in for one at the next slot's start, so any one
        second still holds no more turns than before. A reply to a quiet channel then leaves
        without waiting up to a slot (1/29 s on Telegram, 1/9 s on SMS)."""
        current = int(time.time() * pace.slots)
        slot = current + 1
        if self._hit(self._slots, item, (channel, "slot", str(current))):
            if self._hit(self._slots, item, (channel, "slot", str(current + 1))):
                return True
            slot = current + 2  # the turn of the slot under way is left unused: one fewer send
        while True:
            start = slot / pace.slots
            if time.monotonic() + (start - time.time()) > deadline:
                return False
            if self._hit(self._slots, item, (channel, "slot", str(slot))):
                time.sleep(max(start - time.time(), 0.0))
                return True
            slot += 1

    def _hit(
        self, limiters: tuple[RateLimiter, RateLimiter], item: RateLimitItem, keys: tuple[str, ...]
    ) -> bool:
        shared, local = limiters
        if self.shared_storage_failed and time.monotonic() < self._try_shared_at:
            return local.hit(item, "senda", *keys)  # no timeout on every single message
        try:
            allowed = shared.hit(item, "senda", *keys)
        except StorageError as error:
            self._fell_back(error)
            return local.hit(item, "senda", *keys)
        self.shared_storage_failed = False
        return allowed

    def _reset_time(self, item: RateLimitItem, keys: tuple[str, ...]) -> float:
        shared, local = self._windows
        limiter = local if self.shared_storage_failed else shared
        try:
            return limiter.get_window_stats(item, "senda", *keys).reset_time
        except StorageError as error:
            self._fell_back(error)
            return local.get_window_stats(item, "senda", *keys).reset_time

    def _fell_back(self, error: StorageError) -> None:
        if not self.shared_storage_failed:
            cause = type(error.storage_error).__name__
            log.warning("rate limits: Redis unavailable (%s), counting in this process", cause)
        self.shared_storage_failed = True
        self._try_shared_at = time.monotonic() + REDIS_RETRY
