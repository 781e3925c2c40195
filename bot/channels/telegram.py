"""Telegram through python-telegram-bot: updates in, messages out.

PTB is asyncio; Flask views are threads. Each process has one Bot (made on first use, so after
gunicorn forks) whose requests block (bot/channels/telegram_http.py): the thread that sends a
message runs the Bot's coroutine to its end itself, with no event loop to hand it to. Calls that
go while the request goes on (a pressed button's acknowledgement) run on a few background threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram_http import BlockingRequest, run_now
from bot.channels.text import split_message
from bot.delivery.outbox import Envelope, Rejected, RetryLater, Unreachable
from bot.messages import Inbound, Location, MediaKind, Outbound

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, UTF-8
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
DELETE_BATCH = 100  # message ids a deleteMessages call takes at most
INLINE_RETRY_LIMIT = 2.0  # seconds: a flood wait this short is waited out inside the request
_T = TypeVar("_T")

_MEDIA_FIELDS = (
    ("photo", MediaKind.PHOTO),
    ("voice", MediaKind.VOICE),
    ("audio", MediaKind.VOICE),
    ("video", MediaKind.VIDEO),
    ("video_note", MediaKind.VIDEO),
    ("animation", MediaKind.VIDEO),
    ("sticker", MediaKind.STICKER),
    ("document", MediaKind.DOCUMENT),
    ("contact", MediaKind.CONTACT),
)


class MalformedUpdate(ValueError):
    """An update whose fields do not have the types the Bot API gives them (PTB's `de_json`
    does not check them): refused before anything is done."""


def _chat_id(value: object) -> str:
    if type(value) is not int:
        raise TypeError("a chat id that is not an integer")
    return str(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("text that is not a string")
    return value


def parse_update(update: Update) -> Inbound | None:
    """An update as an inbound message; None for the kinds the service does not handle.
    Raises MalformedUpdate when a field has the wrong type."""
    try:
        return _parse_update(update)
    except (AttributeError, TypeError, ValueError) as error:
        raise MalformedUpdate(str(error)[:100]) from error


def _parse_update(update: Update) -> Inbound | None:
    message_id = str(update.update_id)
    query = update.callback_query
    if query is not None:
        if query.message is None or query.data is None:
            return None
        return Inbound(
            channel=CHANNEL,
            address=_chat_id(query.message.chat.id),
            text=_text(query.data),
            choice=query.data,
            message_id=message_id,
            reply_to=str(int(query.message.message_id)),
        )
    message = update.message
    if message is None or message.chat.type != "private":
        return None  # edited messages, channel posts, groups: not a conversation with a person
    address = _chat_id(message.chat.id)
    # The person's own message, which CLEAR and a tidy chat delete with Senda's.
    ids = {"message_id": message_id, "written_id": str(int(message.message_id))}
    if message.location is not None:
        latitude, longitude = float(message.location.latitude), float(message.location.longitude)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("a location off the globe")
        return Inbound(CHANNEL, address, location=Location(latitude, longitude), **ids)
    for field, kind in _MEDIA_FIELDS:
        if getattr(message, field, None):
            return Inbound(CHANNEL, address, media=kind, **ids)
    text = _text(message.text or "")
    command, _, argument = text.partition(" ")
    if command.split("@")[0] == "/start":
        return Inbound(CHANNEL, address, start_parameter=argument.strip(), **ids)
    if not text:
        return Inbound(CHANNEL, address, media=MediaKind.OTHER, **ids)
    return Inbound(CHANNEL, address, text=text, **ids)


def blocked_by(update: Update) -> str | None:
    """The chat id of a person who just blocked the bot, if this update says so.
    Raises MalformedUpdate when a field has the wrong type."""
    try:
        member = update.my_chat_member
        if member is None or member.chat.type != "private":
            return None
        if member.new_chat_member.status != "kicked":
            return None
        return _chat_id(member.chat.id)
    except (AttributeError, TypeError, ValueError) as error:
        raise MalformedUpdate(str(error)[:100]) from error


def keyboard(message: Outbound) -> InlineKeyboardMarkup | None:
    """The options as inline buttons, numbered so that typing the number works too."""
    if not message.options:
        return None
    rows = []
    for number, option in enumerate(message.options, 1):
        data = option.value
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            data = str(number)  # read as the typed number when the value does not fit
        rows.append([InlineKeyboardButton(f"{number}. {option.label}", callback_data=data)])
    return InlineKeyboardMarkup(rows)


def _retry_after(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _on_a_loop_of_its_own(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine that needs an event loop (PTB's initialize and shutdown gather their
    requests) in a thread of its own: the calling thread may be running a loop already."""
    with ThreadPoolExecutor(1, thread_name_prefix="telegram-setup") as thread:
        return thread.submit(asyncio.run, coroutine).result()


class BestEffort:
    """A call under way in the background whose failure must not stop the conversation."""

    def __init__(self, future: Future[Any], what: str, timeout: float) -> None:
        self._future, self._what, self._timeout = future, what, timeout

    def wait(self) -> None:
        """Wait for the call to end; a failure is logged, not raised."""
        try:
            self._future.result(self._timeout)
        except (TelegramError, TimeoutError) as error:
            self._future.cancel()
            log.info("telegram: %s failed (%s)", self._what, error)


