"""python-telegram-bot's requests to the Bot API, carried by aiohttp instead of httpx.

PTB leaves its transport open for this (`telegram.request.BaseRequest`); the bot, its methods,
its parameters and its reading of Telegram's answers (flood waits, refusals) stay PTB's. Why:
against a local Bot API, one sendMessage through Senda's sender took 1.1 ms of CPU over PTB's
default transport, most of it in httpx, httpcore, anyio and h11, which are pure Python, and 0.65
ms over this one: aiohttp parses HTTP in C. Every reply and every push is one such call. aiohttp
is installed with the `twilio` library in any case.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """PTB's requests over one aiohttp session, with a pool of kept-alive connections."""

    def __init__(self, connection_pool_size: int = 32, timeout: float = 10.0) -> None:
        self._pool_size = connection_pool_size
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The seconds an answer may take, when a call does not say (PTB adds it to a long
        poll's own wait)."""
        return self._timeout

    async def initialize(self) -> None:
        """Open the session (on the running loop)."""
        if self._session is None or self._session.closed:
            # Small requests leave at once: aiohttp sets TCP_NODELAY on its connections.
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            # trust_env: a proxy set in HTTPS_PROXY is used, as PTB's httpx transport did.
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One request: Telegram's status code and body, or PTB's TimedOut or NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            # Waiting for a free connection of the pool, then for the connection itself.
            connect=self._seconds(pool_timeout),
            sock_connect=self._seconds(connect_timeout),
            # aiohttp has no timeout of its own for writing: a request that cannot be written
            # within the read time out fails with it.
            sock_read=self._seconds(read_timeout),
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                headers={"User-Agent": self.USER_AGENT},
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _seconds(self, given: ODVInput[float]) -> float | None:
        return self._timeout if isinstance(given, DefaultValue) else given


def _body(request_data: RequestData | None) -> Any:
    """The parameters as PTB sends them: a form of JSON values, multipart when a file goes."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
