"""Learning records: quiz answers and module results reach a learning record store as xAPI 1.0.3
statements, sent by the worker, without ever holding up a reply or naming the person."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.delivery import records as sender
from bot.delivery.jobs import make_jobs
from storage.models import Learner, LearningRecord, utcnow
from tests.conftest import Person, run_transcript
from tests.fakes.lrs import FakeLRS
from webhooks import create_app

PUBLIC_URL = "https://senda.example.org"
ADDRESS = "+5215512345678"
ONBOARDING = [("hi", "Choose"), ("2", "Do you agree?"), ("yes", "Who are you?"), ("1", "Menu")]
# The basics: two of three right (67%, failed), then the missed one retried (100%, passed).
QUIZ_FAILED_THEN_PASSED = [
    ("courses", "1. The basics"),
    ("the basics", "(1/3)"),
    ("next", "(2/3)"),
    ("next", "(3/3)"),
    ("quiz", "Question 1 of 3"),
    ("blue", "✅ Right."),
    ("five", "❌ Not quite."),
    ("yes", ["You got 2 of 3 questions right (67%)", "To pass you need 70%"]),
    ("1", "Question 1 of 1"),
    ("four", ["You got 2 of 3 questions right (67%)", "After the retry: 3 of 3 right."]),
    ("take the quiz again", "Question 1 of 3"),
    ("blue", "✅ Right."),
    ("four", "✅ Right."),
    ("yes", ["You got 3 of 3 questions right (100%)", "You passed"]),
]
# The retry's answer is recorded, and finishes nothing: the attempt was failed, once; the
# second attempt is passed.
VERBS = ["answered"] * 3 + ["completed", "failed", "answered"]
VERBS += ["answered"] * 3 + ["completed", "passed"]
MODULE = f"{PUBLIC_URL}/xapi/courses/demo/modules/basics"


@pytest.fixture
def lrs():
    with FakeLRS() as fake:
        yield fake


def make_app(app_config, lrs: FakeLRS | None, timeout: float = 5.0):
    config = {**app_config, "PUBLIC_URL": PUBLIC_URL}
    if lrs is not None:
        config.update(
            LRS_URL=lrs.url,
            LRS_USERNAME=lrs.username,
            LRS_PASSWORD=lrs.password,
            LRS_TIMEOUT=str(timeout),
        )
    return create_app(config)


@pytest.fixture
def lrs_service(app_config, lrs):
    app = make_app(app_config, lrs)
    yield app.extensions["senda"]
    app.extensions["senda"].close()


def take_the_quiz(service, address: str = ADDRESS) -> Person:
    person = Person(service.engine, address)
    run_transcript(person, [*ONBOARDING, *QUIZ_FAILED_THEN_PASSED])
    return person


def stored(service) -> dict[str, int]:
    with service.sessions() as session:
        rows = session.execute(
            select(LearningRecord.state, func.count()).group_by(LearningRecord.state)
        )
        return dict(rows.all())


def test_a_module_taken_in_the_engine_reaches_the_store(lrs_service, lrs):
    take_the_quiz(lrs_service)
    assert lrs.requests == [], "nothing is sent while the person is answering"
    assert stored(lrs_service) == {"pending": len(VERBS)}
    queued = {task.name for task in lrs_service.jobs.queue.pending()}
    assert "send_learning_records" in queued, "each recording turn asks the worker to send"

    sent = make_jobs(lrs_service).send_learning_records.call_local()

    assert sent == len(VERBS)
    assert stored(lrs_service) == {"sent": len(VERBS)}
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in lrs.statements] == VERBS
    assert all(
        s["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/") for s in lrs.statements
    )
    (request,) = lrs.requests
    assert request.method == "POST" and request.path == "/xapi/statements"
    assert request.headers["X-Experience-API-Version"] == "1.0.3"
    token = base64.b64encode(b"senda:secret").decode()
    assert request.headers["Authorization"] == f"Basic {token}"

    with lrs_service.sessions() as session:
        learner = session.scalars(select(Learner)).one()
    for statement in lrs.statements:
        assert statement["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": PUBLIC_URL, "name": learner.pseudonym},
        }
    body = request.body
    assert ADDRESS not in body and ADDRESS.lstrip("+") not in body
    assert "mbox" not in body
    assert learner.pseudonym not in {str(learner.id), ADDRESS}

    answers = [s for s in lrs.statements if s["verb"]["display"]["en-US"] == "answered"]
    sky, five, _, four = answers[:4]
    assert sky["object"]["id"] == f"{MODULE}/questions/colour"
    assert sky["object"]["definition"]["name"] == {
        "es": "¿De qué color es el cielo despejado?",
        "en": "What colour is a clear sky?",
    }
    assert sky["object"]["definition"]["correctResponsesPattern"] == ["c"]
    assert sky["result"]["response"] == "c" and sky["result"]["success"] is True
    assert five["result"]["response"] == "a" and five["result"]["success"] is False
    assert five["result"]["score"]["scaled"] == 0
    assert four["result"]["response"] == "b" and four["result"]["success"] is True
    assert five["context"]["contextActivities"]["parent"][0]["id"] == MODULE

    failed, passed = (
        s for s in lrs.statements if s["verb"]["display"]["en-US"] in {"failed", "passed"}
    )
    assert failed["object"]["id"] == passed["object"]["id"] == MODULE
    assert failed["object"]["definition"]["name"] == {"es": "Lo básico", "en": "The basics"}
    assert failed["result"] == {
        "completion": True,
        "success": False,
        "score": {"scaled": 0.67, "raw": 67, "min": 0, "max": 100},
    }
    assert passed["result"]["success"] is True and passed["result"]["score"]["raw"] == 100
    course = passed["context"]["contextActivities"]["parent"][0]
    assert course["id"] == f"{PUBLIC_URL}/xapi/courses/demo"
    assert course["definition"]["name"] == {"es": "Curso de prueba", "en": "Test course"}
    assert five["context"]["contextActivities"]["grouping"] == [course]
    assert len({s["id"] for s in lrs.statements}) == len(VERBS)


def test_with_the_store_down_replies_still_come_and_statements_go_later_once(app_config, lrs):
    app = make_app(app_config, lrs, timeout=0.5)
    service = app.extensions["senda"]
    try:
        lrs.fail_next("error", times=1)
        lrs.fail_next("timeout", times=1, seconds=1.5)  # stored, but the answer comes too late
        take_the_quiz(service)  # every reply arrived: run_transcript checked each one

        first = sender.send_due(service)
        assert (first.sent, first.retrying) == (0, len(VERBS))
        assert lrs.statements == []
        assert stored(service) == {"pending": len(VERBS)}
        again = sender.send_due(service)
        assert again.sent == 0 and len(lrs.requests) == 1, "nothing is resent before its time"

        later = utcnow() + timedelta(minutes=1)
        timed_out = sender.send_due(service, now=later)
        assert (timed_out.sent, timed_out.retrying) == (0, len(VERBS))
        assert len(lrs.statements) == len(VERBS)  # the store kept them; the answer was lost

        recovered = sender.send_due(service, now=later + timedelta(minutes=1))
        assert recovered.sent == len(VERBS)
        assert stored(service) == {"sent": len(VERBS)}
        # The POST was refused as a duplicate (409), then each statement PUT was accepted as the
        # one already stored: the store holds each statement exactly once.
        assert [r.status for r in lrs.requests][:4] == [500, 200, 409, 204]
        assert len(lrs.statements) == len(VERBS)
        assert len({s["id"] for s in lrs.statements}) == len(VERBS)
        assert sender.send_due(service, now=later + timedelta(hours=1)).sent == 0
    finally:
        service.close()


def test_a_statement_the_store_refuses_is_given_up_with_the_reason(lrs_service, lrs):
    take_the_quiz(lrs_service)
    with lrs_service.sessions.begin() as session:
        bad = session.scalars(select(LearningRecord).order_by(LearningRecord.id)).first()
        bad.statement = {**bad.statement, "verb": None}
        del bad.statement["verb"]

    result = sender.send_due(lrs_service)

    assert (result.sent, result.failed) == (len(VERBS) - 1, 1)
    assert len(lrs.statements) == len(VERBS) - 1
    with lrs_service.sessions() as session:
        failed = session.scalars(
            select(LearningRecord).where(LearningRecord.state == "failed")
        ).one()
        assert failed.reason.startswith("HTTP 400") and "needs id, actor, verb" in failed.reason
    assert sender.send_due(lrs_service).sent == 0, "a refused statement is not tried again"


def test_erasing_the_learner_deletes_their_unsent_statements(lrs_service, lrs):
    person = take_the_quiz(lrs_service)
    other = take_the_quiz(lrs_service, "+5215500000009")
    assert stored(lrs_service) == {"pending": 2 * len(VERBS)}
    assert "erased" in person.says("delete")
    assert stored(lrs_service) == {"pending": len(VERBS)}
    sender.send_due(lrs_service)
    with lrs_service.sessions() as session:
        remaining = session.scalars(select(Learner.pseudonym)).one()
    assert {s["actor"]["account"]["name"] for s in lrs.statements} == {remaining}
    assert other.says("progress")


def test_without_lrs_url_nothing_is_recorded(app_config):
    app = make_app(app_config, None)
    service = app.extensions["senda"]
    try:
        take_the_quiz(service)
        assert stored(service) == {}
        assert "send_learning_records" not in {t.name for t in service.jobs.queue.pending()}
        assert sender.send_due(service).sent == 0
    finally:
        service.close()


def test_statements_are_valid_json_documents_without_the_address(lrs_service, lrs):
    take_the_quiz(lrs_service)
    with lrs_service.sessions() as session:
        bodies = [json.dumps(s) for s in session.scalars(select(LearningRecord.statement))]
    assert bodies and all(ADDRESS.lstrip("+") not in body for body in bodies)
    assert all(json.loads(body)["timestamp"].endswith("Z") for body in bodies)


def test_the_running_worker_sends_what_a_reply_recorded(app_config, lrs):
    """`senda worker` picks up the job each recording turn queues, without waiting for a sweep."""
    app = make_app(app_config, lrs)
    service = app.extensions["senda"]
    env = {
        **os.environ,
        **app_config,
        "PUBLIC_URL": PUBLIC_URL,
        "LRS_URL": lrs.url,
        "LRS_USERNAME": lrs.username,
        "LRS_PASSWORD": lrs.password,
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "senda"), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        take_the_quiz(service)
        deadline = time.monotonic() + 60
        while len(lrs.statements) < len(VERBS) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [s["verb"]["display"]["en-US"] for s in lrs.statements] == VERBS
        assert stored(service) == {"sent": len(VERBS)}
    finally:
        worker.send_signal(signal.SIGINT)
        worker.communicate(timeout=30)
        service.close()