class TelegramSender:
    """Sends through PTB's Bot from the thread that asks (see bot/channels/telegram_http.py)."""

    channel = CHANNEL

    def __init__(self, token: str, base_url: str, timeout: float = 10.0) -> None:
        self._token = token
        self._base_url = base_url
        self._timeout = timeout
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._bot: Bot | None = None
        self._background_lock = threading.Lock()
        self._background_pid: int | None = None
        self._background: ThreadPoolExecutor | None = None
        self.username: str | None = None

    def _ready_bot(self) -> Bot:
        """This process's bot (made after gunicorn forks), asked for itself on first use."""
        bot = self._bot
        if bot is not None and self._pid == os.getpid():
            return bot
        with self._lock:
            if self._bot is None or self._pid != os.getpid():
                bot = Bot(
                    self._token,
                    base_url=self._base_url,
                    request=BlockingRequest(pool_size=32, read_timeout=self._timeout),
                    get_updates_request=BlockingRequest(pool_size=1, read_timeout=self._timeout),
                )
                # getMe, which also tells the bot's username; once a process.
                _on_a_loop_of_its_own(bot.initialize())
                self.username = bot.username
                self._bot, self._pid = bot, os.getpid()
            return self._bot

    def _background_pool(self) -> ThreadPoolExecutor:
        """This process's threads for calls that go while the request goes on."""
        with self._background_lock:
            if self._background is None or self._background_pid != os.getpid():
                self._background = ThreadPoolExecutor(4, thread_name_prefix="telegram")
                self._background_pid = os.getpid()
            return self._background

    def call(self, work: Callable[[Bot], Coroutine[Any, Any, _T]]) -> _T:
        """Run a coroutine of the bot in this thread and return its result. A call that gets
        no answer raises TimedOut after the client's time-outs."""
        return run_now(work(self._ready_bot()))

    def prepare(self, message: Outbound) -> list[Outbound]:
        """Parts of at most 4096 characters; the buttons go under the last."""
        return split_message(message, TEXT_LIMIT)

    def warm_up(self) -> None:
        """Connect and ask for the bot (getMe) now, before paced sends: the first sends would
        otherwise wait for it and then reach Telegram together."""
        try:
            self._ready_bot()
        except TelegramError as error:
            log.info("telegram: getMe failed (%s)", error)

    def send(self, address: str, message: Outbound, envelope: Envelope | None = None) -> str:
        """Send one message (at most 4096 characters), retrying a short flood wait once (a
        reply; a push waits for a new turn of the channel's pace instead)."""
        push = envelope is not None and envelope.kind == "push"
        for attempt in (1, 2):
            try:
                sent = self.call(
                    lambda bot: bot.send_message(
                        chat_id=int(address), text=message.text, reply_markup=keyboard(message)
                    )
                )
                return str(sent.message_id)
            except RetryAfter as error:
                wait = _retry_after(error)
                if attempt == 1 and wait <= INLINE_RETRY_LIMIT and not push:
                    time.sleep(wait)
                    continue
                raise RetryLater(f"flood control: retry after {wait:.0f} s", wait) from error
            except Forbidden as error:
                raise Unreachable(f"telegram: {error.message}") from error
            except BadRequest as error:
                raise Rejected(f"telegram: {error.message}") from error
            except NetworkError as error:  # 5xx, dropped connections, time-outs (TimedOut)
                if attempt == 1:
                    time.sleep(0.5)
                    continue
                raise RetryLater(f"telegram unreachable: {error}", 2.0) from error
            except TelegramError as error:
                raise Rejected(f"telegram: {error.message}") from error
        raise RetryLater("telegram: no answer", 2.0)

    def close(self) -> None:
        """Close the bot's connections and stop its background threads."""
        with self._lock, self._background_lock:
            bot, background = self._bot, self._background
            mine = self._pid == os.getpid(), self._background_pid == os.getpid()
            self._bot = self._pid = self._background = self._background_pid = None
        if background is not None and mine[1]:
            background.shutdown(wait=False, cancel_futures=True)
        if bot is not None and mine[0]:
            with contextlib.suppress(Exception):
                _on_a_loop_of_its_own(bot.shutdown())

    def best_effort_soon(
        self, work: Callable[[Bot], Coroutine[Any, Any, Any]], what: str
    ) -> BestEffort:
        """Start a call whose failure must not stop the conversation; wait for it later."""
        future = self._background_pool().submit(self.call, work)
        return BestEffort(future, what, self._timeout + 5)

    def best_effort(self, work: Callable[[Bot], Coroutine[Any, Any, Any]], what: str) -> None:
        """A call whose failure must not stop the conversation (acks, keyboard removal)."""
        try:
            self.call(work)
        except TelegramError as error:
            log.info("telegram: %s failed (%s)", what, error)

    def answer_callback(self, callback_query_id: str) -> BestEffort:
        """Start stopping the client's spinner on a pressed button. The answer to the button
        need not wait for it: against the real Bot API that would be a round trip on every
        press."""
        return self.best_effort_soon(
            lambda bot: bot.answer_callback_query(callback_query_id), "answerCallbackQuery"
        )

    def delete_messages(self, address: str, message_ids: Sequence[str]) -> None:
        """Delete messages of a private chat, 100 a call (the Bot API's most); what Telegram
        refuses (older than 48 hours, already deleted) is expected and only logged."""
        chat, ids = int(address), sorted({int(i) for i in message_ids})
        for start in range(0, len(ids), DELETE_BATCH):
            chunk = ids[start : start + DELETE_BATCH]
            self.best_effort(
                lambda bot, chunk=chunk: bot.delete_messages(chat_id=chat, message_ids=chunk),
                "deleteMessages",
            )

    def remove_keyboard(self, chat_id: str, message_id: str) -> None:
        """Remove the buttons of an answered message, so old questions cannot be pressed."""
        self.best_effort(
            lambda bot: bot.edit_message_reply_markup(
                chat_id=int(chat_id), message_id=int(message_id), reply_markup=None
            ),
            "editMessageReplyMarkup",
        )
