"""Messages a second through the engine with storage, beside a bare baseline, and queries a message.

Run by hand:  .venv/bin/python bench/engine.py [--database-url URL] [--people 50] [--rounds 4]

The baseline is the least any stateful chat service does per message: one transaction that reads
a row by key and writes it back. The engine's figure is printed as a ratio to it, measured in the
same run, so the numbers compare across machines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import event, select, text

from bot.messages import Inbound
from storage.models import Learner
from webhooks import create_app

# Onboarding, then a lesson read card by card and back: a realistic mix of steps.
SCRIPT = ["hola", "1", "1", "1", "1", "1", "1", "1", "atrás", "1", "progreso", "menú", "ayuda"]


def _count_queries(engine) -> list[int]:
    counter = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        counter[0] += 1

    return counter


def run(database_url: str | None, people: int, rounds: int) -> None:
    """Measure and print."""
    folder = Path(tempfile.mkdtemp())
    config = {
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.db'}",
        "SENDA_INSTANCE": str(folder),
        "SENDA_DATA_KEY": Fernet.generate_key().decode(),
        "SECRET_KEY": "bench",
    }
    app = create_app(config)
    service = app.extensions["senda"]
    with service.database.begin() as connection:  # a clean slate on a reused PostgreSQL
        for table in (
            "quiz_answers",
            "quiz_attempts",
            "module_progress",
            "enrolments",
            "learners",
            "processed_messages",
        ):
            connection.execute(text(f"DELETE FROM {table}"))
    queries = _count_queries(service.database)

    engine_rates, baseline_rates, per_message = [], [], []
    for round_number in range(rounds):
        started, before = time.perf_counter(), queries[0]
        count = 0
        for step in SCRIPT:
            for person in range(people):
                address = f"bench-{round_number}-{person}"
                service.engine.handle(Inbound("console", address, step))
                count += 1
        engine_rates.append(count / (time.perf_counter() - started))
        per_message.append((queries[0] - before) / count)

        started = time.perf_counter()
        for _ in range(count):
            with service.sessions.begin() as session:
                learner = session.scalars(
                    select(Learner).where(Learner.id == 1 + _ % people).with_for_update()
                ).first()
                if learner is not None:
                    learner.state = {**(learner.state or {}), "n": _}
        baseline_rates.append(count / (time.perf_counter() - started))

    engine_rate = statistics.median(engine_rates)
    baseline_rate = statistics.median(baseline_rates)
    backend = service.database.dialect.name
    print(f"database: {backend}; {people} people x {len(SCRIPT)} messages x {rounds} rounds")
    print(
        f"engine:   {engine_rate:8.0f} messages/s  ({statistics.median(per_message):.1f} "
        "SQL statements a message)"
    )
    print(f"baseline: {baseline_rate:8.0f} read-modify-write transactions/s")
    print(f"ratio engine/baseline: {engine_rate / baseline_rate:.2f}")
    service.database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    arguments = parser.parse_args()
    run(arguments.database_url, arguments.people, arguments.rounds)
