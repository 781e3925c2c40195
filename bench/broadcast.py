"""A broadcast through real `senda worker` processes: messages a second and peak memory with the
limit lifted, and how close a limited send gets to its limit. Run by hand:

    .venv/bin/python bench/broadcast.py [--recipients 100000] [--workers 2]
                                        [--database-url URL] [--redis-url URL]

The fake Bot API runs in its own process. The baseline, measured in the same run, is
python-telegram-bot alone with as many sends in flight as one Senda send job
(broadcasts.SEND_THREADS), in one process and in as many processes as there are workers: Senda's
rate is printed as a ratio to the latter, the most any design on python-telegram-bot could
send here (no database, no queue, nothing recorded). The limited run starts the
fake with Telegram's flood control at the limit, so a send over it would be refused with 429.

The kill run (`--kill-recipients`, at `--kill-rate` a second) sends an urgent broadcast twice:
once as it is, once with the worker holding the most claimed pushes killed with SIGKILL after a
quarter of the sends. It prints the seconds from the kill to the first resend of what the dead
worker had claimed and to the last recipient served, against the seconds from the same point to
the last recipient in the run without a kill. `--kill-only` runs it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import select  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.delivery import broadcasts, leases  # noqa: E402
from storage.models import Learner, OutboxMessage  # noqa: E402
from tests.learners import make_learners  # noqa: E402
from webhooks import create_app  # noqa: E402

TOKEN = "123:ABC"
BIN = Path(sys.executable).parent
TABLES = (
    "worker_leases",
    "outbox",
    "broadcasts",
    "alert_subscriptions",
    "alert_topics",
    "review_items",
    "learners",
)


class FakeProcess:
    """The fake Bot API in a child process."""

    def __init__(self, flood_limit: int | None = None) -> None:
        extra = [str(flood_limit)] if flood_limit else []
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fake_process.py"), TOKEN, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self.process.stdout.readline().strip()

    def count(self) -> tuple[int, int, float, float]:
        """Sends that succeeded, sends refused with 429, first and last success."""
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        sent, floods, first, last = self.process.stdout.readline().split()
        return int(sent), int(floods), float(first), float(last)

    def calls(self) -> list[tuple[str, float]]:
        """The successful sends, in order: chat id and monotonic time."""
        self.process.stdin.write("calls\n")
        self.process.stdin.flush()
        return [(str(chat), at) for chat, at in json.loads(self.process.stdout.readline())]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(10)


def _baseline_run(base_url: str, messages: int, in_flight: int, first: int) -> tuple[float, float]:
    """python-telegram-bot alone in this process: when its sends started and ended."""

    async def run() -> tuple[float, float]:
        bot = Bot(TOKEN, base_url=base_url, request=HTTPXRequest(connection_pool_size=32))
        await bot.initialize()
        gate = asyncio.Semaphore(in_flight)

        async def one(n: int) -> None:
            async with gate:
                await bot.send_message(chat_id=10_000_000 + first + n, text="Aviso")

        started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
        await asyncio.gather(*(one(n) for n in range(messages)))
        ended = time.perf_counter()
        await bot.shutdown()
        return started, ended

    return asyncio.run(run())


def baseline_rate(base_url: str, messages: int, in_flight: int, processes: int = 1) -> float:
    """python-telegram-bot alone, in `processes` processes with `in_flight` sends at once
    each: sends a second, from the first start to the last end."""
    share = messages // processes
    with ProcessPoolExecutor(processes) as pool:
        spans = list(
            pool.map(
                _baseline_run,
                [base_url] * processes,
                [share] * processes,
                [in_flight] * processes,
                [n * share for n in range(processes)],
            )
        )
    return share * processes / (max(end for _, end in spans) - min(start for start, _ in spans))


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size of a live process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Deployment:
    """A database with learners, and `senda worker` processes on it, as the Procfile runs."""

    def __init__(self, fake: FakeProcess, args: argparse.Namespace, rate: str) -> None:
        self.folder = Path(tempfile.mkdtemp())
        self.config = {
            "DATABASE_URL": args.database_url or f"sqlite:///{self.folder / 'bench.db'}",
            "REDIS_URL": args.redis_url or "",
            "SENDA_INSTANCE": str(self.folder),
            "SENDA_DATA_KEY": Fernet.generate_key().decode(),
            "SECRET_KEY": "bench",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": "bench",
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "SENDA_TELEGRAM_RATE": rate,
            "SENDA_TELEGRAM_CHAT_RATE": rate,
            "SENDA_QUIET_HOURS": "0-0",
        }
        self.service = create_app(self.config).extensions["senda"]
        with self.service.database.begin() as connection:  # a clean slate on a reused database
            for table in TABLES:
                connection.exec_driver_sql(f"DELETE FROM {table}")
        if args.redis_url:
            self.service.jobs.queue.flush()
        self.workers: dict[str, subprocess.Popen] = {}  # by the id of the worker's lease
        self.worker_count = args.workers
        self.killed_at = 0.0  # time.monotonic() of the kill, in a kill run
        self.stranded: set[str] = set()  # the chats whose pushes the killed worker held

    def add_learners(self, count: int) -> None:
        for first in range(0, count, 10_000):
            make_learners(self.service, min(10_000, count - first), "telegram", first=first)

    def start_workers(self) -> None:
        """Start the workers one after the other, each once the one before holds its lease."""
        env = {**os.environ, **self.config}
        for n in range(self.worker_count):
            log = open(self.folder / f"worker{n}.log", "w")  # noqa: SIM115
            worker = subprocess.Popen(
                [str(BIN / "senda"), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
            deadline = time.monotonic() + 60
            while not (new := leases.holders(self.service) - set(self.workers)):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"a worker did not start; see {self.folder}/worker{n}.log")
                time.sleep(0.1)
            self.workers[new.pop()] = worker

    def broadcast(
        self, expected: int, urgent: bool = False, kill_after: int | None = None
    ) -> tuple[float, list[float]]:
        """Queue a broadcast and wait until all of it is sent: seconds, workers' peak RSS. With
        `kill_after`, the worker holding the most claimed pushes is killed after that many."""
        spec = broadcasts.BroadcastSpec(texts={"es": "Aviso"}, urgent=urgent)
        started = time.perf_counter()
        broadcast_id = broadcasts.create(self.service, spec)
        self.service.jobs.start_broadcast(broadcast_id)
        while True:
            counts = broadcasts.status(self.service, broadcast_id)
            if counts["total"] == expected and counts["pending"] == 0:
                break
            if any(worker.poll() is not None for worker in self.workers.values()):
                raise SystemExit(f"a worker died; see {self.folder}/worker*.log")
            if kill_after is not None and counts["sent"] >= kill_after:
                self.kill_one()
                kill_after = None
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        assert counts["sent"] == expected, counts
        return elapsed, [peak_rss_mb(worker.pid) for worker in self.workers.values()]

    def kill_one(self) -> None:
        """SIGKILL the worker holding the most claimed pushes; note the chats it held."""
        held = leases.claims(self.service)
        victim = max(self.workers, key=lambda worker_id: held[worker_id])
        self.workers[victim].send_signal(signal.SIGKILL)
        self.killed_at = time.monotonic()
        self.workers.pop(victim).wait(10)
        with self.service.sessions() as session:
            held_by_it = session.scalars(
                select(Learner.address_encrypted)
                .join(OutboxMessage, OutboxMessage.learner_id == Learner.id)
                .where(OutboxMessage.state == "sending", OutboxMessage.claimed_by == victim)
            )
            self.stranded = {self.service.cipher.decrypt(address) for address in held_by_it}

    def close(self) -> None:
        for worker in self.workers.values():
            worker.terminate()
            worker.wait(30)
        self.service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="senda worker processes")
    parser.add_argument("--limited", type=int, default=300, help="recipients at 30 a second")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--kill-recipients", type=int, default=1000, help="0: no kill run")
    parser.add_argument("--kill-rate", type=int, default=100, help="messages a second")
    parser.add_argument("--kill-only", action="store_true", help="the kill run alone")
    args = parser.parse_args()
    if not args.kill_only:
        throughput(args)
    if args.kill_recipients:
        kill_run(args)


def kill_run(args: argparse.Namespace) -> None:
    """The same urgent broadcast without and with a worker killed a quarter of the way."""
    quarter = args.kill_recipients // 4
    runs = []
    for kill in (False, True):
        fake = FakeProcess()
        deployment = Deployment(fake, args, rate=str(args.kill_rate))
        try:
            deployment.add_learners(args.kill_recipients)
            deployment.start_workers()
            elapsed, _ = deployment.broadcast(
                args.kill_recipients, urgent=True, kill_after=quarter if kill else None
            )
            calls = fake.calls()
        finally:
            deployment.close()
            fake.close()
        first_at: dict[str, float] = {}
        for chat, at in calls:
            first_at.setdefault(chat, at)
        # Without a kill, "the kill" is the moment the same number of sends had gone.
        killed_at = deployment.killed_at or calls[quarter - 1][1]
        resent = [at for chat, at in calls if chat in deployment.stranded and at > killed_at]
        runs.append(
            (
                elapsed,
                max(first_at.values()) - killed_at,
                (min(resent) - killed_at) if resent else None,
                len(calls) - len(first_at),
                len(deployment.stranded),
            )
        )
    (plain, plain_last, _, _, _), (killed, last, first_resend, twice, stranded) = runs
    lease = deployment.service.settings.lease_seconds
    print(
        f"SIGKILL of one of {args.workers} workers after {quarter} of {args.kill_recipients} "
        f"sends of an urgent broadcast at {args.kill_rate}/s: {stranded} claimed pushes stranded"
    )
    resend = f"{first_resend:.1f} s" if first_resend is not None else "none"
    print(
        f"  kill to first resend: {resend}; kill to last recipient: {last:.1f} s, against "
        f"{plain_last:.1f} s from the same point without a kill; ratio {last / plain_last:.2f} "
        f"(SENDA_LEASE_SECONDS {lease:g}; aim: last recipient within 30 s)"
    )
    print(
        f"  queued to all sent: {killed:.1f} s, against {plain:.1f} s without a kill; "
        f"sent twice: {twice} (at most the sends on the wire: "
        f"{broadcasts.SEND_THREADS} a job thread, {2 * broadcasts.SEND_THREADS} a worker)"
    )


def throughput(args: argparse.Namespace) -> None:
    """The broadcast with the limit lifted, then at Telegram's limit."""
    fake = FakeProcess()
    deployment = Deployment(fake, args, rate="0")
    try:
        deployment.add_learners(args.recipients)
        deployment.start_workers()
        elapsed, peaks = deployment.broadcast(args.recipients)
        sent, floods, _, _ = fake.count()
        assert sent == args.recipients, f"{sent} sends for {args.recipients} recipients"
    finally:
        deployment.close()
    ours = args.recipients / elapsed
    sample = min(10_000, args.recipients)
    alone = baseline_rate(fake.base_url, sample, broadcasts.SEND_THREADS)
    ceiling = baseline_rate(fake.base_url, sample, broadcasts.SEND_THREADS, args.workers)
    fake.close()
    database = deployment.config["DATABASE_URL"].split(":")[0]
    jobs = "Redis" if args.redis_url else "SQLite"
    print(
        f"{args.recipients} recipients, limit lifted, {args.workers} worker processes, "
        f"database {database}, jobs on {jobs}"
    )
    print(f"  broadcast, queued to all sent: {elapsed:.1f} s, {ours:.0f} messages/s (aim: 1,000/s)")
    print(
        f"  python-telegram-bot alone, sending only: {alone:.0f}/s in one process, "
        f"{ceiling:.0f}/s in {args.workers}; ratio {ours / ceiling:.2f}"
    )
    print(
        "  peak resident memory of each worker: "
        + ", ".join(f"{peak:.0f} MB" for peak in peaks)
        + " (aim: under 300 MB)"
    )

    fake = FakeProcess(flood_limit=30)
    limited = Deployment(fake, args, rate="30")
    try:
        limited.add_learners(args.limited)
        limited.start_workers()
        limited.broadcast(args.limited)
        sent, floods, first, last = fake.count()
    finally:
        limited.close()
        fake.close()
    rate = (sent - 1) / (last - first)
    print(
        f"limit 30/s, {args.limited} recipients, {args.workers} workers: {rate:.1f}/s, "
        f"{rate / 30:.2f} of the limit (aim: 0.95); 429 answers from the fake: {floods}"
    )


if __name__ == "__main__":
    main()
