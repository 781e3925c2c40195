"""PTB's requests carried by aiohttp (bot/channels/telegram_http.py): what reaches the Bot API,
byte for byte as PTB's own transport would send it, and how a failing network reads to PTB."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram_http import AiohttpRequest
from tests.servers import free_port

TOKEN = "123:abc"
BOT_USER = {"id": 123, "is_bot": True, "first_name": "Senda", "username": "senda_bot"}


class Recorder(ThreadingHTTPServer):
    """A Bot API that answers every method with a message, records what it was sent, and can
    be told to keep a request waiting."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.received: list[tuple[str, str, bytes]] = []  # (method, content type, body)
        self.silent: dict[str, float] = {}  # method: seconds it keeps a request waiting

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bot"


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        method = self.path.rsplit("/", 1)[-1]
        self.server.received.append((method, self.headers.get("Content-Type", ""), body))
        time.sleep(self.server.silent.get(method, 0))
        message = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}}
        result = BOT_USER if method == "getMe" else message
        answer = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def call(base_url: str, work, timeout: float = 5.0):
    """Run `work(bot)` on a bot whose requests go through AiohttpRequest."""

    async def run():
        request = AiohttpRequest(timeout=timeout)
        async with Bot(TOKEN, base_url=base_url, request=request) as bot:
            return await work(bot)

    return asyncio.run(run())


def test_a_message_goes_as_a_form_of_json_values(api):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])
    sent = call(
        api.base_url,
        lambda bot: bot.send_message(chat_id=5, text="Hola ¿qué tal?", reply_markup=keyboard),
    )
    assert sent.message_id == 7
    method, content_type, body = api.received[-1]
    assert (method, content_type) == ("sendMessage", "application/x-www-form-urlencoded")
    form = {name: values[0] for name, values in parse_qs(body.decode()).items()}
    assert form["chat_id"] == "5" and form["text"] == "Hola ¿qué tal?"
    assert json.loads(form["reply_markup"]) == {
        "inline_keyboard": [[{"text": "Next", "callback_data": "next"}]]
    }


def test_a_file_goes_as_multipart_with_the_other_parameters(api):
    document = InputFile(b"%PDF-1.4 a certificate", filename="certificate.pdf")
    call(api.base_url, lambda bot: bot.send_document(chat_id=5, document=document))
    method, content_type, body = api.received[-1]
    assert method == "sendDocument" and content_type.startswith("multipart/form-data; boundary=")
    assert b'name="chat_id"\r\n' in body and b"\r\n\r\n5\r\n" in body
    assert b'filename="certificate.pdf"' in body and b"%PDF-1.4 a certificate" in body
    assert b"Content-Type: application/pdf" in body


def test_an_api_that_does_not_answer_in_time_is_a_timeout(api):
    api.silent["sendMessage"] = 3
    started = time.monotonic()
    with pytest.raises(TimedOut):
        call(api.base_url, lambda bot: bot.send_message(chat_id=5, text="hola"), timeout=0.5)
    assert time.monotonic() - started < 2.5, "given up after its time-out, not the API's 3 s"


def test_an_api_that_cannot_be_reached_is_a_network_error():
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(NetworkError) as raised:
        call(f"http://127.0.0.1:{port}/bot", lambda bot: bot.get_me())
    assert not isinstance(raised.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in str(raised.value)
