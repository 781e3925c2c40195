"""A fake Twilio REST API on 127.0.0.1, for tests that run the real ``twilio`` library.

Point a client at it by replacing the base URL of the ``api`` domain (the library joins it with
``/2010-04-01/Accounts/<sid>/Messages.json``)::

    client = twilio.rest.Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fake.base_url

or use :meth:`FakeTwilio.client`, which does exactly that. Never set ``edge``/``region`` (nor the
``TWILIO_EDGE``/``TWILIO_REGION`` environment variables) for such a client: the library then
rewrites the URL's host name and the loopback address no longer works.

Every request is recorded as a :class:`Request`; message creates are answered with a Message
resource in Twilio's own shape, or made to fail on purpose with :meth:`FakeTwilio.fail_next`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.server import FakeHTTPHandler, FakeHTTPServer, ServedFake

if TYPE_CHECKING:
    from twilio.rest import Client

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
DEFAULT_AUTH_TOKEN = "test-token"
MAX_BODY_LENGTH = 1600
FAILURE_KINDS = (
    "template_required",
    "opted_out",
    "too_long",
    "server",
    "rate",
    "drop",
    "hang",
)
# HTTP status, Twilio error code and message of each error the fake can answer with.
ERRORS: dict[str, tuple[int, int, str]] = {
    "template_required": (
        400,
        63016,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
    "opted_out": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "too_long": (400, 21617, "The concatenated message body exceeds the 1600 character limit"),
    "server": (500, 20500, "Internal Server Error"),
    "rate": (429, 20429, "Too Many Requests"),
    "unauthorized": (401, 20003, "Authenticate"),
    "missing_to": (400, 21604, "A 'To' phone number is required."),
    "missing_from": (400, 21603, "A 'From' phone number is required."),
    "missing_body": (400, 21602, "Message body is required."),
}
_ACCOUNT_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)(?P<rest>/.*)?$")
_MESSAGE_PATH = re.compile(r"^/Messages/(?P<sid>[^/]+)\.json$")
# Message sids stay unique across fakes and resets within one test run.
_message_numbers = itertools.count(1)


@dataclass(frozen=True)
class Request:
    """One request the fake received: method, path, decoded form fields, when, and any failure."""

    method: str
    path: str
    params: dict[str, str]
    at: float
    failed: str | None = None


@dataclass
class _State:
    requests: list[Request] = field(default_factory=list)
    failures: deque[str] = field(default_factory=deque)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)


def error_payload(kind: str, detail: str | None = None) -> tuple[int, dict[str, Any]]:
    """The HTTP status and Twilio's error JSON for one error kind (see ``ERRORS``)."""
    status, code, message = ERRORS[kind]
    return status, _error(status, code, detail or message)


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _is_create(request: Request, account_sid: str) -> bool:
    return request.method == "POST" and request.path == (
        f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"
    )


class _Server(FakeHTTPServer):
    def __init__(self, fake: FakeTwilio) -> None:
        self.fake = fake
        super().__init__(_Handler)


