"""Telegram against real servers: `senda serve`, and gunicorn with several worker processes."""

from __future__ import annotations

import gc
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.fakes.telegram import FakeTelegram
from tests.servers import BIN, free_port, procfile_command, start, stop
from tests.telegram_helpers import SECRET, TOKEN, callback_update, text_update


def post(port: int, update: dict, secret: str = SECRET) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/telegram",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def server_env(app_config, fake) -> dict[str, str]:
    return {
        **os.environ,
        **app_config,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }


def test_senda_serve_runs_a_person_through_onboarding_with_buttons(server_env, fake):
    port = free_port()
    process = start([str(BIN / "senda"), "serve", "--port", str(port)], server_env, port)
    try:
        chat = 5550001
        assert post(port, text_update(chat, "/start")) == 200
        assert post(port, text_update(chat, "hola"), secret="nope") == 403
        buttons = fake.calls_to("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
        assert [row[0]["text"] for row in buttons][:2] == ["1. Español", "2. English"]
        steps = [
            ("es", "¿Estás de acuerdo?"),
            ("yes", "¿Quién eres?"),
            ("official", "Menú"),
            ("courses", "Curso de prueba"),
            ("m:basics", "(1/3)"),
            ("next", "(2/3)"),
            ("next", "(3/3)"),
            ("quiz", "Pregunta 1 de 3"),
            # a button carries its option (Azul, Cuatro, Sí), wherever the attempt shows it
            ("c", "Pregunta 2 de 3"),
            ("b", "Pregunta 3 de 3"),
            ("a", "Acertaste 3 de 3 preguntas (100%)"),
        ]
        for data, expected in steps:
            sent = [c for c in fake.calls_to("sendMessage") if c.failed is None]
            offered = [
                row[0]["callback_data"]
                for row in sent[-1].params["reply_markup"]["inline_keyboard"]
            ]
            assert data in offered, (data, offered)
            assert post(port, callback_update(chat, data, len(sent))) == 200
            assert expected in fake.sent_texts(chat)[-1]
        assert len(fake.calls_to("answerCallbackQuery")) == len(steps)
    finally:
        output = stop(process)
    assert "5550001" not in output, "a chat id reached the log"


def test_gunicorn_workers_answer_a_burst_in_order_per_person(server_env, fake):
    """200 updates from 50 people at once: 200 replies, each person's in the order they wrote."""
    port = free_port()
    process = start(
        # The Procfile's web process as deployed, on this port, with fewer threads.
        [*procfile_command("web"), "--workers", "2", "--threads", "4"],
        {**server_env, "PORT": str(port)},
        port,
    )
    script = ["hola", "2", "yes", "1"]  # language, consent, role: four prompts in a known order
    expected = ["Choose your language", "Do you agree?", "Who are you?", "Menu"]
    statuses: list[int] = []

    def person(chat_id: int) -> None:
        for text in script:
            statuses.append(post(port, text_update(chat_id, text)))

    try:
        people = [threading.Thread(target=person, args=(8_000_000 + n,)) for n in range(50)]
        for thread in people:
            thread.start()
        for thread in people:
            thread.join(120)
    finally:
        output = stop(process)
    assert statuses == [200] * 200, output[-2000:]
    assert len([c for c in fake.calls_to("sendMessage") if c.failed is None]) == 200
    for n in range(50):
        texts = fake.sent_texts(8_000_000 + n)
        assert len(texts) == 4
        for text, fragment in zip(texts, expected, strict=True):
            assert fragment in text
    assert "Traceback" not in output and "different event loop" not in output


def test_a_web_worker_keeps_its_start_up_objects_out_of_full_collections():
    """gunicorn's hook after a worker has built the app freezes what the worker holds, so that
    a full collection no longer walks the app's start-up objects while requests wait."""
    from webhooks import gunicorn_conf

    assert gc.get_freeze_count() == 0
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000  # the libraries' and the app's objects
    finally:
        gc.unfreeze()
