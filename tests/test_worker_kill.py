"""Two workers share a broadcast and one is killed with SIGKILL mid-way: the other notices its
lease lapse and sends what it had claimed, so everybody is served within 30 seconds of the kill
(not after SENDA_CLAIM_TIMEOUT, left at its 300), and only what was on the wire at the kill can
arrive twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from bot.cli import senda
from bot.delivery.broadcasts import SEND_THREADS, status
from bot.delivery.leases import claims, holders
from tests.fakes.telegram import FakeTelegram
from tests.learners import make_learners
from tests.telegram_helpers import SECRET, TOKEN
from webhooks import create_app

SENDA = str(Path(sys.executable).parent / "senda")
RECIPIENTS = 600
SERVED_WITHIN = 30.0  # seconds from the kill to the last recipient: the requirement


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.1)


def test_sigkill_of_one_of_two_workers_mid_broadcast_the_other_serves_everybody(
    app_config, tmp_path
):
    with FakeTelegram(token=TOKEN) as fake:
        config = {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "SENDA_TELEGRAM_RATE": "100",
            "SENDA_QUIET_HOURS": "0-0",
        }
        service = create_app(config).extensions["senda"]
        addresses = make_learners(service, RECIPIENTS, "telegram")
        env = {**os.environ, **config}
        log = open(tmp_path / "workers.log", "w")  # noqa: SIM115
        workers: dict[str, subprocess.Popen] = {}
        try:
            for _ in range(2):  # one after the other, to know which lease is whose
                worker = subprocess.Popen(
                    [SENDA, "worker", "--workers", "1"], env=env, stdout=log, stderr=log
                )
                wait_for(lambda: len(holders(service)) > len(workers), 60, "a worker's lease")
                workers[(holders(service) - set(workers)).pop()] = worker

            path = tmp_path / "broadcast.yaml"
            path.write_text("texts: {es: 'Aviso importante'}\nurgent: true\n")
            result = CliRunner().invoke(senda, ["broadcast", "send", str(path)], env=config)
            assert result.exit_code == 0, result.output
            broadcast_id = int(result.output.strip().splitlines()[-1])

            fake.wait_for("sendMessage", 150, timeout=60)
            holding = claims(service)
            victim = max(workers, key=lambda worker_id: holding[worker_id])
            workers[victim].send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            workers.pop(victim).wait(10)
            stranded = claims(service)[victim]
            assert stranded > 0, "the killed worker held nothing: nothing was tested"

            def everybody_served() -> bool:
                got = {str(c.params.get("chat_id")) for c in fake.calls_to("sendMessage")}
                return got >= set(addresses)

            wait_for(everybody_served, SERVED_WITHIN * 2, "everybody served")
            time.sleep(1)  # anything more would be a duplicate: give it the chance to show
        finally:
            for worker in workers.values():
                worker.send_signal(signal.SIGINT)
                worker.wait(30)
            log.close()
        served = [c for c in fake.calls_to("sendMessage") if c.failed is None]
        first_at: dict[str, float] = {}
        for call in served:
            first_at.setdefault(str(call.params["chat_id"]), call.at)
        assert set(first_at) == set(addresses), "somebody was skipped"
        last = max(first_at.values()) - killed_at
        assert last <= SERVED_WITHIN, f"the last recipient was served {last:.1f} s after the kill"
        twice = len(served) - len(first_at)
        assert twice <= SEND_THREADS, f"{twice} duplicates: more than were on the wire"
        counts = status(service, broadcast_id)
        assert counts["sent"] == RECIPIENTS and counts["pending"] == 0, counts
        service.close()
