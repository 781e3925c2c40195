"""Worker leases: a dead worker's claimed pushes go back within seconds; a live worker's stay
its own, whatever the clocks say; a clean stop hands them over at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.delivery import broadcasts
from bot.delivery.leases import KEY, Lease
from bot.service import Service
from storage.models import Learner, OutboxMessage, WorkerLease, utcnow
from tests.fakes.relay import Relay
from tests.learners import make_learners
from webhooks import create_app

LEASE = 1.5  # seconds: short, so that a lapse shows in a test's time


def make_service(config: dict[str, str], **extra: str) -> Service:
    return create_app({**config, "SENDA_LEASE_SECONDS": str(LEASE), **extra}).extensions["senda"]


@pytest.fixture(params=["database", "redis"])
def leased(request, app_config, redis_url) -> Iterator[Service]:
    """A service whose leases are held in the database (no Redis), or in Redis when the run
    has one."""
    if request.param == "redis" and not redis_url:
        pytest.skip("no TEST_REDIS_URL: leases in Redis are tested with PostgreSQL and Redis")
    service = make_service(app_config, REDIS_URL=redis_url if request.param == "redis" else "")
    yield service
    service.close()


def claimed_rows(service: Service, count: int, worker: str | None, ago: float = 0) -> list[int]:
    """Push rows in state "sending", as a worker leaves them mid-batch."""
    make_learners(service, count, "telegram")
    with service.sessions.begin() as session:
        add_pushes(session, state="sending", claimed_by=worker)
        session.execute(update(OutboxMessage).values(claimed_at=utcnow() - timedelta(seconds=ago)))
        return list(session.scalars(select(OutboxMessage.id)))


def add_pushes(session: Session, **values: object) -> None:
    """One push to every learner."""
    for learner_id in session.scalars(select(Learner.id)):
        session.add(
            OutboxMessage(
                learner_id=learner_id, channel="telegram", kind="push", text="Aviso", **values
            )
        )


def states(service: Service) -> set[str]:
    with service.sessions() as session:
        return set(session.scalars(select(OutboxMessage.state)))


def wait_until(condition, seconds: float) -> float:
    """Wait for a condition; the seconds it took (fails after `seconds`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "not within the time"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_dead_workers_pushes_go_back_once_its_lease_lapses(leased):
    dead = Lease(leased)
    dead.renew()  # took its lease, claimed, and was killed: nobody renews it again
    died = time.monotonic()
    claimed_rows(leased, 5, dead.worker_id)
    live = Lease(leased)
    live.start()
    try:
        wait_until(lambda: "sending" not in states(leased), LEASE + 5)
        waited = time.monotonic() - died
    finally:
        live.stop()
    assert waited >= LEASE * 0.9, f"given back after {waited:.1f} s: before the lease lapsed"
    assert states(leased) == {"pending"}
    with leased.sessions() as session:
        assert session.scalar(select(WorkerLease.worker_id)) is None, "the dead lease is gone"


def test_a_live_lease_holds_though_the_clock_jumps_a_minute(app_config):
    """Leases in the database are judged by a renewal count that must stop moving, never by
    times: a worker whose clock fell back a minute (or an observer whose clock went a minute
    ahead) frees nothing."""
    service = make_service(app_config, REDIS_URL="")
    alive, watcher = Lease(service), Lease(service)
    try:
        alive.start()
        claimed_rows(service, 3, alive.worker_id, ago=60)
        minute = timedelta(minutes=1)
        watcher.start()
        # The minute sweep, its clock a minute ahead: the rows are a worker's, on its lease.
        assert broadcasts.reap_stale_claims(service, now=utcnow() + minute) == 0
        until = time.monotonic() + LEASE * 3
        while time.monotonic() < until:  # the renewals as the clock a minute behind writes them
            with service.sessions.begin() as session:
                session.execute(update(WorkerLease).values(renewed_at=utcnow() - minute))
            time.sleep(0.1)
        assert states(service) == {"sending"}, "a live worker's pushes were taken from it"
        with service.sessions() as session:
            assert session.scalar(select(WorkerLease.beats).filter_by(worker_id=alive.worker_id))
    finally:
        watcher.stop()
        alive.stop()
        service.close()


def test_a_clean_stop_hands_over_what_the_worker_holds_at_once(leased, redis_url):
    worker = Lease(leased)
    worker.start()
    claimed_rows(leased, 4, worker.worker_id)
    worker.stop()
    assert states(leased) == {"pending"}
    with leased.sessions() as session:
        assert session.scalar(select(WorkerLease.worker_id)) is None
    if leased.settings.redis_url:
        assert not redis.Redis.from_url(redis_url).exists(KEY + worker.worker_id)


def test_rows_claimed_without_a_lease_keep_the_claim_timeout(leased):
    claimed_rows(leased, 2, None)  # claimed before leases, or by a command
    live = Lease(leased)
    live.start()
    try:
        time.sleep(LEASE * 2)
        assert states(leased) == {"sending"}
    finally:
        live.stop()
    timeout = timedelta(seconds=leased.settings.claim_timeout + 1)
    assert broadcasts.reap_stale_claims(leased, now=utcnow() + timeout) == 2


def test_redis_going_away_moves_the_lease_to_the_database_and_health_says_so(
    app_config, redis_url, caplog
):
    if not redis_url:
        pytest.skip("no TEST_REDIS_URL: Redis going away is tested with PostgreSQL and Redis")
    address = urlsplit(redis_url)
    with Relay((address.hostname or "127.0.0.1", address.port or 6379)) as relay:
        through = f"redis://127.0.0.1:{relay.port}{address.path}"
        app = create_app({**app_config, "REDIS_URL": through, "SENDA_LEASE_SECONDS": str(LEASE)})
        service = app.extensions["senda"]
        worker = Lease(service)
        try:
            worker.start()
            assert worker.held_in == "redis"
            assert app.test_client().get("/healthz").get_json()["leases"] == "redis"
            with caplog.at_level(logging.WARNING, logger="bot.delivery.leases"):
                relay.cut()
                wait_until(lambda: worker.held_in == "database", LEASE * 2)
                time.sleep(LEASE * 2)  # several renewals in the database
            with service.sessions() as session:
                beats = session.scalar(select(WorkerLease.beats))
            assert beats is not None and beats >= 2, "renewed in the database"
            said = [r for r in caplog.records if "held in the database" in r.getMessage()]
            assert len(said) == 1, "said once"
            body = app.test_client().get("/healthz").get_json()
            assert body["redis"] == "unavailable" and body["leases"] == "database"
        finally:
            worker.stop()
            service.close()


def test_claims_take_about_two_seconds_of_the_channels_rate(app_config):
    service = make_service(
        app_config, SENDA_TELEGRAM_RATE="30", SENDA_SMS_RATE="1", SENDA_WHATSAPP_RATE="0"
    )
    try:
        sizes = broadcasts.claim_sizes(service)
        assert sizes["telegram"] == 60  # 2 s at 30 a second
        assert sizes["sms"] == broadcasts.SEND_THREADS  # at 1 a second: still every thread busy
        assert sizes["whatsapp"] == broadcasts.SEND_BATCH  # no limit: the most a claim takes
        make_learners(service, 100, "telegram")
        with service.sessions.begin() as session:
            add_pushes(session)
        assert len(broadcasts._claim(service, None)) == 60
    finally:
        service.close()


def test_redis_losing_every_key_at_once_frees_nobody(app_config, redis_url):
    if not redis_url:
        pytest.skip("no TEST_REDIS_URL: leases in Redis are tested with PostgreSQL and Redis")
    service = make_service(app_config)
    alive, watcher = Lease(service), Lease(service)
    try:
        alive.start()
        watcher.start()
        claimed_rows(service, 3, alive.worker_id)
        redis.Redis.from_url(redis_url).flushdb()  # a restart without persistence
        assert watcher.give_back_lapsed() == 0, "a live worker's pushes were taken from it"
        time.sleep(LEASE * 2)
        assert states(service) == {"sending"}
    finally:
        watcher.stop()
        alive.stop()
        service.close()
