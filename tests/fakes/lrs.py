"""A fake learning record store (xAPI 1.0.3 statements resource) on 127.0.0.1.

`POST {base}/xapi/statements` takes a statement or a list and answers 200 with their ids;
`PUT {base}/xapi/statements?statementId=ID` takes one and answers 204. As a strict store would:
HTTP Basic and the `X-Experience-API-Version` header are required (401 / 400), a statement needs
an id, actor, verb and object (400), a POST holding an id the store already has is refused whole
(409), and a PUT of an id it has answers 204 when the statement is the same and 409 when not.

Queue outages with :meth:`FakeLRS.fail_next`: "error" answers 500 and stores nothing; "timeout"
stores the statements and then answers too late (the answer is lost, the statements are not).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeHTTPHandler, FakeHTTPServer, ServedFake

PATH = "/xapi/statements"
REQUIRED = ("id", "actor", "verb", "object")


@dataclass(frozen=True)
class Request:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: str
    status: int


@dataclass
class _State:
    statements: dict[str, dict[str, Any]] = field(default_factory=dict)  # in arrival order
    requests: list[Request] = field(default_factory=list)
    failures: deque[tuple[str, float]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(FakeHTTPHandler):
    server: _Server

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _handle(self, method: str) -> None:
        body = self._read_body()
        status, payload, delay = self._answer(method, body)
        self.server.state.requests.append(
            Request(method, self.path, dict(self.headers.items()), body.decode(), status)
        )
        if delay:
            time.sleep(delay)
        if status == 204:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send_json(status, payload)

    def _answer(self, method: str, body: bytes) -> tuple[int, Any, float]:
        state = self.server.state
        url = urlsplit(self.path)
        if url.path != PATH:
            return 404, {"error": "no such resource"}, 0
        if self.headers.get("Authorization") != self.server.authorization:
            return 401, {"error": "unauthorized"}, 0
        if not (self.headers.get("X-Experience-API-Version") or "").startswith("1.0."):
            return 400, {"error": "X-Experience-API-Version header required"}, 0
        try:
            decoded = json.loads(body)
        except ValueError:
            return 400, {"error": "the body is not JSON"}, 0
        statements = decoded if isinstance(decoded, list) else [decoded]
        if not statements or any(
            not isinstance(s, dict) or any(k not in s for k in REQUIRED) for s in statements
        ):
            return 400, {"error": "a statement needs id, actor, verb and object"}, 0
        ids = [s["id"] for s in statements]
        if len(set(ids)) != len(ids):
            return 400, {"error": "the same statement id twice in one batch"}, 0
        with state.lock:
            failure = state.failures.popleft() if state.failures else None
            if failure is not None and failure[0] == "error":
                return 500, {"error": "the store is down"}, 0
            if method == "PUT":
                wanted = parse_qs(url.query).get("statementId", [""])[0]
                if wanted != ids[0] or len(statements) != 1:
                    return 400, {"error": "statementId must match the statement's id"}, 0
                known = state.statements.get(wanted)
                if known is not None:
                    return (204 if known == statements[0] else 409), {}, 0
            elif any(i in state.statements for i in ids):
                return 409, {"error": "a statement with this id is already stored"}, 0
            for statement in statements:
                state.statements[statement["id"]] = statement
        delay = failure[1] if failure is not None else 0
        return (204 if method == "PUT" else 200), ids, delay


class _Server(FakeHTTPServer):
    def __init__(self, state: _State, authorization: str) -> None:
        self.state = state
        self.authorization = authorization
        super().__init__(_Handler)


class FakeLRS(ServedFake):
    """A learning record store that keeps what it receives."""

    display_name = "FakeLRS"
    thread_prefix = "fake-lrs"

    def __init__(self, username: str = "senda", password: str = "secret") -> None:
        super().__init__()
        self.username, self.password = username, password
        self._state = _State()

    def _make_server(self) -> FakeHTTPServer:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return _Server(self._state, f"Basic {token}")

    @property
    def url(self) -> str:
        """What LRS_URL is set to."""
        return f"{self.base_url}/xapi"

    @property
    def statements(self) -> list[dict[str, Any]]:
        """The statements stored, in the order they arrived."""
        return list(self._state.statements.values())

    @property
    def requests(self) -> list[Request]:
        """Every request received."""
        return list(self._state.requests)

    def fail_next(self, kind: str, times: int = 1, seconds: float = 0.0) -> None:
        """Make the next requests fail: "error" (500) or "timeout" (answers after `seconds`)."""
        for _ in range(times):
            self._state.failures.append((kind, seconds))
