"""A fake Telegram Bot API server on 127.0.0.1, for tests that run the real python-telegram-bot.

Point the library at it with ``telegram.Bot(token, base_url=fake.base_url)``. Requests arrive as
``POST /bot<TOKEN>/<method>``; every one is recorded as a :class:`Call`, answered in the Bot API's
own shape, or made to fail on purpose with :meth:`FakeTelegram.fail_next`.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.server import FakeHTTPHandler, FakeHTTPServer, ServedFake

BOT_USER: dict[str, Any] = {
    "id": 123,
    "is_bot": True,
    "first_name": "Senda",
    "username": "senda_test_bot",
}
GET_ME: dict[str, Any] = {
    **BOT_USER,
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
FAILURE_KINDS = ("flood", "server", "blocked", "drop", "hang")
# Free-text parameters stay strings even when they happen to look like JSON.
TEXT_PARAMS = frozenset({"text", "caption", "question", "explanation"})


@dataclass(frozen=True)
class Call:
    """One request the fake received: the method, its decoded parameters, and when."""

    method: str
    params: dict[str, Any]
    at: float
    failed: str | None = None


@dataclass(frozen=True)
class _Failure:
    kind: str
    retry_after: int = 1


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    last_message_id: int = 0
    webhook_url: str = ""
    holds: dict[str, deque[float]] = field(default_factory=dict)
    answered: dict[str, list[float]] = field(default_factory=dict)


def _maybe_json(key: str, value: Any) -> Any:
    """Decode a string that holds a JSON object or array; leave anything else alone."""
    if key in TEXT_PARAMS or not isinstance(value, str):
        return value
    stripped = value.strip()
    if not stripped or stripped[0] not in "[{":
        return value
    try:
        decoded = json.loads(stripped)
    except ValueError:
        return value
    return decoded if isinstance(decoded, dict | list) else value


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Parameters from a form-encoded, multipart or JSON request body."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    params: dict[str, Any] = {}
    if not body:
        return params
    if media_type == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        if isinstance(decoded, dict):
            params.update(decoded)
    elif media_type == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is None:
                charset = part.get_content_charset() or "utf-8"
                params[str(name)] = payload.decode(charset)
            else:
                params[str(name)] = payload
    else:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {key: _maybe_json(key, value) for key, value in params.items()}


def _chat_id(value: Any) -> Any:
    """A chat id as an int when it is numeric, else unchanged (e.g. "@channel")."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return value


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


class _Server(FakeHTTPServer):
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__(_Handler)


class _Handler(FakeHTTPHandler):
    server: _Server

    def do_POST(self) -> None:
        """Answer a Bot API call."""
        self._handle()

    def do_GET(self) -> None:
        """Answer a Bot API call made with query parameters."""
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        body = self._read_body()
        prefix = "/bot"
        if not url.path.startswith(prefix) or "/" not in url.path[len(prefix) :]:
            self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = url.path[len(prefix) :].split("/", 1)
        try:
            params: dict[str, Any] = {
                key: _maybe_json(key, value)
                for key, value in parse_qsl(url.query, keep_blank_values=True)
            }
            params.update(_parse_body(self.headers.get("Content-Type", ""), body))
        except ValueError as exc:
            fake._record(method, {}, "bad_request")
            description = f"Bad Request: can't parse request body: {exc}"
            self._send_json(400, {"ok": False, "error_code": 400, "description": description})
            return
        if token != fake.token:
            fake._record(method, params, "unauthorized")
            self._send_json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        failure = fake._take_failure(method)
        fake._record(method, params, failure.kind if failure else None)
        if fake.delay > 0:
            time.sleep(fake.delay)
        held = fake._take_hold(method)
        if held:
            time.sleep(held)
        if failure is not None:
            self._fail(failure)
            return
        try:
            result = fake._answer(method, params)
        except Exception as exc:
            traceback.print_exc()
            description = f"Internal Server Error: fake failed: {exc!r}"
            self._send_json(500, {"ok": False, "error_code": 500, "description": description})
            return
        if held:
            # Recorded as it leaves, before the client can have it: a test that reads the time
            # once the client is done must find it (recorded after, a loaded machine lost it).
            fake._record_answer(method)
        self._send_json(200, {"ok": True, "result": result})

    def _fail(self, failure: _Failure) -> None:
        if failure.kind == "hang":
            # An API that takes the request and never answers: the client must give up on its
            # own. Nothing was done, as when a load balancer holds a dead connection.
            time.sleep(self.server.fake.hang_seconds)
            self._drop()
        elif failure.kind == "drop":
            self._drop()
        elif failure.kind == "flood":
            seconds = failure.retry_after
            self._send_json(
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {seconds}",
                    "parameters": {"retry_after": seconds},
                },
            )
        elif failure.kind == "server":
            description = "Internal Server Error"
            self._send_json(500, {"ok": False, "error_code": 500, "description": description})
        else:
            description = "Forbidden: bot was blocked by the user"
            self._send_json(403, {"ok": False, "error_code": 403, "description": description})


