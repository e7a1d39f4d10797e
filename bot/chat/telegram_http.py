"""python-telegram-bot's HTTP transport on aiohttp.

PTB ships an httpx transport; per sent message it costs about four times the CPU of
aiohttp's client (measured by ``bench/fanout.py``: 1.7 against 0.4 ms), and the sender
spends most of its CPU there. PTB documents ``BaseRequest`` as the place to plug in
another HTTP library; this is that plug.

Errors are raised as PTB's own ``TimedOut``/``NetworkError`` so PTB and the bot handle
them as before, and each says whether the request may have reached Telegram: a request
that never left (no connection, no free connection in time) is safe to send again; one
whose answer was lost may have been delivered.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = BaseRequest.DEFAULT_NONE


class NotSentTimeout(TimedOut):
    """No connection within the time allowed: the request never left."""


class NotSentError(NetworkError):
    """The connection failed before the request was written: it never left."""


class AnswerLostError(NetworkError):
    """The connection failed after the request was written: it may have been delivered."""


def request_never_left(exc: BaseException) -> bool:
    """True when a transport error proves Telegram never saw the request."""
    return isinstance(exc, NotSentTimeout | NotSentError)


def answer_may_be_lost(exc: BaseException) -> bool:
    """True when Telegram may have received the request but its answer never came."""
    return isinstance(exc, AnswerLostError) or (
        isinstance(exc, TimedOut) and not request_never_left(exc)
    )


def _or_default(value: Any, default: float | None) -> float | None:
    return default if value is _DEFAULT else value


class AiohttpRequest(BaseRequest):
    """A keep-alive pool of ``pool_size`` connections to the Bot API."""

    def __init__(
        self,
        *,
        pool_size: int = 8,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 10.0,
        pool_timeout: float | None = 5.0,
    ) -> None:
        self._pool_size = pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._shut_down = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._shut_down = False
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Proxies come from the bot's settings, not the environment, as with httpx.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        self._shut_down = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _timeout(self, read: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        connect_s = _or_default(connect, self._connect_timeout)
        pool_s = _or_default(pool, self._pool_timeout)
        # aiohttp's ``connect`` covers waiting for a pooled connection and opening one.
        acquire = None if connect_s is None or pool_s is None else connect_s + pool_s
        return aiohttp.ClientTimeout(
            total=None,
            connect=acquire,
            sock_connect=connect_s,
            sock_read=_or_default(read, self._read_timeout),
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = _DEFAULT,
        write_timeout: Any = _DEFAULT,
        connect_timeout: Any = _DEFAULT,
        pool_timeout: Any = _DEFAULT,
    ) -> tuple[int, bytes]:
        if self._shut_down:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if self._session is None:  # a send-only bot is never initialized (as with httpx)
            await self.initialize()
        assert self._session is not None
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise NotSentTimeout(
                _describe("Timed out connecting to the Bot API (not sent)", err, url)
            ) from err
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut(
                _describe("Timed out waiting for the Bot API's answer", err, url)
            ) from err
        except aiohttp.ClientConnectorError as err:
            raise NotSentError(_describe("could not connect to the Bot API", err, url)) from err
        except aiohttp.ClientError as err:
            raise AnswerLostError(_describe("the Bot API's answer was lost", err, url)) from err


def _describe(what: str, err: BaseException, url: str) -> str:
    """One line naming the failure; the request's path, which holds the token, left out."""
    parts = urlsplit(url)
    detail = str(err).replace(url, f"{parts.scheme}://{parts.netloc}").replace(parts.path, "")
    return f"{what}: {type(err).__name__}: {detail}" if detail else f"{what}: {type(err).__name__}"


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as PTB gives them; files, if any, as a multipart body."""
    if request_data is None:
        return None
    files = request_data.multipart_data
    if not files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename or name, content_type=mimetype)
    return form
