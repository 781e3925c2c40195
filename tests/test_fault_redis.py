"""Redis away (REDIS_URL pointing at a closed port): /healthz says so, replies still go out, rate
limits count in each process instead, and workers hold their leases in the database."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, update

from bot.delivery import broadcasts
from bot.delivery.jobs import sweep
from bot.delivery.leases import Lease
from bot.messages import Outbound
from storage.models import Learner, OutboxMessage, utcnow
from tests.fakes.telegram import FakeTelegram
from tests.servers import free_port
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson
from webhooks import create_app


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def app(app_config, fake):
    closed = free_port()  # nothing listens there
    app = create_app(
        {
            **app_config,
            "REDIS_URL": f"redis://127.0.0.1:{closed}/0",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
        }
    )
    yield app
    app.extensions["senda"].close()


def test_health_says_redis_is_away_but_the_service_still_answers(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200, "replies still work: no reason to take the web out"
    assert response.get_json() == {
        "status": "degraded",
        "database": "ok",
        "redis": "unavailable",
        "leases": "database",
    }


def test_a_worker_holds_its_lease_in_the_database_and_says_so_once(app, service, caplog):
    lease = Lease(service)
    with caplog.at_level(logging.WARNING, logger="bot.delivery.leases"):
        lease.start()
        try:
            for _ in range(3):
                lease.renew()
        finally:
            lease.stop()
    assert lease.held_in == "database"
    said = [r.getMessage() for r in caplog.records if "held in the database" in r.getMessage()]
    assert said == [
        "leases: Redis unavailable (ConnectionError); the lease is held in the database"
    ]


def test_replies_go_out_and_a_failed_one_waits_for_the_sweep(app, fake, service, caplog):
    ana = TelegramPerson(app.test_client(), fake)
    assert "Choose your language" in ana.writes("/start")

    fake.fail_next("server", times=2)  # the reply fails twice: it must be retried later
    with caplog.at_level(logging.WARNING):
        assert ana.writes("2") == ""
    assert any("could not schedule a retry" in r.getMessage() for r in caplog.records)
    with service.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert sweep(service) == 1
    assert "Do you agree?" in ana.last().params["text"]


def test_pushes_go_out_under_rate_limits_counted_in_memory(app, fake, service, caplog):
    ana = TelegramPerson(app.test_client(), fake)
    ana.writes("/start")
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        service.outbox.enqueue(session, learner, [Outbound(f"Aviso {n}") for n in (1, 2)], "push")
    with caplog.at_level(logging.WARNING):
        assert broadcasts.send_pushes(service) == 2
    assert service.limits.shared_storage_failed
    assert any("counting in this process" in r.getMessage() for r in caplog.records)
    sends = [c for c in ana.messages() if c.params["text"].startswith("Aviso")]
    assert [c.params["text"] for c in sends] == ["Aviso 1", "Aviso 2"]
    # Still one message a second to one person, counted in memory.
    assert sends[1].at - sends[0].at >= 0.9


def test_health_reports_redis_when_it_works_or_is_not_configured(app_config, redis_url):
    app = create_app(app_config)
    try:
        body = app.test_client().get("/healthz").get_json()
    finally:
        app.extensions["senda"].close()
    expected = "ok" if redis_url else "not configured"
    leases = "redis" if redis_url else "database"
    assert body == {"status": "ok", "database": "ok", "redis": expected, "leases": leases}
