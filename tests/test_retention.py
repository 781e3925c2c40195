"""Retention: learners silent past the retention period are erased by the background job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.delivery.jobs import make_jobs
from storage.models import Learner, ModuleProgress, utcnow
from tests.conftest import Person


def _onboard(engine, address: str) -> None:
    person = Person(engine, address)
    for reply in ("hola", "1", "1", "1", "1", "1"):
        person.says(reply)


def test_the_purge_job_erases_only_inactive_learners(engine, service):
    _onboard(engine, "+5215500000001")
    _onboard(engine, "+5215500000002")
    long_ago = utcnow() - timedelta(days=service.settings.retention_days + 1)
    silent = service.cipher.lookup_hash("console", "+5215500000001")
    with service.sessions.begin() as session:
        session.execute(
            update(Learner).where(Learner.address_hash == silent).values(last_seen_at=long_ago)
        )
    erased = make_jobs(service).purge_inactive_learners.call_local()
    assert erased == 1
    with service.sessions() as session:
        hashes = set(session.scalars(select(Learner.address_hash)))
        assert silent not in hashes and len(hashes) == 1
        owners = set(session.scalars(select(ModuleProgress.learner_id)))
        assert len(owners) == 1


def test_senda_worker_starts_and_stops_cleanly(app_config, tmp_path: Path):
    env = {**os.environ, **app_config}
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "senda"), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Wait for the consumer to list its tasks (a loaded machine takes seconds just to import),
    # then give it a moment to set its signal handlers, which huey does right after.
    started = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = worker.stdout.readline()
        if not line:
            break  # it exited
        started.append(line)
        if "purge_inactive_learners" in line:
            break
    time.sleep(1)
    assert worker.poll() is None, "".join(started) + worker.stdout.read()
    worker.send_signal(signal.SIGINT)
    rest, _ = worker.communicate(timeout=30)
    output = "".join(started) + rest
    assert worker.returncode == 0, output
    assert "purge_inactive_learners" in output
