"""Feed parsing off the event loop: a worker process with a memory and a time limit.

``ParseWorker(timeout_seconds=..., memory_bytes=..., inline_below=...)``
    ``await worker.parse(body, feed_id=..., now=..., ...)`` returns what
    ``bot.ingest.parse.parse_feed`` returns. Every failure comes back as ``ParseError`` with a
    one-line reason: a document that is not a feed, a parser exception of any kind,
    ``MemoryError`` (the worker's address space is capped with ``RLIMIT_AS``), a parse
    running past the time limit, a worker that died. ``await worker.close()`` stops it.

Why a process and not a thread: feedparser is pure Python, so a parsing thread holds
the GIL and delays every chat reply the event loop owes, and a memory cap can only be
set per process. One worker is enough on a small machine (the loop keeps the other
core); parses queue for it and the time limit counts from when a parse is sent.

The worker is ``python -m bot.ingest.parseworker``, started on the first large document and
fed length-prefixed pickles over its stdin/stdout: no ``multiprocessing`` start
method re-runs the caller's main script, a stuck worker is simply killed, and a worker
whose parent died reads end-of-file and exits. Replies are unpickled with a whitelist
of the result classes. The worker gets the environment without chat tokens.

Documents under ``inline_below`` bytes (16 KiB) are parsed on the loop: after
``bot.ingest.feedprep`` has removed entity declarations, parsing is linear in the input and
such a document takes milliseconds (``bench/parse.py``); tiny feeds then cost no
process. Measured on a loaded 2-core machine (``bench/parse.py``): the largest
event-loop stall while parsing was 4–38 ms in the worker, 14–46 ms in a thread (GIL
hand-offs) and the whole parse (58–370 ms) on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import pickle
import resource
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

from bot.ingest.parse import parse_feed
from bot.ingest.parsed import ParsedFeed, ParseError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 60.0  # a 14 MB feed took 9 s on a loaded 2-core machine
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024  # on top of the worker's own size at start
DEFAULT_INLINE_BELOW = 16 * 1024
# The worker stops itself at the time limit; the event loop kills it a little later.
KILL_GRACE_SECONDS = 2.0
_FRAME_HEADER = 8
_WARM_UP = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>w</title>'
    b"<item><title>w&nbsp;</title><link>https://w.example/?a=1&amp;b=2</link></item>"
    b"</channel></rss>"
)
_SECRET_ENV_PREFIXES = ("TELEGRAM_", "SLACK_", "DATABASE_URL", "BOT_")
_REPLY_CLASSES = frozenset(
    {
        ("bot.ingest.parsed", "ParsedFeed"),
        ("bot.ingest.parsed", "ParseDiagnostics"),
        ("bot.models", "FeedItem"),
        ("datetime", "datetime"),
        ("datetime", "timezone"),
        ("datetime", "timedelta"),
    }
)


class ParseLimitError(ParseError):
    """A parse hit the memory or time limit, or the worker died (it is replaced)."""


class _ParseTimeout(Exception):
    pass


# --------------------------------------------------------------------------- worker side


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _ParseTimeout


def _address_space_bytes() -> int:
    """This process's current virtual size (Linux), 0 when unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * resource.getpagesize()


