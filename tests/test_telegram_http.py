"""python-telegram-bot's calls over the blocking request: what reaches the Bot API, and how a
failing API is reported. The real Bot class runs against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram import TelegramSender
from bot.channels.telegram_http import BlockingRequest, run_now
from bot.messages import Option, Outbound
from tests.fakes.telegram import FakeTelegram
from tests.servers import free_port
from tests.telegram_helpers import TOKEN

BUTTONS = InlineKeyboardMarkup([[InlineKeyboardButton("1. Sí", callback_data="yes")]])

# (label, the call, the method the fake must receive, the parameters it must decode)
CALLS: list[tuple[str, Callable[[Bot], Coroutine[Any, Any, Any]], str, dict[str, Any]]] = [
    (
        "a text with a button: a form of JSON values",
        lambda bot: bot.send_message(chat_id=42, text="¿Seguimos?", reply_markup=BUTTONS),
        "sendMessage",
        {
            "chat_id": "42",
            "text": "¿Seguimos?",
            "reply_markup": {"inline_keyboard": [[{"text": "1. Sí", "callback_data": "yes"}]]},
        },
    ),
    (
        "a file: multipart, the bytes as sent",
        lambda bot: bot.send_document(chat_id=42, document=b"%PDF-1.4 cert", filename="c.pdf"),
        "sendDocument",
        {"chat_id": "42", "document": b"%PDF-1.4 cert"},
    ),
    (
        "an acknowledgement",
        lambda bot: bot.answer_callback_query("cb-7"),
        "answerCallbackQuery",
        {"callback_query_id": "cb-7"},
    ),
]


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


def blocking_bot(base_url: str, read_timeout: float = 5.0) -> Bot:
    """A Bot over the blocking request, asked for itself as Senda's sender does."""
    bot = Bot(TOKEN, base_url=base_url, request=BlockingRequest(read_timeout=read_timeout))
    asyncio.run(bot.initialize())
    return bot


@pytest.mark.parametrize(
    ("call", "method", "expected"),
    [case[1:] for case in CALLS],
    ids=[case[0] for case in CALLS],
)
def test_a_call_reaches_the_api_as_sent(fake, call, method, expected) -> None:
    bot = blocking_bot(fake.base_url)
    run_now(call(bot))
    (received,) = fake.calls_to(method)
    assert {key: received.params.get(key) for key in expected} == expected


def test_an_api_that_does_not_answer_times_out_after_one_request(fake) -> None:
    bot = blocking_bot(fake.base_url, read_timeout=0.5)
    fake.hang_seconds = 3
    fake.fail_next("hang")
    started = time.monotonic()
    with pytest.raises(TimedOut):
        run_now(bot.send_message(chat_id=42, text="hola"))
    assert time.monotonic() - started < 2  # the read time-out, not the fake hanging up
    # Sent once: a second try of its own could deliver the message twice.
    assert len(fake.calls_to("sendMessage")) == 1


def test_a_dropped_connection_is_a_network_error_and_not_retried(fake) -> None:
    bot = blocking_bot(fake.base_url)
    fake.fail_next("drop")
    with pytest.raises(NetworkError):
        run_now(bot.send_message(chat_id=42, text="hola"))
    assert len(fake.calls_to("sendMessage")) == 1


def test_an_api_nobody_listens_on_is_a_network_error() -> None:
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{free_port()}/bot", request=BlockingRequest())
    with pytest.raises(NetworkError):
        run_now(bot.get_me())


def test_a_coroutine_that_waits_on_a_loop_is_refused_not_left_half_done() -> None:
    async def waits() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="event loop"):
        run_now(waits())


def test_a_sender_first_used_where_an_event_loop_runs_still_starts(fake) -> None:
    """A thread may run a loop already (Playwright's sync API does): the bot's start-up, which
    needs one of its own, must not collide with it."""
    sender = TelegramSender(TOKEN, fake.base_url)

    async def send_from_a_running_loop() -> str:
        return sender.send("42", Outbound("hola", options=(Option("Sí", "yes"),)))

    try:
        assert asyncio.run(send_from_a_running_loop())
    finally:
        sender.close()
    assert [call.params["text"] for call in fake.calls_to("sendMessage")] == ["hola"]
    assert sender.username == fake.bot_user["username"]