class _Handler(FakeHTTPHandler):
    json_content_type = "application/json; charset=utf-8"
    server: _Server

    def do_POST(self) -> None:
        """Answer a create (or update) request."""
        self._handle()

    def do_GET(self) -> None:
        """Answer a fetch request."""
        self._handle()

    def do_DELETE(self) -> None:
        """Answer a delete request (always "not found": the fake deletes nothing)."""
        self._handle()

    def _send_error(self, kind: str) -> None:
        self._send_json(*error_payload(kind))

    def _not_found(self, path: str) -> None:
        message = f"The requested resource {path} was not found"
        self._send_json(404, _error(404, 20404, message))

    def _credentials(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return username, password

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        body = self._read_body()
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if self.command != "GET":
            form = body.decode("utf-8", errors="replace")
            params.update(parse_qsl(form, keep_blank_values=True))
        if self._credentials() != (fake.account_sid, fake.auth_token):
            fake._record(self.command, url.path, params, "unauthorized")
            self._send_error("unauthorized")
            return
        match = _ACCOUNT_PATH.match(url.path)
        rest = (match.group("rest") or "") if match else ""
        if match is None or match.group("account") != fake.account_sid:
            fake._record(self.command, url.path, params, "not_found")
            self._not_found(url.path)
            return
        if self.command == "POST" and rest == "/Messages.json":
            self._create_message(url.path, params)
            return
        message_match = _MESSAGE_PATH.match(rest)
        message = fake._message(message_match.group("sid")) if message_match else None
        if self.command == "POST" and message is not None:
            self._redact(url.path, message["sid"], params)
            return
        if self.command == "GET" and message is not None:
            fake._record(self.command, url.path, params, None)
            self._send_json(200, message)
            return
        fake._record(self.command, url.path, params, "not_found")
        self._not_found(url.path)

    def _redact(self, path: str, sid: str, params: dict[str, str]) -> None:
        # Twilio: an update with an empty Body redacts; any other Body is error 30400.
        fake = self.server.fake
        if params.get("Body") != "":
            fake._record("POST", path, params, "invalid")
            self._send_json(400, _error(400, 30400, "Parameters are not valid"))
            return
        fake._record("POST", path, params, None)
        with fake._cond:
            fake._state.messages[sid]["body"] = ""
        self._send_json(200, fake._message(sid))

    def _create_message(self, path: str, params: dict[str, str]) -> None:
        fake = self.server.fake
        failure = fake._take_failure()
        if failure is None:
            failure = _invalid(params)
        fake._record("POST", path, params, failure)
        if fake.delay > 0:
            time.sleep(fake.delay)
        if failure == "hang":
            # Takes the request and never answers; nothing is created (see FakeTelegram).
            time.sleep(fake.hang_seconds)
            self._drop()
            return
        if failure == "drop":
            self._drop()
            return
        if failure is not None:
            self._send_error(failure)
            return
        try:
            message = fake._create_message(params)
        except Exception as exc:
            traceback.print_exc()
            self._send_json(500, _error(500, 20500, f"Internal Server Error: fake failed: {exc!r}"))
            return
        self._send_json(201, message)


def _invalid(params: dict[str, str]) -> str | None:
    """The error Twilio answers a create with when its parameters are wrong, else None."""
    if not params.get("To"):
        return "missing_to"
    if not params.get("From") and not params.get("MessagingServiceSid"):
        return "missing_from"
    if not params.get("Body") and not params.get("MediaUrl") and not params.get("ContentSid"):
        return "missing_body"
    if len(params.get("Body", "")) > MAX_BODY_LENGTH:
        return "too_long"
    return None


class FakeTwilio(ServedFake):
    """A fake Twilio REST API on 127.0.0.1 that records requests and can fail on demand."""

    display_name = "FakeTwilio"
    thread_prefix = "fake-twilio"

    def __init__(
        self, account_sid: str = DEFAULT_ACCOUNT_SID, auth_token: str = DEFAULT_AUTH_TOKEN
    ) -> None:
        """Prepare a fake for one account; the server starts on ``__enter__`` or ``start()``."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = 0.0
        self.hang_seconds = 5.0  # how long a "hang" failure holds the request before dropping it
        self._cond = threading.Condition()
        self._state = _State()
        super().__init__()

    # -- lifecycle -------------------------------------------------------------------------------

    def _make_server(self) -> _Server:
        return _Server(self)

    @property
    def base_url(self) -> str:
        """The base URL to give the client's ``api`` domain: ``http://127.0.0.1:<port>``."""
        return super().base_url

    def client(self) -> Client:
        """A real ``twilio.rest.Client`` for this fake's account, pointed at this server."""
        from twilio.rest import Client

        # A non-empty environment keeps TWILIO_EDGE/TWILIO_REGION in os.environ from rewriting
        # the host name (the library falls back to os.environ when given an empty mapping).
        client = Client(self.account_sid, self.auth_token, environment={"TWILIO_FAKE": "1"})
        client.api.base_url = self.base_url
        return client

    # -- recorded requests -----------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """A snapshot of every request received, oldest first."""
        with self._cond:
            return list(self._state.requests)

    def messages(self, to: str | None = None) -> list[Request]:
        """Message creates that succeeded, optionally only those sent to one ``To`` value."""
        with self._cond:
            return [
                request
                for request in self._state.requests
                if request.failed is None
                and _is_create(request, self.account_sid)
                and (to is None or request.params.get("To") == to)
            ]

    def bodies(self, to: str | None = None) -> list[str]:
        """The ``Body`` of each message create that succeeded, optionally for one ``To`` value."""
        return [request.params.get("Body", "") for request in self.messages(to)]

    def wait_for_messages(self, count: int = 1, timeout: float = 10) -> list[Request]:
        """Block until at least ``count`` message creates have succeeded; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                created = self.messages()
                remaining = deadline - time.monotonic()
                if len(created) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
            if len(created) >= count:
                return created
            recorded = [(r.method, r.path, r.params, r.failed) for r in self._state.requests]
        raise AssertionError(
            f"expected {count} message(s) within {timeout}s, got {len(created)}; "
            f"recorded: {recorded!r}"
        )

    def reset(self) -> None:
        """Forget requests, pending failures, created messages and the delay."""
        with self._cond:
            self._state = _State()
            self.delay = 0.0
            self._cond.notify_all()

    # -- programming the fake --------------------------------------------------------------------

    def fail_next(self, kind: str, times: int = 1) -> None:
        """Make the next ``times`` message creates fail with one of ``FAILURE_KINDS``."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; expected one of {FAILURE_KINDS}")
        with self._cond:
            self._state.failures.extend([kind] * times)

    def clear_failures(self) -> None:
        """Forget the failures still queued: the API works again."""
        with self._cond:
            self._state.failures.clear()

    # -- used by the request handler -------------------------------------------------------------

    def _record(self, method: str, path: str, params: dict[str, str], failed: str | None) -> None:
        with self._cond:
            self._state.requests.append(Request(method, path, params, time.monotonic(), failed))
            self._cond.notify_all()

    def _take_failure(self) -> str | None:
        with self._cond:
            failures = self._state.failures
            return failures.popleft() if failures else None

    def add_received(self, sid: str, body: str) -> None:
        """A message a person sent, as Twilio keeps it in its logs."""
        with self._cond:
            self._state.messages[sid] = {"sid": sid, "body": body, "direction": "inbound"}

    def body_kept(self, sid: str) -> str | None:
        """The body Twilio keeps for a message; None when it knows no such message."""
        message = self._message(sid)
        return None if message is None else message["body"]

    def _message(self, sid: str) -> dict[str, Any] | None:
        with self._cond:
            message = self._state.messages.get(sid)
            return dict(message) if message is not None else None

    def _create_message(self, params: dict[str, str]) -> dict[str, Any]:
        sid = f"SM{next(_message_numbers):032x}"
        account_uri = f"/{API_VERSION}/Accounts/{self.account_sid}"
        now = format_datetime(datetime.now(UTC))
        service_sid = params.get("MessagingServiceSid") or None
        sender = params.get("From") or None
        message: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": params.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            # Through a Messaging Service with no From, Twilio picks a sender later: "accepted".
            "status": "accepted" if service_sid and not sender else "queued",
            "subresource_uris": {"media": f"{account_uri}/Messages/{sid}/Media.json"},
            "to": params.get("To", ""),
            "uri": f"{account_uri}/Messages/{sid}.json",
        }
        with self._cond:
            self._state.messages[sid] = message
        return dict(message)
