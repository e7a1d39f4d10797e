"""A fake Slack Web API (and response_url endpoint) for the real slack_sdk / Bolt clients."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Scripted:
    error: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    slow: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.admins: set[str] = set()
        self.creators: dict[str, str] = {}  # channel → creator user id
        self.latency: dict[str, float] = {}  # seconds before answering, per method
        self._script: dict[str, deque[Scripted]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, rid: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{rid}"

    def fail_next(
        self,
        method: str,
        error: str = "",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self._script[method].append(Scripted(error, status, headers or {}, extra=extra))

    def slow_next(self, method: str) -> None:
        self._script[method].append(Scripted(slow=True))

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    @property
    def posted(self) -> list[dict[str, Any]]:
        return self.calls_to("chat.postMessage")

    async def wait_for(
        self, method: str, count: int = 1, within: float = 5.0
    ) -> list[dict[str, Any]]:
        async def ready() -> list[dict[str, Any]]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls_to(method)) >= count)
            return self.calls_to(method)

        return await asyncio.wait_for(ready(), within)

    async def _record(self, method: str, params: dict[str, Any]) -> None:
        self.calls.append(Call(method, params))
        async with self._changed:
            self._changed.notify_all()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in ("blocks",):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _response_url(self, request: web.Request) -> web.Response:
        params = await request.json()
        params["_response_id"] = request.match_info["rid"]  # which command it answers
        await self._record("response", params)
        if self.latency.get("response"):
            await asyncio.sleep(self.latency["response"])
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        await self._record(method, params)
        if self.latency.get(method):
            await asyncio.sleep(self.latency[method])
        script = self._script[method].popleft() if self._script[method] else None
        if script is not None and script.slow:
            await self._closing.wait()
            return web.json_response({"ok": False, "error": "closing"}, status=503)
        if script is not None:
            body = {"ok": False, "error": script.error or "unknown_error", **script.extra}
            return web.json_response(body, status=script.status, headers=script.headers)
        return web.json_response({"ok": True, **self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "talkwatch"}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {
                "channel": params.get("channel"),
                "ts": ts,
                "message": {"text": params.get("text")},
            }
        if method == "chat.update":
            return {"channel": params.get("channel"), "ts": params.get("ts")}
        if method == "users.info":
            uid = str(params.get("user"))
            return {"user": {"id": uid, "is_admin": uid in self.admins, "is_owner": False}}
        if method == "conversations.info":
            cid = str(params.get("channel"))
            return {"channel": {"id": cid, "creator": self.creators.get(cid, "UCREATOR")}}
        return {}
