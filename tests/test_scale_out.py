"""The Procfile's processes several at once on one PostgreSQL and one Redis: two gunicorn web
workers and two `senda worker` processes take a 5,000-recipient broadcast and a burst of people
writing in, together. Nobody gets the broadcast twice, no reply is lost, and the channel's rate
limit holds across all the processes."""

from __future__ import annotations

import os
import subprocess
import threading
from collections import Counter

import pytest
from click.testing import CliRunner

from bot.cli import senda
from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.fakes.telegram import FakeTelegram
from tests.learners import make_learners
from tests.servers import BIN, free_port, procfile_command, start, stop
from tests.telegram_helpers import SECRET, TOKEN, text_update
from tests.test_telegram_served import post
from webhooks import create_app

pytestmark = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="scale-out shares one PostgreSQL and one Redis: set TEST_DATABASE_URL and "
    "TEST_REDIS_URL (.ci/run does)",
)

RECIPIENTS = 5000
RATE = 200  # Telegram messages a second, for every process together: below what they can send
WRITERS = 60
FIRST_CHAT = 9_000_000  # the writers' chat ids, apart from the broadcast's recipients
SCRIPT = [("hola", "Choose your language"), ("2", "Do you agree?"), ("yes", "Who are you?")]
NOTICE = "Aviso: el albergue cambia de horario."


def most_in_a_window(moments: list[float], seconds: float) -> int:
    """The largest number of moments inside any window of this many seconds."""
    moments = sorted(moments)
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_two_web_and_two_job_processes_share_the_work(app_config, tmp_path):
    with FakeTelegram(token=TOKEN) as fake:
        config = {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "SENDA_TELEGRAM_RATE": str(RATE),
            "SENDA_QUIET_HOURS": "0-0",
        }
        env = {**os.environ, **config}
        app = create_app(config)
        service = app.extensions["senda"]
        addresses = set(make_learners(service, RECIPIENTS, "telegram"))
        port = free_port()
        web = start(
            [*procfile_command("web"), "--workers", "2", "--threads", "4"],
            {**env, "PORT": str(port)},
            port,
        )
        logs = [open(tmp_path / f"worker{n}.log", "w") for n in (1, 2)]  # noqa: SIM115
        workers = []
        statuses: list[int] = []
        try:
            workers = [
                subprocess.Popen(
                    [str(BIN / "senda"), "worker", "--workers", "2"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                for log in logs
            ]
            path = tmp_path / "broadcast.yaml"
            path.write_text(f"texts: {{es: '{NOTICE}'}}\n")
            result = CliRunner().invoke(senda, ["broadcast", "send", str(path)], env=config)
            assert result.exit_code == 0, result.output
            broadcast_id = int(result.output.strip().splitlines()[-1])

            def person(chat_id: int) -> None:
                for text, _ in SCRIPT:
                    statuses.append(post(port, text_update(chat_id, text)))

            fake.wait_for("sendMessage", 200, timeout=60)  # the broadcast is under way
            writers = [
                threading.Thread(target=person, args=(9_000_000 + n,)) for n in range(WRITERS)
            ]
            for thread in writers:
                thread.start()
            for thread in writers:
                thread.join(120)
            fake.wait_for("sendMessage", RECIPIENTS + WRITERS * len(SCRIPT), timeout=120)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(30)
            for log in logs:
                log.close()
            web_output = stop(web)

        sent = [c for c in fake.calls_to("sendMessage") if c.failed is None]
        notices = Counter(str(c.params["chat_id"]) for c in sent if c.params["text"] == NOTICE)
        assert set(notices) == addresses, "somebody was skipped"
        assert set(notices.values()) == {1}, "somebody got it twice"

        assert statuses == [200] * (WRITERS * len(SCRIPT)), web_output[-2000:]
        for n in range(WRITERS):
            replies = [text for text in fake.sent_texts(FIRST_CHAT + n) if text != NOTICE]
            assert len(replies) == len(SCRIPT), replies
            for reply, (_, expected) in zip(replies, SCRIPT, strict=True):
                assert expected in reply

        # Every process took a share of the broadcast.
        worker_logs = [(tmp_path / f"worker{n}.log").read_text() for n in (1, 2)]
        assert all("send_broadcast" in log for log in worker_logs), worker_logs
        # The limit holds for all four processes together, and it was reached (else it was not
        # tested). A message arrives at the fake some milliseconds after the limiter let it go,
        # more or fewer on a busy machine: a window of arrivals may hold what was let go in a
        # window up to 0.1 s longer.
        moments = [c.at for c in sent]
        assert RATE * 0.9 <= most_in_a_window(moments, 1) <= RATE * 1.1
        assert most_in_a_window(moments, 5) <= RATE * 5.1
        counts = CliRunner().invoke(
            senda, ["broadcast", "status", str(broadcast_id), "--json"], env=config
        )
        assert f'"sent": {RECIPIENTS}' in counts.output, counts.output
        assert "Traceback" not in web_output + "".join(worker_logs)
        service.close()
