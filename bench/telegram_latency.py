"""Webhook-to-sendMessage latency at a steady rate, beside a bare Flask handler.

Run by hand:  .venv/bin/python bench/telegram_latency.py [--rate 100] [--seconds 10]
              [--database-url URL] [--workers 2] [--threads 8]

Both apps run under gunicorn with the same workers and threads and answer through the same fake
Bot API on 127.0.0.1. Each update comes from a new person writing "hola" (onboarding's first
answer: a learner row, the outbox, the send). Latency is measured from the moment the update is
posted to the moment the fake receives the sendMessage. Printed: median and p95 of both, and
the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.servers import free_port, start, stop  # noqa: E402
from tests.telegram_helpers import SECRET, TOKEN, text_update  # noqa: E402

BIN = Path(sys.executable).parent


def measure(
    port: int, path: str, fake: FakeTelegram, rate: float, seconds: float, first_chat: int
) -> list[float]:
    """Post `rate` updates a second for `seconds`; latencies in milliseconds."""
    total = int(rate * seconds)
    posted_at: dict[int, float] = {}
    lock = threading.Lock()

    # Update ids unique across runs: a reused database remembers the ones it has processed.
    first_update = int(time.time() * 1000) % 2**40

    def post(chat_id: int) -> None:
        update = text_update(chat_id, "hola", update_id=first_update + chat_id)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        with lock:
            posted_at[chat_id] = time.monotonic()
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    fake.reset()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        futures = []
        for n in range(total):
            # Open loop: each update leaves at its time, whatever the earlier ones are doing.
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(post, first_chat + n))
        for future in futures:
            future.result()  # a failed post stops the bench with its error
    fake.wait_for("sendMessage", total, timeout=60)
    latencies = []
    for call in fake.calls_to("sendMessage"):
        chat_id = int(call.params["chat_id"])
        if chat_id in posted_at and call.failed is None:
            latencies.append((call.at - posted_at[chat_id]) * 1000)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    with FakeTelegram(token=TOKEN) as fake:
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.db'}",
            "SENDA_INSTANCE": str(folder),
            "SENDA_DATA_KEY": Fernet.generate_key().decode(),
            "SECRET_KEY": "bench",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "BARE_SEND_URL": f"{fake.base_url}{TOKEN}/sendMessage",
            "PYTHONPATH": str(ROOT / "bench"),
        }
        gunicorn = [
            str(BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ]
        results = {}
        for name, app, path in (
            ("bare Flask", "bare_app:app", "/webhook"),
            ("senda", "webhooks:create_app()", "/webhooks/telegram"),
        ):
            port = free_port()
            process = start([*gunicorn, "--bind", f"127.0.0.1:{port}", app], env, port)
            try:
                measure(port, path, fake, args.rate, 2, 1_000_000)  # warm up
                results[name] = measure(
                    port, path, fake, args.rate, args.seconds, 10_000_000 + len(results) * 1_000_000
                )
            finally:
                stop(process)
    bare, ours = results["bare Flask"], results["senda"]
    print(
        f"{args.rate:.0f} updates/s for {args.seconds:.0f} s, gunicorn {args.workers} workers x "
        f"{args.threads} threads, database {env['DATABASE_URL'].split(':')[0]}"
    )
    for name, values in results.items():
        print(
            f"{name:>10}: median {statistics.median(values):7.1f} ms   "
            f"p95 {percentile(values, 0.95):7.1f} ms   ({len(values)} replies)"
        )
    print(
        f"ratio senda/bare: median {statistics.median(ours) / statistics.median(bare):.2f}   "
        f"p95 {percentile(ours, 0.95) / percentile(bare, 0.95):.2f}   (aim: p95 within 3)"
    )


if __name__ == "__main__":
    main()
