"""Fakes that reject what the real platforms reject.

``StrictTelegram`` answers ``sendMessage`` / ``editMessageText`` with the real Bot API's
400 errors when the HTML is not what Telegram accepts ("can't parse entities") or the
visible text is longer than 4,096 UTF-16 code units ("message is too long").
``telegram_visible(html)`` is the text a user sees (tags removed, entities decoded).
"""

from __future__ import annotations

import contextvars
import json
import re
from html.parser import HTMLParser
from typing import Any

from aiohttp import web
from fakes.slack_api import FakeSlack
from fakes.telegram_api import FakeTelegram, Scripted

# Tags the Bot API's HTML parse mode understands.
TELEGRAM_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
     "tg-spoiler", "span", "blockquote", "tg-emoji"}
)  # fmt: skip
ALLOWED_ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;")
UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)


class TelegramHTMLError(ValueError):
    pass


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}"')
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.hrefs.append(href)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_decl(self, decl: str) -> None:
        raise TelegramHTMLError("Unsupported declaration")

    def unknown_decl(self, data: str) -> None:
        raise TelegramHTMLError("Unsupported declaration")


def check_telegram_html(markup: str) -> tuple[str, list[str]]:
    """(visible text, hrefs) of Telegram HTML, or TelegramHTMLError as the API would."""
    for entity in re.findall(r"&[^;\s]*;?", markup):
        if entity not in ALLOWED_ENTITIES and not re.fullmatch(r"&#x?[0-9a-fA-F]+;", entity):
            raise TelegramHTMLError(f"Unsupported entity {entity!r}")
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    if checker.stack:
        raise TelegramHTMLError(f'Can\'t find end tag for "{checker.stack[-1]}"')
    return "".join(checker.text), checker.hrefs


def telegram_visible(markup: str) -> str:
    return check_telegram_html(markup)[0]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# The outcome the current request will get; aiohttp runs each request in its own task,
# so a context variable set in _handle is seen by the calls.append inside the base class.
_OUTCOME: contextvars.ContextVar[str | None] = contextvars.ContextVar("outcome", default=None)


class _TaggedCalls(list[Any]):
    def append(self, call: Any) -> None:
        outcome = _OUTCOME.get()
        if outcome is not None and call.method == "sendMessage":
            call.params["_outcome"] = outcome
        super().append(call)


class StrictTelegram(FakeTelegram):
    """FakeTelegram that validates HTML and length like the real Bot API, and tags each
    recorded sendMessage with its outcome (ok / error / withheld)."""

    rejected: list[str]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.rejected = []
        self.calls = _TaggedCalls()
        self.withhold_at: int | None = None  # withhold the answer to the N-th sendMessage
        self._send_count = 0

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in ("sendMessage", "editMessageText"):
            params = await self._params(request)
            text = str(params.get("text", ""))
            error = None
            try:
                visible = telegram_visible(text) if params.get("parse_mode") == "HTML" else text
                if utf16_len(visible) > 4096:
                    error = "Bad Request: message is too long"
                elif not visible.strip():
                    error = "Bad Request: message text is empty"
            except TelegramHTMLError as exc:
                error = f"Bad Request: can't parse entities: {exc}"
            if error is not None:
                self.rejected.append(error)
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": error}, status=400
                )
        if method == "sendMessage":
            self._send_count += 1
            if self._send_count == self.withhold_at:
                self._script[method].appendleft(Scripted(slow=True))
        queued = self._script[method]
        if not queued:
            _OUTCOME.set("ok")
        else:
            head = queued[0]
            _OUTCOME.set("withheld" if head.slow else "ok" if head.late else "error")
        return await super()._handle(request)


def accepted_html(fake: FakeTelegram) -> list[dict[str, Any]]:
    return [c for c in fake.sent if c.get("parse_mode") == "HTML"]


_SLACK_PARAMS: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "slack_params", default=None
)


class CountingSlack(FakeSlack):
    """FakeSlack that also lists the posts it accepted (answered ok, or withheld)."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered: list[dict[str, Any]] = []

    async def _record(self, method: str, params: dict[str, Any]) -> None:
        _SLACK_PARAMS.set(params)  # same task as _api: read back there
        queued = self._script[method]
        if method == "chat.postMessage" and queued and queued[0].slow:
            self.delivered.append(params)  # the answer is withheld: maybe delivered
        await super()._record(method, params)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        queued = self._script[method]
        scripted = bool(queued)
        response = await super()._api(request)
        params = _SLACK_PARAMS.get()
        if method == "chat.postMessage" and not scripted and params is not None:
            body = json.loads(response.body)  # type: ignore[arg-type]
            if body.get("ok"):
                self.delivered.append(params)
        return response


def telegram_delivered(fake: FakeTelegram) -> list[dict[str, Any]]:
    """sendMessage calls that reached the chat (answered ok) or may have (withheld)."""
    return [c for c in fake.sent if c.get("_outcome") in ("ok", "withheld")]
