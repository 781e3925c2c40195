"""Worker leases: the pushes a dead worker had claimed go again within seconds, not minutes.

Each `senda worker` process has a random id, and the push rows it claims record it
(`outbox.claimed_by`). It holds a lease that a daemon thread renews every third of
SENDA_LEASE_SECONDS. The same thread looks every second for workers whose lease lapsed, gives
their claimed rows back ("pending", in their old order) and asks for them to be sent at once.

Where a lease is held:
- Redis, when REDIS_URL is set: a key that the Redis server expires after SENDA_LEASE_SECONDS
  unless renewed. Only the server's clock counts, so no worker's clock matters.
- The database otherwise, and while Redis is away: a row of `worker_leases` whose owner adds
  one to its `beats` at each renewal. An observer judges a lapse by the count not moving for
  SENDA_LEASE_SECONDS of its own monotonic clock, never by comparing times written by different
  clocks: a worker's clock jumping a minute (NTP, a suspended VM) then frees nothing, and neither
  does the database server's (on SQLite that is the machine's clock, the very one that jumped).
  The cost: an observer that has just started waits one lease before judging anybody.

Rows claimed without an id (before leases, or by a process that is not a worker, such as a
command) keep the old rule: they go again after SENDA_CLAIM_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING

import redis
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from storage.models import OutboxMessage, WorkerLease, utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

KEY = "senda:lease:"  # + the worker's id
CHECK_EVERY = 1.0  # seconds between two looks for lapsed leases: what a death costs, plus one
REDIS_TIMEOUT = 1.0  # seconds before a Redis that does not answer counts as away
REDIS_RETRY = 30.0  # seconds on the database lease before Redis is tried again


class Lease:
    """This worker's lease, its renewal and its watch over the other workers' leases."""

    def __init__(self, service: Service, worker_id: str | None = None) -> None:
        self.service = service
        self.worker_id = worker_id or secrets.token_hex(8)
        self.seconds = service.settings.lease_seconds
        url = service.settings.redis_url
        self._redis = (
            redis.Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
            )
            if url
            else None
        )
        self.held_in = "redis" if url else "database"
        self._redis_away_until = 0.0  # time.monotonic() before which Redis is not tried
        # Where this worker's lease was written and is still expected: one missing there was
        # taken away by another worker.
        self._held: set[str] = set()
        self._renewed_at = float("-inf")
        # Other workers' database leases: id -> (beats, when this process saw that count first).
        self._seen: dict[str, tuple[int, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False  # whether the last round failed (logged once, not every second)

    def start(self) -> None:
        """Take the lease (before the first claim), then renew it and watch on a thread."""
        self.renew()
        self._thread = threading.Thread(target=self._run, name="lease", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """A clean stop: give back what this worker still holds, then drop the lease."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.seconds)
        try:
            given = give_back(self.service, [self.worker_id])
        except SQLAlchemyError as error:
            log.warning(
                "leases: could not give back this worker's pushes (%s)", type(error).__name__
            )
            return
        if given:
            log.info("leases: %d claimed pushes given back at the stop", given)
        if self._redis is not None:
            with contextlib.suppress(redis.RedisError, OSError):  # else it expires by itself
                self._redis.delete(KEY + self.worker_id)
            self._redis.close()

    def _run(self) -> None:
        tick = min(CHECK_EVERY, self.seconds / 3)
        while not self._stop.wait(tick):
            try:
                if time.monotonic() - self._renewed_at >= self.seconds / 3:
                    self.renew()
                self.give_back_lapsed()
            except SQLAlchemyError as error:  # the database away: try again next tick
                if not self._failing:
                    log.warning("leases: the database does not answer (%s)", type(error).__name__)
                self._failing = True
            except Exception:  # anything else: a heartbeat that stopped would lose the lease
                log.exception("leases: the heartbeat failed; it goes on")
            else:
                self._failing = False

    def renew(self) -> None:
        """Renew the lease: in Redis when it answers, else in the database (said once)."""
        now = time.monotonic()
        if self._redis is not None and now >= self._redis_away_until:
            try:
                self._renew_in_redis()
            except (redis.RedisError, OSError) as error:
                self._redis_away_until = now + REDIS_RETRY
                self._held.discard("redis")  # the key expires meanwhile
                if self.held_in == "redis":
                    log.warning(
                        "leases: Redis unavailable (%s); the lease is held in the database",
                        type(error).__name__,
                    )
                self.held_in = "database"
            else:
                if self.held_in == "database":
                    log.info("leases: Redis answers again; the lease is held there")
                    self._drop_database_lease()  # after the key exists: never without a lease
                    self._held.discard("database")
                self.held_in = "redis"
                self._renewed_at = now
                return
        self._renew_in_database()
        self._renewed_at = now

    def _renew_in_redis(self) -> None:
        assert self._redis is not None
        key, ttl = KEY + self.worker_id, int(self.seconds * 1000)
        if not self._redis.set(key, "1", px=ttl, xx=True):
            self._lost_if_held("redis")
            self._redis.set(key, "1", px=ttl)
        self._held.add("redis")

    def _renew_in_database(self) -> None:
        table = WorkerLease.__table__
        with self.service.database.begin() as connection:
            renewed = connection.execute(
                update(table)
                .where(table.c.worker_id == self.worker_id)
                .values(beats=table.c.beats + 1, renewed_at=utcnow())
            )
            if not renewed.rowcount:
                self._lost_if_held("database")
                connection.execute(
                    insert(table).values(worker_id=self.worker_id, beats=0, renewed_at=utcnow())
                )
        self._held.add("database")

    def _lost_if_held(self, store: str) -> None:
        if store in self._held:
            # Another worker judged this one dead (a stall longer than the lease), or Redis lost
            # its keys: what it had claimed may be sent twice. Lengthen SENDA_LEASE_SECONDS if
            # this recurs.
            log.warning("leases: this worker's lease was gone; it is taken again")

    def _drop_database_lease(self) -> None:
        with self.service.database.begin() as connection:
            connection.execute(delete(WorkerLease).where(WorkerLease.worker_id == self.worker_id))

    def give_back_lapsed(self) -> int:
        """Give back the pushes of workers whose lease lapsed, and have them sent; how many."""
        with self.service.sessions() as session:
            claimers = set(
                session.scalars(
                    select(OutboxMessage.claimed_by)
                    .where(OutboxMessage.state == "sending", OutboxMessage.claimed_by.is_not(None))
                    .distinct()
                )
            )
            leases = dict(session.execute(select(WorkerLease.worker_id, WorkerLease.beats)).all())
        claimers.discard(self.worker_id)
        leases.pop(self.worker_id, None)
        in_redis = self._alive_in_redis(claimers | set(leases))
        now = time.monotonic()
        lapsed = set()
        for worker_id, beats in leases.items():
            seen = self._seen.get(worker_id)
            if seen is None or seen[0] != beats:
                self._seen[worker_id] = (beats, now)
            elif now - seen[1] >= self.seconds and worker_id not in (in_redis or ()):
                lapsed.add(worker_id)
        self._seen = {w: seen for w, seen in self._seen.items() if w in leases}
        if in_redis is not None:
            # A claimer with no lease anywhere: its key expired (the Redis server counted the
            # lease), or its row went with a clean stop. Not judged while Redis is away: its
            # lease may be there, and it may still be sending.
            lapsed |= {w for w in claimers - set(leases) if w not in in_redis}
        if not lapsed:
            return 0
        given = give_back(self.service, lapsed, wait=False)
        log.warning(
            "leases: %d worker lease(s) lapsed; %d claimed pushes go again", len(lapsed), given
        )
        return given

    def _alive_in_redis(self, worker_ids: Collection[str]) -> set[str] | None:
        """Which of these workers hold a key in Redis; all none without Redis; None when Redis
        is configured but does not answer, or lost its keys (nothing known)."""
        if self._redis is None:
            return set()
        if time.monotonic() < self._redis_away_until:
            return None
        ids = list(worker_ids)
        if not ids:
            return set()
        mine = self.held_in == "redis"  # then this worker's own key must be there too
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for worker_id in [*ids, self.worker_id] if mine else ids:
                    pipe.exists(KEY + worker_id)
                found = pipe.execute()
        except (redis.RedisError, OSError):
            return None
        if mine and not found.pop():
            # Redis restarted empty (or was flushed): every key went at once, live workers'
            # too. Judge nobody until the owners have renewed theirs.
            return None
        return {worker_id for worker_id, exists in zip(ids, found, strict=True) if exists}