def limit_memory(memory_bytes: int) -> None:
    """Cap this process's address space at its size now plus ``memory_bytes``."""
    limit = _address_space_bytes() + memory_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):  # not supported here: time limit only
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def parse_limited(body: bytes, options: dict[str, Any], timeout: float) -> ParsedFeed:
    """``parse_feed`` under an alarm (main thread only); every failure → ParseError."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return parse_feed(body, **options)
    except ParseError:
        raise
    except MemoryError:
        raise ParseLimitError("parsing needed more memory than allowed") from None
    except _ParseTimeout:
        raise ParseLimitError(f"parsing took longer than {timeout:g} s") from None
    except Exception as exc:  # a parser bug must not look different from a bad feed
        raise ParseError(f"the parser failed: {type(exc).__name__}: {exc}"[:300]) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(_FRAME_HEADER, "big") + payload


def answer(request: bytes, timeout: float) -> bytes:
    """One pickled (body, options) request → one pickled (ok, result) reply."""
    try:
        body, options = pickle.loads(request)
        return pickle.dumps(
            (True, parse_limited(body, options, timeout)), protocol=pickle.HIGHEST_PROTOCOL
        )
    except ParseLimitError as exc:
        return pickle.dumps((False, ("limit", str(exc))))
    except ParseError as exc:
        return pickle.dumps((False, ("parse", str(exc))))
    except MemoryError:
        return pickle.dumps((False, ("limit", "parsing needed more memory than allowed")))


def serve(stdin: BinaryIO, stdout: BinaryIO, timeout: float) -> None:
    """The worker loop: one request in, one reply out, until end-of-file."""
    while True:
        header = stdin.read(_FRAME_HEADER)
        if len(header) < _FRAME_HEADER:
            return  # the parent closed the pipe or died
        stdout.write(_frame(answer(stdin.read(int.from_bytes(header, "big")), timeout)))
        stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    memory_bytes, timeout = int(args[0]), float(args[1])
    # One parse before the cap, so lazy imports (expat, encodings) never count against it.
    parse_feed(_WARM_UP, feed_id="warm-up", now=datetime.now(UTC))
    limit_memory(memory_bytes)
    serve(sys.stdin.buffer, sys.stdout.buffer, timeout)
    return 0


# --------------------------------------------------------------------------- loop side


class _ReplyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _REPLY_CLASSES:
            raise pickle.UnpicklingError(f"unexpected {module}.{name} in a parse result")
        return super().find_class(module, name)


def _worker_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(_SECRET_ENV_PREFIXES)}


class ParseWorker:
    """See the module docstring."""

    def __init__(
        self,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        inline_below: int = DEFAULT_INLINE_BELOW,
    ) -> None:
        self.timeout = timeout_seconds
        self.memory_bytes = memory_bytes
        self.inline_below = inline_below
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def parse(
        self, body: bytes, *, feed_id: str, now: datetime, **options: Any
    ) -> ParsedFeed:
        """``parse_feed(body, ...)`` in the worker; raises only ``ParseError``."""
        options.update(feed_id=feed_id, now=now)
        if len(body) < self.inline_below:
            try:
                return parse_feed(body, **options)
            except ParseError:
                raise
            except Exception as exc:  # MemoryError included
                raise ParseError(f"the parser failed: {type(exc).__name__}: {exc}"[:300]) from None
        request = _frame(pickle.dumps((bytes(body), options), protocol=pickle.HIGHEST_PROTOCOL))
        async with self._lock:
            try:
                async with asyncio.timeout(self.timeout + KILL_GRACE_SECONDS):
                    reply = await self._exchange(request)
            except TimeoutError:
                await self._kill()
                raise ParseLimitError(f"parsing took longer than {self.timeout:g} s") from None
            except (OSError, EOFError, asyncio.IncompleteReadError):
                await self._kill()
                raise ParseLimitError("the parser process died (out of memory?)") from None
        try:
            ok, result = _ReplyUnpickler(io.BytesIO(reply)).load()
        except Exception as exc:
            raise ParseError(f"unreadable parse result: {type(exc).__name__}") from None
        if ok:
            if not isinstance(result, ParsedFeed):
                raise ParseError("unreadable parse result")
            return result
        kind, message = result
        if kind == "limit":
            await self._kill()  # a fresh worker after it ran out of memory or time
            raise ParseLimitError(str(message))
        raise ParseError(str(message))

    async def _exchange(self, request: bytes) -> bytes:
        process = await self._worker()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(request)
        await process.stdin.drain()
        header = await process.stdout.readexactly(_FRAME_HEADER)
        return await process.stdout.readexactly(int.from_bytes(header, "big"))

    async def _worker(self) -> asyncio.subprocess.Process:
        if self._process is None or self._process.returncode is not None:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.ingest.parseworker",
                str(self.memory_bytes), str(self.timeout),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                env=_worker_env(),
            )  # fmt: skip
        return self._process

    async def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        log.info("feed parser process replaced")

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the worker reads end-of-file and exits
        try:
            async with asyncio.timeout(5):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
