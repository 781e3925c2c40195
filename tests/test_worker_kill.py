"""A worker killed with SIGKILL in the middle of a broadcast: a new one finishes it, nobody is
skipped, and only what was on the wire at the kill can arrive twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from bot.cli import senda
from bot.delivery.broadcasts import SEND_THREADS
from tests.fakes.telegram import FakeTelegram
from tests.learners import make_learners
from tests.telegram_helpers import SECRET, TOKEN
from webhooks import create_app

SENDA = str(Path(sys.executable).parent / "senda")
RECIPIENTS = 600


def test_sigkill_mid_broadcast_then_a_new_worker_finishes_it(app_config, tmp_path):
    with FakeTelegram(token=TOKEN) as fake:
        config = {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "SENDA_TELEGRAM_RATE": "100",
            "SENDA_QUIET_HOURS": "0-0",
            "SENDA_CLAIM_TIMEOUT": "1",
        }
        app = create_app(config)
        service = app.extensions["senda"]
        addresses = make_learners(service, RECIPIENTS, "telegram")
        path = tmp_path / "broadcast.yaml"
        path.write_text("texts: {es: 'Aviso importante'}\n")
        result = CliRunner().invoke(senda, ["broadcast", "send", str(path)], env=config)
        assert result.exit_code == 0, result.output
        broadcast_id = int(result.output.strip().splitlines()[-1])

        env = {**os.environ, **config}
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        first = subprocess.Popen(
            [SENDA, "worker", "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        fake.wait_for("sendMessage", 150, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = len(fake.calls_to("sendMessage"))
        assert at_kill < RECIPIENTS, "the worker finished before the kill: nothing was tested"

        time.sleep(1.5)  # the dead worker's claims are older than SENDA_CLAIM_TIMEOUT
        second = subprocess.Popen(
            [SENDA, "worker", "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                got = {str(c.params.get("chat_id")) for c in fake.calls_to("sendMessage")}
                if got >= set(addresses):
                    break
                time.sleep(0.5)
            time.sleep(1)  # anything more would be a duplicate: give it the chance to show
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(30)
            log.close()
        per_person = Counter(
            str(c.params["chat_id"]) for c in fake.calls_to("sendMessage") if c.failed is None
        )
        assert set(per_person) == set(addresses), "somebody was skipped"
        twice = sum(count - 1 for count in per_person.values())
        assert twice <= SEND_THREADS, f"{twice} duplicates: more than were on the wire"
        from bot.delivery.broadcasts import status

        counts = status(service, broadcast_id)
        assert counts["sent"] == RECIPIENTS and counts["pending"] == 0, counts
        service.close()
