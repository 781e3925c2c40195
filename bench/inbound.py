"""Telegram webhooks from 1,000 people at rising rates, through Senda and through a bare Flask
handler, until the p95 latency passes one second. Run by hand:

    .venv/bin/python bench/inbound.py [--rates 20,50,100,150,200] [--seconds 10] [--rounds 5]
                                      [--people 1000] [--database-url URL] [--redis-url URL]

The apps run at once under gunicorn with the same settings (Senda's webhooks/gunicorn_conf.py,
the same workers and threads), and each rate is measured in rounds that take turns between them,
so that the machine's drift falls on all alike.
They answer through the same fake Bot API, which runs in its own process. The bare handler
forwards each update to the fake as one sendMessage; Senda runs the whole engine (the learner's
row, the dialog, the outbox) with Telegram's rate limit lifted, as the bare handler has none. On
PostgreSQL a third app, the floor (bench/floor_app.py), does the least a correct webhook must: it
commits the update's id and answers through python-telegram-bot. Latency: from posting an
update to the fake receiving the first sendMessage to that chat. Printed per rate: the rate
achieved, p50/p95/p99 of each app, and their ratios to the bare handler; then the peak resident
memory of Senda's web workers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from bisect import bisect_left
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from bench.broadcast import FakeProcess, peak_rss_mb  # noqa: E402
from tests.servers import free_port, start, stop  # noqa: E402
from tests.telegram_helpers import SECRET, TOKEN, text_update  # noqa: E402

BIN = Path(sys.executable).parent
# What each person writes, in turn: onboarding, the menu, the safety word, a course.
SCRIPT = ["hola", "2", "yes", "3", "menu", "sos", "menu", "courses", "1", "menu"]


class Fake(FakeProcess):
    """The fake Bot API process, asked for the times of the messages it received."""

    def ask(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def arrivals(self) -> dict[int, list[float]]:
        """Each chat's sendMessage times, in order."""
        times: dict[int, list[float]] = {}
        for chat_id, at in json.loads(self.ask("calls")):
            times.setdefault(int(chat_id), []).append(at)
        return {chat: sorted(values) for chat, values in times.items()}


