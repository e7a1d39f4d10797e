"""Slack adapter (slack-bolt AsyncApp). The only module that imports slack_bolt / slack_sdk.

Receiving: Socket Mode when an app token (``xapp-…``) is given, otherwise HTTP mode on
``/slack/events``. In HTTP mode the signature and timestamp are checked here, on the raw
body and with an injectable clock, before Bolt sees the request (bad → 401).
A signed request seen before (same signature: same timestamp and body) is a replay and
is never run again; its signature is remembered (in the inbound dedup store) for the
five minutes it could pass the timestamp check.
Slash commands are acknowledged first (Slack wants an answer within 3 s), then run.
Event redeliveries (``X-Slack-Retry-Num``) are deduplicated by ``event_id``; a failed
first attempt releases its claim so the retry is processed.

Who may change a channel's subscriptions: in a DM, the user; in a channel, workspace
admins and owners (``users.info``) and the channel's creator (``conversations.info``).

``send`` maps Slack failures to the ChatError classes of ``bot.ports``. The SDK's own
retry handlers are switched off: bot.delivery owns retries, so none are stacked.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.backoff import retry_after_seconds
from bot.chat.base import AdminCache, InboundDedup, MemoryDedup
from bot.chat.markup import SLACK_MAX_BLOCKS, slack_payload, slack_plain
from bot.commands import COMMANDS, Command, ParsedCommand, parse_command, parse_mention
from bot.config import SlackSettings
from bot.models import (
    ChatTarget,
    ChatType,
    CommandStyle,
    IncomingCommand,
    Message,
    MessageAction,
    Platform,
    SentRef,
)
from bot.ports import (
    AmbiguousSendError,
    ChatError,
    CommandCallback,
    FatalPlatformError,
    FormattingError,
    PermanentChatError,
    RateLimited,
    SubscriptionRepository,
    TransientError,
)
from bot.render import outdated_message, shorten

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_RETRY_AFTER = 30.0  # when Retry-After is missing or unreadable
MAX_RETRY_AFTER = 3600.0
# Our budget for one message's text (Slack truncates at 40,000; long ones read badly).
SLACK_MAX_MESSAGE_TEXT = 4000
SLACK_MAX_BUTTON_LABEL = 75  # Block Kit: a button's plain_text
SLACK_MAX_BUTTONS = 25  # Block Kit: elements of one actions block
ACTION_PREFIX = "command:"  # action_id of our buttons; the value is the command's words

PERMANENT_CODES = {
    "channel_not_found": "the channel does not exist or the bot cannot see it (private?)",
    "not_in_channel": "invite the bot to the channel (/invite @bot) or add chat:write.public",
    "is_archived": "the channel is archived",
    "channel_is_archived": "the channel is archived",
    "restricted_action": "the workspace does not allow the bot to post there",
    "cannot_dm_bot": "a bot cannot be messaged directly",
    "user_not_found": "the user no longer exists",
}
FATAL_CODES = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "missing_scope",
    "no_permission",
    "ekm_access_denied",
    "org_login_required",
    "not_allowed_token_type",
}
FORMATTING_CODES = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "too_many_blocks",
    "invalid_attachments",
}
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def parse_retry_after(value: str | None, now: float) -> float:
    """``Retry-After`` as seconds or an HTTP date (``bot.backoff.retry_after_seconds``);
    anything unreadable → a safe default, a date already past → 0."""
    seconds = retry_after_seconds(value, datetime.fromtimestamp(now, UTC))
    if seconds is None:
        return DEFAULT_RETRY_AFTER
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def classify_error(exc: BaseException, now: float | None = None) -> ChatError:
    """A slack_sdk / aiohttp failure → the ChatError class that says what to do next."""
    now = time.time() if now is None else now
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 0) or 0
        data = getattr(response, "data", None)
        code = data.get("error", "") if isinstance(data, dict) else ""
        headers = getattr(response, "headers", None) or {}
        if status == 429 or code == "ratelimited":
            retry = headers.get("Retry-After") or headers.get("retry-after")
            wait = parse_retry_after(retry, now)
            return RateLimited(f"slack rate limited ({code or status})", retry_after=wait)
        if code in PERMANENT_CODES:
            return PermanentChatError(f"{code}: {PERMANENT_CODES[code]}")
        if code in FATAL_CODES:
            detail = ""
            if code == "missing_scope" and isinstance(data, dict):
                detail = f" (needed: {data.get('needed')}, provided: {data.get('provided')})"
            return FatalPlatformError(f"slack {code}{detail}")
        if code in FORMATTING_CODES:
            return FormattingError(f"slack {code}")
        return TransientError(f"slack error {code or status}")
    if isinstance(exc, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
        return TransientError(f"cannot reach Slack: {exc!r}")  # never sent
    if isinstance(exc, TimeoutError | aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return AmbiguousSendError(f"no answer from Slack after sending: {exc!r}")
    return TransientError(repr(exc))


def slash_commands() -> tuple[Command, ...]:
    """The slash commands served (spelled ``slack_name(command)``); the app manifests in
    deploy/ match.

    ``/start`` is Telegram's opening of a bot chat; Slack has no such step.
    """
    return tuple(command for command in COMMANDS if command.name != "start")


def slack_name(command: Command) -> str:
    """``/next-meeting``: how the command is declared in the Slack app and typed there."""
    return command.spelled(CommandStyle.HYPHEN)


def replayed_request_refused(retry: str | None) -> web.Response:
    """A signed request received before is not run again. Slack's own redelivery of it is
    acknowledged (so Slack stops); anything else is refused."""
    log.warning("slack: a signed request was replayed; not run again")
    if retry:
        return web.json_response({"ok": True, "replayed": True})
    return web.json_response({"error": "replayed request"}, status=401)


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def _visibility(name: str) -> str:
    """Answers everyone may see go to the channel; the rest only to the one who asked."""
    declared = COMMANDS.get(name)
    return "in_channel" if declared is not None and declared.answer_in_channel else "ephemeral"


def _with_buttons(
    blocks: list[dict[str, Any]], actions: tuple[MessageAction, ...]
) -> list[dict[str, Any]]:
    if not actions or len(blocks) >= SLACK_MAX_BLOCKS:
        return blocks
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": shorten(a.label, SLACK_MAX_BUTTON_LABEL)},
            "value": a.text,
            "action_id": f"{ACTION_PREFIX}{i}",
        }
        for i, a in enumerate(actions[:SLACK_MAX_BUTTONS])
    ]
    return [*blocks, {"type": "actions", "elements": buttons}]


def _chat_type(channel_id: str, channel_name: str = "") -> ChatType:
    if channel_id.startswith("D") or channel_name == "directmessage":
        return ChatType.PRIVATE
    if channel_name in ("privategroup", "mpdm") or channel_id.startswith("G"):
        return ChatType.GROUP
    return ChatType.CHANNEL


class SlackPlatform:
    """ChatPlatform for one Slack workspace."""

    name = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        bot_token: str,
        subscriptions: SubscriptionRepository,
        *,
        signing_secret: str | None = None,
        app_token: str | None = None,
        dedup: InboundDedup | None = None,
        clock: Callable[[], float] = time.time,
        timeout: int = 30,
    ) -> None:
        if not app_token and not signing_secret:
            raise ValueError("Slack HTTP mode needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)")
        self.settings = settings
        self.subscriptions = subscriptions
        self.app_token = app_token
        self.dedup = dedup or MemoryDedup()
        self.admins = AdminCache()
        self.clock = clock
        self.verifier = SignatureVerifier(signing_secret or "", clock=_Clock(clock))
        self.client = AsyncWebClient(
            token=bot_token, base_url=settings.api_base_url, timeout=timeout, retry_handlers=[]
        )
        self._identity: AsyncSlackResponse | None = None
        self._identity_lock = asyncio.Lock()

        async def authorize() -> AuthorizeResult:  # Bolt passes only the arguments named
            return await self._authorize()

        # Bolt's own client carries no token (each request gets ours from authorize), so
        # Bolt does not warn at start that the token is ignored.
        bolt_client = AsyncWebClient(
            base_url=settings.api_base_url, timeout=timeout, retry_handlers=[]
        )
        self.app = AsyncApp(
            client=bolt_client,
            signing_secret=signing_secret or "socket-mode",
            request_verification_enabled=False,  # done in _http_events with our clock
            authorize=authorize,
        )
        for command in slash_commands():
            self.app.command(slack_name(command))(self._on_slash_command)
        self.app.event("app_mention")(self._on_mention)
        self.app.action(re.compile(f"^{ACTION_PREFIX}"))(self._on_button)
        self._on_command: CommandCallback | None = None
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self.port: int | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self, on_command: CommandCallback) -> None:
        self._on_command = on_command
        if self.app_token:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.app, self.app_token)
            await self._socket.connect_async()
            log.info("slack: connected in Socket Mode")
            return
        web_app = web.Application(client_max_size=1024 * 1024)
        web_app.router.add_post(EVENTS_PATH, self._http_events)
        self._runner = web.AppRunner(web_app, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("slack: serving %s on port %s", EVENTS_PATH, self.port)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._close_client_session()

    async def _close_client_session(self) -> None:
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()

    # ----------------------------------------------------------------- inbound HTTP

    async def _http_events(self, request: web.Request) -> web.Response:
        body = await request.text()
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        try:
            valid = self.verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):
            valid = False
        if not valid:
            log.warning("slack: request with a bad signature or stale timestamp rejected")
            return web.json_response({"error": "invalid request"}, status=401)
        retry = request.headers.get("X-Slack-Retry-Num")
        if not await self.dedup.claim(f"slack-request:{signature}"):
            return replayed_request_refused(retry)
        if retry:
            log.info(
                "slack: redelivery #%s (%s)", retry, request.headers.get("X-Slack-Retry-Reason")
            )
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _authorize(self) -> AuthorizeResult:
        """Bolt's per-request authorization from one ``auth.test`` per process.

        Bolt's own single-workspace cache is filled by the first answer, so a burst of
        requests before it would each call ``auth.test``; here they wait for one call.
        """
        async with self._identity_lock:
            if self._identity is None:
                self._identity = await self.client.auth_test()
        return AuthorizeResult.from_auth_test_response(
            bot_token=self.client.token, auth_test_response=self._identity
        )

    # ----------------------------------------------------------------- commands

    async def _is_admin(self, user_id: str, channel_id: str) -> bool:
        """Called by the core only after the rate limit, and answered from a cache."""

        async def ask() -> bool | None:
            try:
                user = (await self.client.users_info(user=user_id)).get("user") or {}
                if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
                    return True
                channel = (await self.client.conversations_info(channel=channel_id)).get("channel")
                return bool(channel and channel.get("creator") == user_id)
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("slack: cannot check admin rights (%s); treating as non-admin", exc)
                return None

        return await self.admins.is_admin(channel_id, user_id, ask)

    async def _run(
        self, parsed: ParsedCommand, channel_id: str, channel_name: str, user_id: str, raw: str
    ) -> tuple[IncomingCommand, Message] | None:
        if self._on_command is None:
            return None
        cmd = IncomingCommand(
            target=ChatTarget(Platform.SLACK, channel_id),
            user_id=user_id,
            name=parsed.name,
            args=parsed.args,
            chat_type=_chat_type(channel_id, channel_name),
            raw_text=raw,
            style=CommandStyle.HYPHEN,
            admin_check=lambda: self._is_admin(user_id, channel_id),
        )
        reply = await self._on_command(cmd)
        if not reply.headline and not reply.lines:
            return None
        return cmd, reply

    async def _on_slash_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()  # within 3 s, before any work
        raw = f"{command.get('command', '')} {command.get('text', '')}".strip()
        parsed = parse_command(raw)
        if parsed is None:
            return
        result = await self._run(
            parsed,
            str(command.get("channel_id", "")),
            str(command.get("channel_name", "")),
            str(command.get("user_id", "")),
            raw,
        )
        if result is None:
            return
        cmd, reply = result
        await respond(**self._content(reply, False), response_type=_visibility(cmd.name))

    async def _on_button(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        """A button of ours pressed: its command runs for the presser, as if typed."""
        await ack()
        value = str(action.get("value", ""))
        parsed = parse_mention(value)
        if parsed is None:
            return
        channel = body.get("channel") or {}
        user = body.get("user") or {}
        result = await self._run(
            parsed,
            str(channel.get("id", "")),
            str(channel.get("name", "")),
            str(user.get("id", "")),
            value,
        )
        if result is None:
            return
        cmd, reply = result
        await respond(
            **self._content(reply, False),
            response_type=_visibility(cmd.name),
            replace_original=False,
        )

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], say: Any) -> None:
        event_id = str(body.get("event_id") or "")
        key = f"slack:{event_id}"
        if event_id and not await self.dedup.claim(key):
            log.info("slack: event %s already handled; redelivery ignored", event_id)
            return
        try:
            text = _MENTION.sub(" ", str(event.get("text", "")))
            parsed = parse_mention(text)
            if parsed is None:
                return
            channel = str(event.get("channel", ""))
            result = await self._run(parsed, channel, "", str(event.get("user", "")), text)
            if result is None:
                return
            await say(**self._content(result[1], False), thread_ts=event.get("thread_ts"))
        except BaseException:
            if event_id:
                await self.dedup.release(key)  # let Slack's retry do the work
            raise

    # ----------------------------------------------------------------- outbound

    def _content(self, message: Message, plain: bool) -> dict[str, Any]:
        if plain:
            return {"text": slack_plain(message, SLACK_MAX_MESSAGE_TEXT)}
        payload = slack_payload(message, SLACK_MAX_MESSAGE_TEXT)
        return {"text": payload.text, "blocks": _with_buttons(payload.blocks, message.actions)}

    async def send(self, target: ChatTarget, message: Message, *, plain: bool = False) -> SentRef:
        try:
            response = await self.client.chat_postMessage(
                channel=target.chat_id,
                unfurl_links=False,
                unfurl_media=False,
                **self._content(message, plain),
            )
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
            raise classify_error(exc, self.clock()) from exc
        ref = SentRef(target=target, message_id=str(response.get("ts", "")))
        return ref

    async def mark_outdated(self, ref: SentRef, note: str, original: Message | None = None) -> None:
        try:
            await self.client.chat_update(
                channel=ref.target.chat_id,
                ts=ref.message_id,
                **self._content(outdated_message(original, note), False),
            )
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
            raise classify_error(exc, self.clock()) from exc
