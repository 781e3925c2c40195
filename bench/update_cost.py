"""The cost of one Telegram update through Senda's webhook, in one process. Run by hand:

    .venv/bin/python bench/update_cost.py [--updates 1000] [--database-url URL] [--profile FILE]

The people of bench/inbound.py write their script (onboarding, the menu, `sos`, a course)
through Flask's test client, one update after another, against the fake Bot API in a process of
its own. After a warm-up, printed for each app: the CPU and wall time of an update, the median
time from posting it to the fake receiving the answer, and the SQL statements an update sends
(not counting the pool's pings). The floor of bench/floor_app.py runs in the same process first
when the database is PostgreSQL. With --profile, a cProfile of Senda's updates is written there.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import event  # noqa: E402

from bench.inbound import (  # noqa: E402
    SCRIPT,
    Fake,
    answer_latencies,
    percentile,
    senda_settings,
)
from tests.telegram_helpers import SECRET, TOKEN, text_update  # noqa: E402

_update_ids = count(int(time.time() * 1e6))


def updates(people: int, total: int) -> list[dict]:
    """Each person's script in turn, person after person, as many updates as asked."""
    made: list[dict] = []
    step = 0
    while len(made) < total:
        for person in range(people):
            text = SCRIPT[step % len(SCRIPT)]
            made.append(text_update(10_000_000 + person, text, update_id=next(_update_ids)))
            if len(made) == total:
                break
        step += 1
    return made


def run(
    client, path: str, batch: list[dict], fake: Fake, profile: cProfile.Profile | None = None
) -> tuple[float, float, float]:
    """Post a batch; CPU and wall milliseconds an update, and the median milliseconds from
    posting an update to the fake receiving its answer."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    fake.ask("reset")
    posted: list[tuple[int, float]] = []
    cpu, wall = time.process_time(), time.perf_counter()
    if profile is not None:
        profile.enable()
    for update in batch:
        posted.append((update["message"]["chat"]["id"], time.monotonic()))
        response = client.post(path, json=update, headers=headers)
        assert response.status_code == 200, response.status_code
    if profile is not None:
        profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # One update at a time: the first answer to a chat after the post is this post's.
    replies = answer_latencies(posted, fake.arrivals())
    return 1000 * cpu / len(batch), 1000 * wall / len(batch), percentile(replies, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--database-url")
    parser.add_argument("--profile")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    fake = Fake()
    database_url = args.database_url or f"sqlite:///{folder / 'cost.db'}"
    config = senda_settings(database_url, folder, fake.base_url)
    try:
        rows = []
        if database_url.startswith("postgresql"):
            os.environ.update(
                FLOOR_DATABASE_URL=database_url.replace("+psycopg", ""),
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=fake.base_url,
            )
            import floor_app

            client = floor_app.app.test_client()
            run(client, "/webhook", updates(args.people, args.warm_up), fake)
            measured = run(client, "/webhook", updates(args.people, args.updates), fake)
            rows.append(("floor", *measured, None))

        from webhooks import create_app

        app = create_app(config)
        client = app.test_client()
        statements = count()

        @event.listens_for(app.extensions["senda"].database, "before_cursor_execute")
        def _count(*_args) -> None:
            next(statements)

        run(client, "/webhooks/telegram", updates(args.people, args.warm_up), fake)
        before = next(statements)
        profile = cProfile.Profile() if args.profile else None
        batch = updates(args.people, args.updates)
        measured = run(client, "/webhooks/telegram", batch, fake, profile)
        per_update = (next(statements) - before - 1) / args.updates
        rows.append(("senda", *measured, per_update))
        if profile is not None:
            profile.dump_stats(args.profile)
    finally:
        fake.close()
    database = database_url.split(":")[0]
    print(f"{args.updates} updates after {args.warm_up} to warm up, database {database}")
    print(f"{'app':>6} {'CPU ms':>7} {'wall ms':>8} {'answer ms':>10} {'statements':>11}")
    for name, cpu, wall, answer, per_update in rows:
        shown = f"{per_update:11.1f}" if per_update is not None else f"{'':>11}"
        print(f"{name:>6} {cpu:7.2f} {wall:8.2f} {answer:10.2f} {shown}")
    if rows[0][0] == "floor":
        floor, senda = rows
        print(f"senda/floor: CPU {senda[1] / floor[1]:.2f}, answer {senda[3] / floor[3]:.2f}")


if __name__ == "__main__":
    main()