def senda_settings(database_url: str, instance: Path, api_base_url: str) -> dict[str, str]:
    """Senda on this database, answering through the fake Bot API with Telegram's rate limit
    lifted (the bare handler has none); no Redis."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "SENDA_INSTANCE": str(instance),
        "SENDA_DATA_KEY": Fernet.generate_key().decode(),
        "SECRET_KEY": "bench",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "SENDA_TELEGRAM_RATE": "0",
        "SENDA_TELEGRAM_CHAT_RATE": "0",
    }


def measure(
    port: int,
    path: str,
    fake: Fake,
    rate: float,
    seconds: float,
    people: int,
    written: dict[int, int],
) -> tuple[list[float], float]:
    """Post `rate` updates a second for `seconds`; the latencies in ms and the rate achieved.
    `written` counts each person's messages to this app so far: each writes the script in
    order, person n from its n-th word on, so that every stretch of time carries all of it."""
    fake.ask("reset")
    total = int(rate * seconds)
    posts: list[tuple[int, float]] = []
    lock = threading.Lock()
    # Update ids never seen before, even by a database an earlier run used: a repeated id is
    # skipped as Telegram's redelivery, and its reply would never come.
    first_update = int(time.time() * 1_000_000)

    def post(n: int) -> None:
        person = n % people
        chat_id = 50_000_000 + person
        with lock:
            text = SCRIPT[(person + written.get(person, 0)) % len(SCRIPT)]
            written[person] = written.get(person, 0) + 1
        update = text_update(chat_id, text, update_id=first_update + n)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        with lock:
            posts.append((chat_id, time.monotonic()))
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=128) as pool:
        futures = []
        for n in range(total):
            # Open loop: each update leaves at its time, whatever the earlier ones are doing.
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(post, n))
        for future in futures:
            future.result()  # a failed post stops the bench with its error
    elapsed = time.monotonic() - started
    time.sleep(0.5)  # the last replies on their way
    latencies = answer_latencies(posts, fake.arrivals())
    return latencies, len(latencies) / elapsed


def answer_latencies(
    posts: list[tuple[int, float]], arrivals: dict[int, list[float]]
) -> list[float]:
    """For each post (chat, time), the milliseconds until the first answer to that chat after
    it; posts never answered are left out."""
    latencies = []
    for chat_id, posted in posts:
        times = arrivals.get(chat_id, [])
        index = bisect_left(times, posted)
        if index < len(times):
            latencies.append((times[index] - posted) * 1000)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def children(pid: int) -> list[int]:
    """The processes a process started (gunicorn's workers)."""
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="20,50,100,150,200,300")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="turns between the apps a rate")
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",")]
    folder = Path(tempfile.mkdtemp())
    fake = Fake()
    database_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    env = {
        **os.environ,
        **senda_settings(database_url, folder, fake.base_url),
        "REDIS_URL": args.redis_url or "",
        "BARE_SEND_URL": f"{fake.base_url}{TOKEN}/sendMessage",
        "PYTHONPATH": str(ROOT / "bench"),
    }
    gunicorn = [
        str(BIN / "gunicorn"),
        # Senda's own server settings (webhooks/gunicorn_conf.py) for every app alike.
        *("--config", "python:webhooks.gunicorn_conf"),
        *("--workers", str(args.workers), "--threads", str(args.threads)),
        *("--log-level", "warning"),
    ]
    results: dict[str, dict[float, tuple[list[float], float]]] = {}
    web_peaks: list[float] = []
    apps = [("bare Flask", "bare_app:app", "/webhook")]
    if env["DATABASE_URL"].startswith("postgresql"):
        env["FLOOR_DATABASE_URL"] = env["DATABASE_URL"].replace("+psycopg", "")
        apps.append(("floor", "floor_app:app", "/webhook"))
    apps.append(("senda", "webhooks:create_app()", "/webhooks/telegram"))
    servers: dict[str, tuple[subprocess.Popen, int, str]] = {}
    written: dict[str, dict[int, int]] = {}  # each app's count of each person's messages
    try:
        # All the apps are up at once, and each rate is measured in rounds that take turns
        # between them: the machine's speed drifts over minutes, and a ratio of two figures
        # measured minutes apart would carry the drift.
        for name, app, path in apps:
            port = free_port()
            servers[name] = (
                start([*gunicorn, "--bind", f"127.0.0.1:{port}", app], env, port),
                port,
                path,
            )
            written[name] = {}
            measure(port, path, fake, 20, 2, args.people, written[name])  # warm up
        seconds = args.seconds / args.rounds
        for rate in rates:
            for _ in range(args.rounds):
                for name, (_process, port, path) in servers.items():
                    latencies, achieved = measure(
                        port, path, fake, rate, seconds, args.people, written[name]
                    )
                    earlier, rates_seen = results.setdefault(name, {}).get(rate, ([], 0.0))
                    results[name][rate] = (earlier + latencies, rates_seen + achieved / args.rounds)
            if percentile(results["senda"][rate][0], 0.95) > 1000:
                break  # past one second: the next rates only queue up more
        web_peaks = [peak_rss_mb(child) for child in children(servers["senda"][0].pid)]
    finally:
        for process, _port, _path in servers.values():
            stop(process)
        fake.close()
    database = env["DATABASE_URL"].split(":")[0]
    print(
        f"{args.people} people, {args.seconds:.0f} s a rate, gunicorn {args.workers} workers x "
        f"{args.threads} threads, database {database}"
    )
    print(f"{'rate':>6} {'app':>10} {'achieved':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for rate in rates:
        for name in results:
            if rate in results[name]:
                latencies, achieved = results[name][rate]
                print(
                    f"{rate:6.0f} {name:>10} {achieved:9.1f} {percentile(latencies, 0.5):8.1f} "
                    f"{percentile(latencies, 0.95):8.1f} {percentile(latencies, 0.99):8.1f}"
                )
        for name in ("floor", "senda"):
            if rate in results.get(name, {}) and rate in results.get("bare Flask", {}):
                ours, bare = results[name][rate][0], results["bare Flask"][rate][0]
                print(
                    f"{'':6} {name + '/bare':>10} {'':9} "
                    f"{percentile(ours, 0.5) / percentile(bare, 0.5):8.2f} "
                    f"{percentile(ours, 0.95) / percentile(bare, 0.95):8.2f} "
                    f"{percentile(ours, 0.99) / percentile(bare, 0.99):8.2f}"
                )
    sustained = [
        rate for rate, (lat, _) in results.get("senda", {}).items() if percentile(lat, 0.95) <= 1000
    ]
    print(f"senda sustains {max(sustained, default=0):.0f} updates/s with p95 under one second")
    print(
        "peak resident memory of each senda web worker: "
        + ", ".join(f"{p:.0f} MB" for p in web_peaks)
    )


if __name__ == "__main__":
    main()
