"""Telegram adapter (python-telegram-bot 22). The only module that imports ``telegram``.

Receiving: long polling by default, or a webhook served here (aiohttp) that checks the
``X-Telegram-Bot-Api-Secret-Token`` header with a constant-time compare. Both feed the
same PTB ``Application``. Sending: ``send`` maps every PTB error onto the ChatError
classes of ``bot.ports``; retries are left to ``bot.delivery`` (no PTB rate limiter, no
retry layers of our own here), so a send is attempted exactly once per call.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import logging
import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram import Message as TgMessage
from telegram.constants import ChatType as TgChatType
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.chat.base import AdminCache, InboundDedup, MemoryDedup
from bot.chat.markup import telegram_html, telegram_plain
from bot.chat.telegram_http import AiohttpRequest, answer_may_be_lost, request_never_left
from bot.commands import COMMANDS, ParsedCommand, parse_command, parse_mention
from bot.commands.registry import Access, Command
from bot.config import TelegramSettings
from bot.models import (
    AdminCheck,
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
    ChatMigratedError,
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

# Bot API limits (python-telegram-bot constants MessageLimit / BotCommandLimit).
TELEGRAM_MAX_TEXT = 4096  # UTF-16 code units after entity parsing
TELEGRAM_MAX_COMMAND_DESCRIPTION = 256
# Updates handled at once, at most one per sender: a slow reply to one user, or a
# user's flood of commands, does not hold up the others.
CONCURRENT_UPDATES = 16
# Keep-alive connections for sending: enough for the sender's requests in flight.
SEND_CONNECTIONS = 8

ALLOWED_UPDATES = ["message", "channel_post", "my_chat_member", "callback_query"]
BUTTON_PREFIX = "cmd:"  # callback_data of our buttons: "cmd:unsubscribe all" (≤ 64 bytes)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
GONE_STATUSES = {ChatMember.LEFT, ChatMember.BANNED}
PRESENT_STATUSES = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}

# BadRequest descriptions that mean "this chat can never receive from us" (lower case).
_PERMANENT_BAD_REQUEST = (
    "chat not found",
    "user is deactivated",
    "have no rights to send",
    "not enough rights",
    "need administrator rights",
    "bot was kicked",
    "chat_write_forbidden",
    "peer_id_invalid",
    "group chat was deactivated",
)
# BadRequest descriptions that blame our markup or size.
_FORMATTING_BAD_REQUEST = (
    "can't parse entities",
    "can't find end",
    "unsupported start tag",
    "message is too long",
    "text must be non-empty",
    "message text is empty",
)


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def classify_error(exc: TelegramError) -> ChatError:
    """One PTB exception → the ChatError class that says what delivery should do."""
    text = str(exc)
    low = text.lower()
    if isinstance(exc, RetryAfter):
        return RateLimited(text, retry_after=_retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        new = ChatTarget(Platform.TELEGRAM, str(exc.new_chat_id))
        return ChatMigratedError(text, new)
    if isinstance(exc, InvalidToken | Conflict | EndPointNotFound):
        # sendMessage always exists: "not found" means the token or the API URL is wrong.
        return FatalPlatformError(text)
    if isinstance(exc, Forbidden):
        return PermanentChatError(text)
    if isinstance(exc, BadRequest):
        if any(p in low for p in _PERMANENT_BAD_REQUEST):
            return PermanentChatError(text)
        # Any other 400 is a request we built badly: the plain-text fallback is the only retry.
        return FormattingError(text)
    if request_never_left(exc):
        return TransientError(text)  # the request never left: safe to send again
    if answer_may_be_lost(exc):
        return AmbiguousSendError(text or "timed out waiting for Telegram's answer")
    return TransientError(text)


class FairUpdateProcessor(BaseUpdateProcessor):
    """Each sender's updates one after another; different senders' side by side.

    PTB takes its own slot before handing us an update, so its bound is set out of the
    way and ours is taken after the sender's turn comes: a user with 300 queued
    commands holds one slot, and anyone else's update starts at once.
    """

    def __init__(self, max_concurrent: int, max_queued: int = 100_000) -> None:
        super().__init__(max_concurrent_updates=max_queued)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}  # sender → (turn, users)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender_key(update)
        turn, users = self._turns.get(key, (asyncio.Lock(), 0))
        self._turns[key] = (turn, users + 1)
        try:
            async with turn, self._slots:
                await coroutine
        except asyncio.CancelledError:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # cancelled while waiting its turn: never started
            raise
        finally:
            turn, users = self._turns[key]
            if users <= 1:
                del self._turns[key]
            else:
                self._turns[key] = (turn, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _sender_key(update: object) -> str:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return f"user:{update.effective_user.id}"
        if update.effective_chat is not None:
            return f"chat:{update.effective_chat.id}"
    return "other"


def _buttons(actions: tuple[MessageAction, ...]) -> InlineKeyboardMarkup | None:
    """One button per row; an action whose callback data would not fit is left out."""
    rows = [
        [InlineKeyboardButton(a.label, callback_data=BUTTON_PREFIX + a.text)]
        for a in actions
        if len((BUTTON_PREFIX + a.text).encode()) <= 64
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _menu_entry(command: Command) -> BotCommand:
    return BotCommand(command.name, shorten(command.description, TELEGRAM_MAX_COMMAND_DESCRIPTION))


def _chat_id(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id  # "@channelusername"


def _chat_type(kind: str) -> ChatType:
    if kind == TgChatType.PRIVATE:
        return ChatType.PRIVATE
    if kind == TgChatType.CHANNEL:
        return ChatType.CHANNEL
    return ChatType.GROUP


def _incoming(
    chat: Chat, user_id: str, parsed: ParsedCommand, raw_text: str, admin_check: AdminCheck
) -> IncomingCommand:
    """A command as the core sees it, typed in ``chat`` or pressed on one of our buttons."""
    return IncomingCommand(
        target=ChatTarget(Platform.TELEGRAM, str(chat.id)),
        user_id=user_id,
        name=parsed.name,
        args=parsed.args,
        chat_type=_chat_type(chat.type),
        raw_text=raw_text,
        style=CommandStyle.UNDERSCORE,
        admin_check=admin_check,
    )


class TelegramPlatform:
    """ChatPlatform for Telegram. ``start`` begins receiving; ``send`` never retries."""

    name = "telegram"

    def __init__(
        self,
        settings: TelegramSettings,
        token: str,
        subscriptions: SubscriptionRepository,
        *,
        dedup: InboundDedup | None = None,
        webhook_secret: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        poll_timeout: float = 10.0,
    ) -> None:
        if settings.mode == "webhook" and not (webhook_secret and settings.webhook_url):
            raise ValueError(
                "Telegram webhook mode needs telegram.webhook_url and TELEGRAM_WEBHOOK_SECRET"
            )
        self.settings = settings
        self.subscriptions = subscriptions
        self.dedup = dedup or MemoryDedup()
        self.admins = AdminCache()
        self.webhook_secret = webhook_secret
        self.poll_timeout = poll_timeout
        request = AiohttpRequest(
            pool_size=SEND_CONNECTIONS,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            pool_timeout=connect_timeout,
        )
        updates_request = AiohttpRequest(
            pool_size=1,
            connect_timeout=connect_timeout,
            read_timeout=poll_timeout + read_timeout,
            pool_timeout=connect_timeout,
        )
        builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(settings.api_base_url)
            .request(request)
            .get_updates_request(updates_request)
            .concurrent_updates(FairUpdateProcessor(CONCURRENT_UPDATES))
        )
        if settings.mode == "webhook":
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        # Closed in stop() even when the Application never started (send-only use, as in
        # `bot run --once`): PTB closes them only on shutdown of an initialized bot.
        self._requests = (request, updates_request)
        self._on_command: CommandCallback | None = None
        self._set_up = False
        self._runner: web.AppRunner | None = None
        self.webhook_port: int | None = None

    @property
    def bot_username(self) -> str | None:
        return self.application.bot.username if self._set_up else None

    # ----------------------------------------------------------------- lifecycle

    async def setup(self, on_command: CommandCallback) -> None:
        """Register handlers, call getMe and publish the command menu (no receiving yet)."""
        if self._set_up:
            return
        self._on_command = on_command
        app = self.application
        app.add_handler(TypeHandler(Update, self._dedup_update), group=-1)
        messages = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        for command in COMMANDS:
            app.add_handler(CommandHandler(command.name, self._on_command_update, filters=messages))
        app.add_handler(
            MessageHandler(messages & filters.Regex(r"^/[A-Za-z0-9_-]"), self._on_command_update)
        )
        app.add_handler(CallbackQueryHandler(self._on_button, pattern=f"^{BUTTON_PREFIX}"))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(
            ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        app.add_error_handler(self._on_error)
        try:
            await app.initialize()
        except (InvalidToken, Conflict) as exc:
            raise FatalPlatformError(f"Telegram refused the bot token: {exc}") from exc
        self._set_up = True
        await self.publish_commands()

    async def publish_commands(self) -> None:
        """The command menu from the command table: in groups, members see only what
        they may run; the chats' administrators (and private chats) see everything."""
        everything = [_menu_entry(c) for c in COMMANDS.listed()]
        for_members = [_menu_entry(c) for c in COMMANDS.listed() if c.access is not Access.ADMINS]
        menus: list[tuple[list[BotCommand], BotCommandScope | None]] = [
            (everything, None),
            (for_members, BotCommandScopeAllGroupChats()),
            (everything, BotCommandScopeAllChatAdministrators()),
        ]
        for commands, scope in menus:
            try:
                await self.application.bot.set_my_commands(commands, scope=scope)
            except TelegramError as exc:  # the menu is a nicety; commands work without it
                log.warning("setMyCommands failed: %s", exc)
                return

    async def start(self, on_command: CommandCallback) -> None:
        await self.setup(on_command)
        app = self.application
        if self.settings.mode == "webhook":
            await self._start_webhook()
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                timeout=int(self.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                error_callback=self._on_polling_error,
            )
        await app.start()
        log.info("telegram: receiving via %s as @%s", self.settings.mode, self.bot_username)

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if app.running:
            await app.stop()
        if self._set_up:
            await app.shutdown()
            self._set_up = False
        for request in self._requests:  # no-op when already closed by shutdown()
            await request.shutdown()

    def _on_polling_error(self, exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            log.error("telegram: another instance is polling with this token (409 Conflict)")
        else:
            log.warning("telegram: polling error: %s", exc)

    # ----------------------------------------------------------------- webhook

    async def _start_webhook(self) -> None:
        path = urlsplit(self.settings.webhook_url or "").path or "/telegram"
        web_app = web.Application(client_max_size=1024 * 1024)
        web_app.router.add_post(path, self._webhook)
        self._runner = web.AppRunner(web_app, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        self.webhook_port = self._runner.addresses[0][1]
        await self.application.bot.set_webhook(
            url=self.settings.webhook_url or "",
            secret_token=self.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
        )

    async def _webhook(self, request: web.Request) -> web.Response:
        secret = self.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("telegram webhook: request with a missing or wrong secret rejected")
            return web.Response(status=403)
        if request.content_type != "application/json":
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self.application.bot)
        except Exception:
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        # Answer at once: Telegram holds back a chat's later updates while one is
        # slow. The Application works through its queue.
        await self.application.update_queue.put(update)
        return web.Response(status=200)

    async def process_update(self, data: dict[str, Any]) -> None:
        """Handle one raw update dict now (tests and custom receivers)."""
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)

    # ----------------------------------------------------------------- inbound

    async def _dedup_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.dedup.claim(f"telegram:{update.update_id}"):
            log.info("telegram: update %s seen before; ignored", update.update_id)
            raise ApplicationHandlerStop

    async def _is_admin(self, message: TgMessage) -> bool:
        """Called by the core only after the rate limit, and answered from a cache."""
        chat = message.chat
        if chat.type in (TgChatType.PRIVATE, TgChatType.CHANNEL):
            return True  # in channels only admins can post at all
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True  # an anonymous group admin
        if message.from_user is None:
            return False
        return await self._is_member_admin(chat, message.from_user.id)

    async def _is_member_admin(self, chat: Chat, user_id: int) -> bool:
        """Does this user administer the chat? (Anyone who can see a channel's button can
        press it, so for a button press in a channel Telegram is asked too.)"""
        if chat.type == TgChatType.PRIVATE:
            return True

        async def ask() -> bool | None:
            try:
                member = await self.application.bot.get_chat_member(chat.id, user_id)
            except TelegramError as exc:
                log.warning("telegram: getChatMember failed (%s); treating user as non-admin", exc)
                return None
            return member.status in ADMIN_STATUSES

        return await self.admins.is_admin(str(chat.id), str(user_id), ask)

    async def _on_command_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text or self._on_command is None:
            return
        parsed = parse_command(message.text, self.bot_username)
        if parsed is None:
            return  # addressed to another bot
        known = parsed.name in COMMANDS
        addressed = f"@{(self.bot_username or '').lower()}" in message.text.split()[0].lower()
        if not known and message.chat.type != TgChatType.PRIVATE and not addressed:
            return  # an unknown /word in a group is probably for another bot
        chat = message.chat
        user = message.from_user
        cmd = _incoming(
            chat,
            str(user.id) if user else f"chat:{chat.id}",
            parsed,
            message.text,
            lambda: self._is_admin(message),
        )
        reply = await self._on_command(cmd)
        await self._answer(cmd.target, reply)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button of ours pressed: its command runs for the presser, as if typed."""
        query = update.callback_query
        if query is None or query.message is None or self._on_command is None:
            return
        parsed = parse_mention((query.data or "").removeprefix(BUTTON_PREFIX))
        if parsed is None:
            return
        chat, user_id = query.message.chat, query.from_user.id
        cmd = _incoming(
            chat,
            str(user_id),
            parsed,
            query.data or "",
            lambda: self._is_member_admin(chat, user_id),
        )
        reply = await self._on_command(cmd)
        if not reply.headline and not reply.lines:
            return  # a flooding user: not even the button's spinner is answered
        try:
            await query.answer()
        except TelegramError as exc:
            log.info("telegram: could not answer a button press: %s", exc)
        await self._answer(cmd.target, reply)

    async def _answer(self, target: ChatTarget, reply: Message) -> None:
        if not reply.headline and not reply.lines:
            return  # the core chose silence (e.g. a flooding user)
        try:
            await self.send(target, reply)
        except FormattingError:
            await self.send(target, reply, plain=True)
        except ChatError as exc:
            log.warning("telegram: could not reply in %s: %s", target.chat_id, exc)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        elif message.migrate_from_chat_id:
            old, new = str(message.migrate_from_chat_id), str(message.chat.id)
        else:
            return
        log.info("telegram: group %s became supergroup %s", old, new)
        await self.subscriptions.migrate(
            ChatTarget(Platform.TELEGRAM, old), ChatTarget(Platform.TELEGRAM, new)
        )

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        target = ChatTarget(Platform.TELEGRAM, str(change.chat.id))
        old, new = change.old_chat_member.status, change.new_chat_member.status
        if new in GONE_STATUSES:
            why = "bot blocked by the user" if change.chat.type == "private" else "bot removed"
            log.info("telegram: %s in %s; subscription deactivated", why, change.chat.id)
            await self.subscriptions.deactivate(target, why)
        elif new in PRESENT_STATUSES and old in GONE_STATUSES:
            log.info("telegram: bot is back in %s; subscription reactivated", change.chat.id)
            await self.subscriptions.reactivate(target)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: error while handling an update: %r", context.error)

    # ----------------------------------------------------------------- outbound

    async def send(self, target: ChatTarget, message: Message, *, plain: bool = False) -> SentRef:
        if plain:
            parts = telegram_plain(message, TELEGRAM_MAX_TEXT)
        else:
            parts = telegram_html(message, TELEGRAM_MAX_TEXT)
        first: str | None = None
        buttons = None if plain else _buttons(message.actions)
        for index, part in enumerate(parts):
            try:
                sent = await self._post_message(
                    chat_id=_chat_id(target.chat_id),
                    text=part,
                    parse_mode=None if plain else ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    reply_markup=buttons if index == len(parts) - 1 else None,
                )
            except TelegramError as exc:
                raise classify_error(exc) from exc
            if first is None:
                first = sent
        return SentRef(target=target, message_id=first or "")

    async def _post_message(self, **fields: Any) -> str:
        """``sendMessage``, and the new message's id. The answer's ``message_id`` is all
        the sender keeps, so it is read from the raw answer: building PTB's ``Message``
        from it was a sixth of the CPU of a send."""
        with warnings.catch_warnings():
            # PTB suggests ``send_message``; its arguments and errors are the same here.
            warnings.simplefilter("ignore", PTBUserWarning)
            answer = await self.application.bot.do_api_request("sendMessage", api_kwargs=fields)
        if not isinstance(answer, dict) or "message_id" not in answer:
            raise TelegramError(f"sendMessage answered without a message id: {answer!r:.200}")
        return str(answer["message_id"])

    async def mark_outdated(self, ref: SentRef, note: str, original: Message | None = None) -> None:
        text = telegram_html(outdated_message(original, note), TELEGRAM_MAX_TEXT)[0]
        try:
            await self.application.bot.edit_message_text(
                text=text,
                chat_id=_chat_id(ref.target.chat_id),
                message_id=int(ref.message_id),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            raise classify_error(exc) from exc
        except TelegramError as exc:
            raise classify_error(exc) from exc
