"""PTB's HTTP transport on aiohttp: what reaches the server, and what each transport
failure tells the sender (never sent: send again; answer lost: maybe delivered)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import TelegramError

from bot.chat.telegram import classify_error
from bot.chat.telegram_http import AiohttpRequest
from bot.ports import AmbiguousSendError, TransientError

TOKEN = "123456:secret-token"
MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve(handler: Handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/bot"


async def make_bot(base_url: str, **options: Any) -> tuple[Bot, AiohttpRequest]:
    request = AiohttpRequest(**options)
    await request.initialize()
    return Bot(TOKEN, base_url=base_url, request=request), request


async def test_form_fields_and_files_reach_the_server() -> None:
    seen: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.Response:
        fields: dict[str, Any] = {"path": request.path, "type": request.content_type}
        if request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                fields[part.name or ""] = (part.filename, await part.read())  # type: ignore[union-attr]
        else:
            fields.update(await request.post())
        seen.append(fields)
        return web.json_response({"ok": True, "result": MESSAGE})

    runner, base_url = await serve(handler)
    bot, request = await make_bot(base_url)
    try:
        sent = await bot.send_message(chat_id=42, text="<b>talks</b> & more", parse_mode="HTML")
        await bot.send_document(chat_id=42, document=b"agenda", filename="agenda.txt")
    finally:
        await request.shutdown()
        await runner.cleanup()
    assert sent.message_id == 7
    text, document = seen
    assert text["path"].endswith("/sendMessage")
    assert text["type"] == "application/x-www-form-urlencoded"
    assert (text["chat_id"], text["parse_mode"]) == ("42", "HTML")
    assert text["text"] == "<b>talks</b> & more"
    assert document["type"] == "multipart/form-data"
    assert document["chat_id"] == (None, b"42")
    assert any(value == ("agenda.txt", b"agenda") for value in document.values())


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        ("close after reading", AmbiguousSendError),  # it reached the server
        ("no answer in time", AmbiguousSendError),
        ("no free connection", TransientError),  # it never left
        ("nobody listening", TransientError),
    ],
)
async def test_transport_failures_say_whether_it_was_sent(
    failure: str, expected: type[Exception]
) -> None:
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        if failure == "close after reading":
            assert request.transport is not None
            request.transport.close()
        await release.wait()
        return web.json_response({"ok": True, "result": MESSAGE})

    runner, base_url = await serve(handler)
    if failure == "nobody listening":
        await runner.cleanup()
    read_timeout = 5.0 if failure == "no free connection" else 0.3
    bot, request = await make_bot(
        base_url, pool_size=1, connect_timeout=0.1, read_timeout=read_timeout, pool_timeout=0.1
    )
    blocker: asyncio.Task[Any] | None = None
    try:
        if failure == "no free connection":
            # The only connection is busy with a request that takes its time.
            blocker = asyncio.create_task(bot.send_message(chat_id=1, text="first"))
            await asyncio.sleep(0.1)
        with pytest.raises(TelegramError) as info:
            await bot.send_message(chat_id=42, text="hello")
        assert isinstance(classify_error(info.value), expected), info.value
        assert TOKEN not in str(info.value)  # the request's path holds the token
    finally:
        release.set()
        if blocker is not None:
            await asyncio.gather(blocker, return_exceptions=True)
        await request.shutdown()
        await runner.cleanup()


async def test_used_without_initialize_and_refused_after_shutdown() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": MESSAGE})

    runner, base_url = await serve(handler)
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=base_url, request=request)  # a send-only bot: never initialized
    try:
        assert (await bot.send_message(chat_id=42, text="hi")).message_id == 7
        await request.shutdown()
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(f"{base_url}{TOKEN}/sendMessage", "POST")
    finally:
        await request.shutdown()
        await runner.cleanup()