class FakeTelegram(ServedFake):
    """A fake Bot API server on 127.0.0.1 that records calls and can fail on demand."""

    display_name = "FakeTelegram"
    thread_prefix = "fake-telegram"

    def __init__(self, token: str = "123:ABC", flood_limit: int | None = None) -> None:
        """Prepare a fake for one bot token; the server starts on ``__enter__``. With
        ``flood_limit``, a sendMessage beyond that many in the last second gets Telegram's 429."""
        self.token = token
        self.delay = 0.0
        self.flood_limit = flood_limit
        self._recent_sends: deque[float] = deque()
        self.hang_seconds = 5.0  # how long a "hang" failure holds the request before dropping it
        self._cond = threading.Condition()
        self._state = _State()
        super().__init__()

    # -- lifecycle -------------------------------------------------------------------------------

    def _make_server(self) -> _Server:
        return _Server(self)

    @property
    def base_url(self) -> str:
        """The ``base_url`` for ``telegram.Bot``: the library appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's own User object, as getMe and sent messages show it."""
        return dict(BOT_USER)

    @property
    def webhook_url(self) -> str:
        """The URL last given to setWebhook, or "" when none is set."""
        with self._cond:
            return self._state.webhook_url

    # -- recorded calls --------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every request received, oldest first."""
        with self._cond:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to one method (method names compare case-insensitively)."""
        wanted = method.lower()
        with self._cond:
            return [call for call in self._state.calls if call.method.lower() == wanted]

    def sent_texts(
        self, chat_id: int | str | None = None, include_failed: bool = False
    ) -> list[str]:
        """Texts of sendMessage calls that succeeded, optionally only those for one chat."""
        texts = []
        for call in self.calls_to("sendMessage"):
            if call.failed is not None and not include_failed:
                continue
            if chat_id is not None and str(call.params.get("chat_id")) != str(chat_id):
                continue
            texts.append(str(call.params.get("text", "")))
        return texts

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        """Block until at least ``count`` calls to ``method`` are recorded; return them all."""
        wanted = method.lower()
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self._state.calls if c.method.lower() == wanted]
                remaining = deadline - time.monotonic()
                if len(matching) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
            if len(matching) >= count:
                return matching
            recorded = [(c.method, c.params, c.failed) for c in self._state.calls]
        raise AssertionError(
            f"expected {count} call(s) to {method} within {timeout}s, "
            f"got {len(matching)}; recorded: {recorded!r}"
        )

    def reset(self) -> None:
        """Forget calls, pending failures, queued updates, messages, the webhook and the delay."""
        with self._cond:
            self._state = _State()
            self.delay = 0.0
            self._cond.notify_all()

    # -- programming the fake --------------------------------------------------------------------

    def fail_next(
        self, kind: str, times: int = 1, method: str = "sendMessage", retry_after: int = 1
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail: flood, server, blocked or drop."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; expected one of {FAILURE_KINDS}")
        with self._cond:
            queue = self._state.failures.setdefault(method.lower(), deque())
            queue.extend(_Failure(kind, retry_after) for _ in range(times))

    def hold_next(self, method: str, seconds: float) -> None:
        """Hold the answer to the next call to ``method`` for ``seconds``, as a slow network to
        Telegram would; when it left is in ``answered_at``."""
        with self._cond:
            self._state.holds.setdefault(method.lower(), deque()).append(seconds)

    def answered_at(self, method: str) -> list[float]:
        """When the held answers to ``method`` left the fake (time.monotonic())."""
        with self._cond:
            return list(self._state.answered.get(method.lower(), []))

    def clear_failures(self) -> None:
        """Forget the failures still queued: the API works again."""
        with self._cond:
            self._state.failures.clear()

    def queue_updates(self, updates: list[dict[str, Any]]) -> None:
        """Queue Update dicts for getUpdates to hand out; missing update_ids are numbered on."""
        with self._cond:
            queued = self._state.updates
            for given in updates:
                update = dict(given)
                if "update_id" not in update:
                    last = max((u["update_id"] for u in queued), default=0)
                    update["update_id"] = last + 1
                queued.append(update)
            self._cond.notify_all()

    # -- used by the request handler -------------------------------------------------------------

    def _record(self, method: str, params: dict[str, Any], failed: str | None) -> None:
        with self._cond:
            self._state.calls.append(Call(method, params, time.monotonic(), failed))
            self._cond.notify_all()

    def _take_hold(self, method: str) -> float:
        with self._cond:
            queue = self._state.holds.get(method.lower())
            return queue.popleft() if queue else 0.0

    def _record_answer(self, method: str) -> None:
        with self._cond:
            self._state.answered.setdefault(method.lower(), []).append(time.monotonic())
            self._cond.notify_all()

    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            queue = self._state.failures.get(method.lower())
            if queue:
                return queue.popleft()
            if self.flood_limit is not None and method.lower() == "sendmessage":
                return self._flooded()
            return None

    def _flooded(self) -> _Failure | None:
        """Telegram's flood control, as a moving one-second window of accepted sends."""
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.flood_limit:
            return _Failure("flood", 1)
        self._recent_sends.append(now)
        return None

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        name = method.lower()
        if name == "getme":
            return dict(GET_ME)
        if name == "sendmessage":
            return self._send_message(params)
        if name in ("editmessagetext", "editmessagereplymarkup"):
            return self._edit_message(name, params)
        if name in ("deletemessage", "deletemessages"):
            return self._delete_messages(params)
        if name == "getupdates":
            return self._get_updates(params)
        if name == "getwebhookinfo":
            with self._cond:
                url = self._state.webhook_url
            return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}
        if name in ("setwebhook", "deletewebhook"):
            with self._cond:
                self._state.webhook_url = str(params.get("url", "")) if name == "setwebhook" else ""
                if _truthy(params.get("drop_pending_updates")):
                    self._state.updates.clear()
            return True
        # answerCallbackQuery, setMyCommands and any other method: plain success.
        return True

    def _delete_messages(self, params: dict[str, Any]) -> bool:
        # Telegram skips the ids it cannot find or may not delete and answers True.
        chat_id = str(_chat_id(params.get("chat_id")))
        ids = params.get("message_ids") or [params.get("message_id")]
        with self._cond:
            for message_id in ids:
                self._state.messages.pop((chat_id, int(message_id)), None)
        return True

    def in_chat(self, chat_id: int | str) -> list[int]:
        """Ids of the bot's messages still in a chat (sent and not deleted)."""
        with self._cond:
            return sorted(i for chat, i in self._state.messages if chat == str(chat_id))

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = _chat_id(params.get("chat_id"))
        with self._cond:
            self._state.last_message_id += 1
            message: dict[str, Any] = {
                "message_id": self._state.last_message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
                "from": dict(BOT_USER),
            }
            markup = params.get("reply_markup")
            # Telegram echoes inline keyboards only; reply keyboards are not part of a Message.
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            self._state.messages[(str(chat_id), message["message_id"])] = message
            return dict(message)

    def _edit_message(self, name: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        if "chat_id" not in params and "inline_message_id" in params:
            return True
        chat_id = _chat_id(params.get("chat_id"))
        message_id = int(_number(params.get("message_id"), 0))
        with self._cond:
            known = self._state.messages.get((str(chat_id), message_id))
            message: dict[str, Any] = (
                dict(known)
                if known
                else {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "from": dict(BOT_USER),
                }
            )
            message["edit_date"] = int(time.time())
            if name == "editmessagetext":
                message["text"] = params.get("text", "")
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            self._state.messages[(str(chat_id), message_id)] = message
            return dict(message)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(_number(params.get("offset"), 0))
        limit = max(1, min(100, int(_number(params.get("limit"), 100))))
        wait = min(_number(params.get("timeout"), 0), 1.0) if "timeout" in params else 0.0
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                queued = self._state.updates
                if offset > 0:
                    queued[:] = [u for u in queued if u["update_id"] >= offset]
                elif offset < 0:
                    del queued[:offset]
                remaining = deadline - time.monotonic()
                if queued or remaining <= 0:
                    break
                self._cond.wait(remaining)
            taken, queued[:] = queued[:limit], queued[limit:]
            return taken