def give_back(service: Service, worker_ids: Collection[str], wait: bool = True) -> int:
    """Give the "sending" rows of these workers back to "pending", drop their database leases,
    and ask a worker to send them at once (without `wait`, from a thread of its own); the number
    of rows."""
    owned = (OutboxMessage.state == "sending") & OutboxMessage.claimed_by.in_(list(worker_ids))
    with service.sessions.begin() as session:
        broadcast_ids = set(
            session.scalars(select(OutboxMessage.broadcast_id).where(owned).distinct())
        )
        given = session.execute(
            update(OutboxMessage)
            .where(owned)
            .values(state="pending", claimed_at=None, claimed_by=None)
        ).rowcount
        session.execute(delete(WorkerLease).where(WorkerLease.worker_id.in_(list(worker_ids))))
    if given and wait:
        _queue_sending(service, broadcast_ids)
    elif given:
        # The queue's Redis may hang where a partition drops packets: never the heartbeat's
        # thread, which would stop renewing this worker's own lease.
        threading.Thread(
            target=_queue_sending, args=(service, broadcast_ids), name="resend", daemon=True
        ).start()
    return given or 0


def _queue_sending(service: Service, broadcast_ids: Collection[int | None]) -> None:
    if service.jobs is None:
        return
    try:
        for broadcast_id in broadcast_ids:
            if broadcast_id is None:  # reminders and reviews: the sweep sends them
                service.jobs.send_due_messages()
            else:
                service.jobs.send_broadcast(broadcast_id)
    except Exception:  # the queue away (Redis): the minute sweep sends them once it is back
        log.warning("leases: could not queue the resend; the minute sweep will send them")


def holders(service: Service) -> set[str]:
    """The ids of the workers holding a lease now, in the database or in Redis."""
    with service.sessions() as session:
        ids = set(session.scalars(select(WorkerLease.worker_id)))
    if service.settings.redis_url:
        client = redis.Redis.from_url(
            service.settings.redis_url, socket_timeout=REDIS_TIMEOUT, decode_responses=True
        )
        with client:
            ids |= {key.removeprefix(KEY) for key in client.scan_iter(KEY + "*")}
    return ids


def claims(service: Service) -> Counter[str | None]:
    """Rows in state "sending", by the worker that claimed them (None: no worker's)."""
    with service.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.claimed_by, func.count())
            .where(OutboxMessage.state == "sending")
            .group_by(OutboxMessage.claimed_by)
        ).all()
    return Counter(dict(rows))
