"""A fake Telegram Bot API server (aiohttp) for the real python-telegram-bot client.

PTB posts form-encoded bodies whose non-string values are JSON; the fake decodes the
fields it knows. Every call is recorded; tests ``await fake.wait_for("sendMessage")``.
Errors are scripted per method with ``fail_next`` / ``slow_next``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSON_FIELDS = {
    "chat_id",
    "message_id",
    "offset",
    "limit",
    "timeout",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "user_id",
    "reply_parameters",
    "scope",
    "drop_pending_updates",
    "reply_markup",
}


@dataclass
class Scripted:
    status: int = 200
    description: str = ""
    parameters: dict[str, Any] | None = None
    slow: bool = False  # record the call, then never answer (until the fake closes)
    late: float = 0.0  # record the call, answer it normally this many seconds later


@dataclass
class Call:
    method: str
    params: dict[str, Any]


def _user(
    uid: int, name: str = "User", is_bot: bool = False, username: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": uid, "is_bot": is_bot, "first_name": name}
    if username:
        data["username"] = username
    return data


def admin_member(user_id: int) -> dict[str, Any]:
    flags = [
        "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
        "can_manage_video_chats", "can_restrict_members", "can_promote_members",
        "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
        "can_delete_stories",
    ]  # fmt: skip
    data: dict[str, Any] = {"status": "administrator", "user": _user(user_id)}
    data.update({flag: False for flag in flags})
    return data


def chat_dict(chat_id: Any) -> dict[str, Any]:
    cid = int(chat_id)
    if cid > 0:
        return {"id": cid, "type": "private", "first_name": "User"}
    kind = "supergroup" if str(cid).startswith("-100") else "group"
    return {"id": cid, "type": kind, "title": "G"}


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-token"
    username: str = "talkwatch_test_bot"
    calls: list[Call] = field(default_factory=list)
    admins: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    # seconds every call of a method waits before its answer (scripted or not): the round
    # trip of the real Bot API, or a slow platform
    latency: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._script: dict[str, deque[Scripted]] = defaultdict(deque)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        self._closing.set()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ----------------------------------------------------------------- scripting

    def fail_next(
        self, method: str, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        self._script[method].append(Scripted(status, description, parameters))

    def slow_next(self, method: str) -> None:
        self._script[method].append(Scripted(slow=True))

    def late_next(self, method: str, seconds: float) -> None:
        """The next call takes effect at once; its success answer comes ``seconds`` later."""
        self._script[method].append(Scripted(late=seconds))

    def push_update(self, update: dict[str, Any]) -> int:
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return int(update["update_id"])

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ----------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    @property
    def sent(self) -> list[dict[str, Any]]:
        return self.calls_to("sendMessage")

    async def wait_for(
        self, method: str, count: int = 1, within: float = 5.0
    ) -> list[dict[str, Any]]:
        async def ready() -> list[dict[str, Any]]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)
            return self.calls_to(method)

        return await asyncio.wait_for(ready(), within)

    # ----------------------------------------------------------------- server

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if not isinstance(value, str):
                continue
            if key in JSON_FIELDS:
                try:
                    params[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append(Call(method, params))
            await self._notify()
        if self.latency.get(method):
            await asyncio.sleep(self.latency[method])
        script = self._script[method].popleft() if self._script[method] else None
        if script is not None and script.slow:
            await self._closing.wait()  # recorded (maybe delivered), answer withheld
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "closing"}, status=502
            )
        if script is not None and script.late:
            await asyncio.sleep(script.late)
            script = None
        if script is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": script.status,
                "description": script.description,
            }
            if script.parameters:
                body["parameters"] = script.parameters
            return web.json_response(body, status=script.status)
        result = await getattr(self, f"_m_{method}", self._m_default)(params)
        return web.json_response({"ok": True, "result": result})

    async def _m_default(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        data = _user(int(self.token.split(":")[0]), "Talkwatch", True, self.username)
        data.update(
            can_join_groups=True, can_read_all_group_messages=False, supports_inline_queries=False
        )
        return data

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 2.0)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        if not pending() and wait > 0 and not self._closing.is_set():
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(pending()) or self._closing.is_set()),
                        wait,
                    )
        self.calls.append(Call("getUpdates", params))
        return pending()

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        return chat_dict(chat_id)

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(params["chat_id"]),
            "from": await self._m_getMe({}),
            "text": params.get("text", ""),
        }

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": self._chat(params["chat_id"]),
            "text": params.get("text", ""),
        }

    async def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat, user = int(params["chat_id"]), int(params["user_id"])
        if user in self.admins.get(chat, set()):
            return admin_member(user)
        return {"status": "member", "user": _user(user)}

    async def _m_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        return [admin_member(u) for u in sorted(self.admins.get(int(params["chat_id"]), set()))]


# --------------------------------------------------------------------------- update builders


def command_update(
    text: str,
    chat_id: int = 42,
    user_id: int = 42,
    *,
    entity_length: int | None = None,
    channel: bool = False,
) -> dict[str, Any]:
    """A message update as Telegram sends it: a bot_command entity at offset 0."""
    first = text.split()[0] if text.startswith("/") else ""
    # Telegram's entity stops at the first char not in [A-Za-z0-9_@] ("/next-meeting" → "/next").
    length = entity_length
    if length is None and first:
        length = 1
        while length < len(first) and (first[length].isalnum() or first[length] in "_@"):
            length += 1
    message: dict[str, Any] = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": chat_dict(chat_id)
        if not channel
        else {"id": chat_id, "type": "channel", "title": "C"},
        "text": text,
    }
    if not channel:
        message["from"] = _user(user_id)
    if length:
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"channel_post" if channel else "message": message}


def my_chat_member_update(chat_id: int, old: str, new: str, bot_id: int = 123456) -> dict[str, Any]:
    bot = _user(bot_id, "Talkwatch", True, "talkwatch_test_bot")

    def member(status: str) -> dict[str, Any]:
        if status == "kicked":
            return {"status": status, "user": bot, "until_date": 0}
        if status == "administrator":
            data = admin_member(bot_id)
            data["user"] = bot
            return data
        return {"status": status, "user": bot}

    return {
        "my_chat_member": {
            "chat": chat_dict(chat_id),
            "from": _user(7),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }


def migrate_update(old_chat_id: int, new_chat_id: int) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 5,
            "date": int(time.time()),
            "chat": {"id": old_chat_id, "type": "group", "title": "G"},
            "from": _user(7),
            "migrate_to_chat_id": new_chat_id,
        }
    }


def button_update(data: str, chat_id: int, user_id: int, message_id: int = 1) -> dict[str, Any]:
    """A press on an inline button of one of the bot's messages."""
    chat = chat_dict(chat_id)
    return {
        "callback_query": {
            "id": f"cb{user_id}-{message_id}",
            "from": _user(user_id),
            "chat_instance": "ci1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": _user(123456, "Talkwatch", True, "talkwatch_test_bot"),
                "text": "…",
            },
        }
    }
