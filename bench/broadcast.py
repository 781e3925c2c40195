"""Broadcast fan-out: messages a second and peak memory, and how close a limited send gets to
its limit. Run by hand:

    .venv/bin/python bench/broadcast.py [--recipients 100000] [--database-url URL]

The fake Bot API runs in its own process. The baseline is python-telegram-bot alone sending to
the same fake with the same number of sends in flight: the ceiling for this machine, against
which Senda's rate is printed as a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.delivery import broadcasts  # noqa: E402
from tests.learners import make_learners  # noqa: E402
from webhooks import create_app  # noqa: E402

TOKEN = "123:ABC"


class FakeProcess:
    """The fake Bot API in a child process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fake_process.py"), TOKEN],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self.process.stdout.readline().strip()

    def count(self) -> int:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)


def baseline_rate(base_url: str, messages: int, in_flight: int) -> float:
    """python-telegram-bot alone: sends a second with `in_flight` at once."""

    async def run() -> float:
        bot = Bot(TOKEN, base_url=base_url, request=HTTPXRequest(connection_pool_size=32))
        await bot.initialize()
        gate = asyncio.Semaphore(in_flight)

        async def one(n: int) -> None:
            async with gate:
                await bot.send_message(chat_id=10_000_000 + n, text="Aviso")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(messages)))
        elapsed = time.perf_counter() - started
        await bot.shutdown()
        return messages / elapsed

    return asyncio.run(run())


def service_for(fake: FakeProcess, database_url: str | None, folder: Path, rate: str):
    config = {
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'bench.db'}",
        "SENDA_INSTANCE": str(folder),
        "SENDA_DATA_KEY": Fernet.generate_key().decode(),
        "SECRET_KEY": "bench",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": "bench",
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "SENDA_TELEGRAM_RATE": rate,
        "SENDA_TELEGRAM_CHAT_RATE": rate,
        "SENDA_QUIET_HOURS": "0-0",
    }
    os.environ.update(config)
    return create_app(config).extensions["senda"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--limited", type=int, default=300, help="recipients at 30 a second")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    fake = FakeProcess()
    try:
        folder = Path(tempfile.mkdtemp())
        service = service_for(fake, args.database_url, folder, "0")
        with service.database.begin() as connection:  # a clean slate on a reused database
            for table in (
                "outbox",
                "broadcasts",
                "alert_subscriptions",
                "review_items",
                "learners",
            ):
                connection.exec_driver_sql(f"DELETE FROM {table}")
        for first in range(0, args.recipients, 10_000):
            make_learners(service, min(10_000, args.recipients - first), "telegram", first=first)
        broadcast_id = broadcasts.create(service, broadcasts.BroadcastSpec(texts={"es": "Aviso"}))
        started = time.perf_counter()
        broadcasts.fan_out(service, broadcast_id)
        fanned = time.perf_counter() - started
        started = time.perf_counter()
        sent = broadcasts.send_pushes(service, broadcast_id)
        elapsed = time.perf_counter() - started
        assert sent == args.recipients == fake.count(), "every recipient exactly once"
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ours = sent / elapsed
        ceiling = baseline_rate(fake.base_url, min(5_000, args.recipients), broadcasts.SEND_THREADS)
        print(
            f"{args.recipients} recipients, limit lifted, database {service.database.dialect.name}"
        )
        print(f"  fan-out: {fanned:.1f} s ({args.recipients / fanned:.0f} rows/s)")
        print(
            f"  sending: {ours:.0f} messages/s; python-telegram-bot alone: {ceiling:.0f}/s; "
            f"ratio {ours / ceiling:.2f}"
        )
        print(f"  peak resident memory of this process: {peak_mb:.0f} MB")
        service.close()

        limited = service_for(fake, args.database_url, Path(tempfile.mkdtemp()), "30")
        make_learners(limited, args.limited, "telegram", first=10_000_000)
        before = fake.count()
        broadcast_id = broadcasts.create(limited, broadcasts.BroadcastSpec(texts={"es": "Aviso"}))
        broadcasts.fan_out(limited, broadcast_id)
        started = time.perf_counter()
        broadcasts.send_pushes(limited, broadcast_id)
        rate = (fake.count() - before) / (time.perf_counter() - started)
        print(f"limit 30/s, {args.limited} recipients: {rate:.1f}/s, {rate / 30:.2f} of the limit")
        limited.close()
    finally:
        fake.close()


if __name__ == "__main__":
    main()
