"""HTTP plumbing shared by the fake API servers: a threaded server on 127.0.0.1, a JSON request
handler, and the start/stop lifecycle of a fake that serves in a daemon thread.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self


class FakeHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server on a free port of 127.0.0.1 that keeps track of open connections."""

    daemon_threads = True
    request_queue_size = 128  # the default 5 resets connections when many clients send at once
    allow_reuse_address = True

    def __init__(self, handler: type[FakeHTTPHandler]) -> None:
        """Bind to a free port on 127.0.0.1; ``handler`` answers each request."""
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; print anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def hang_up(self) -> None:
        """Shut down every connection still open, so keep-alive clients are not left waiting."""
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeHTTPHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 request handler that reads request bodies and answers with JSON."""

    protocol_version = "HTTP/1.1"
    timeout = 60
    json_content_type: ClassVar[str] = "application/json"
    server: FakeHTTPServer

    def setup(self) -> None:
        """Turn off Nagle's algorithm and register the connection with the server."""
        super().setup()
        # Answer at once: with Nagle's algorithm the body would wait for the client's delayed
        # ACK of the headers (40 ms on Linux) on every kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        """Flush the response and forget the connection."""
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: tests read what the fake recorded instead."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The client died half-way through its request (a killed worker): as a real server
            # would, answer nothing and record nothing.
            raise ConnectionAbortedError("the request body ended early")
        return body

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", self.json_content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class ServedFake:
    """The start/stop/context-manager lifecycle of a fake that serves in a daemon thread."""

    # The fake's class name, for errors, and the prefix of its serving thread's name.
    display_name: ClassVar[str] = "ServedFake"
    thread_prefix: ClassVar[str] = "fake-server"

    def __init__(self) -> None:
        """Prepare the fake; the server starts on ``__enter__`` or ``start()``."""
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> FakeHTTPServer:
        """A new server, bound and ready to serve; subclasses say which one."""
        raise NotImplementedError

    def start(self) -> Self:
        """Bind to a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.thread_prefix}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, hang up on open connections and close the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.hang_up()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Shut the server down and close its socket."""
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError(f"{self.display_name} is not running: use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The server's root URL: ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"
