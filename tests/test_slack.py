"""The Slack adapter: the real AsyncApp over real HTTP, against a local fake Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import urlencode

import aiohttp
import pytest
from chatkit import Core
from fakes.slack_api import FakeSlack
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.chat.slack import SlackPlatform, classify_error, parse_retry_after
from bot.config import SlackSettings
from bot.models import ChatTarget, Message, Platform
from bot.ports import (
    AmbiguousSendError,
    FatalPlatformError,
    FormattingError,
    PermanentChatError,
    RateLimited,
    TransientError,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_800_000_000.0
ADMIN, MEMBER = "UADMIN", "UMEMBER"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    server.admins.add(ADMIN)
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def core() -> Core:
    return Core()


@pytest.fixture
async def slack(fake: FakeSlack, core: Core) -> AsyncIterator[SlackPlatform]:
    settings = SlackSettings(api_base_url=fake.base_url, http_host="127.0.0.1").model_copy(
        update={"http_port": 0}
    )
    platform = SlackPlatform(
        settings, "xoxb-test", core.subscriptions, signing_secret=SECRET, clock=lambda: NOW
    )
    await platform.start(core.on_command)
    yield platform
    await platform.stop()


def headers(body: str, ts: float = NOW, secret: str = SECRET) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(int(ts)), body=body)
    return {"X-Slack-Request-Timestamp": str(int(ts)), "X-Slack-Signature": signature}


def slash(
    fake: FakeSlack, command: str, text: str = "", user: str = MEMBER, channel: str = "C1"
) -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": "T1",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": fake.response_url(),
            "trigger_id": "1.2.3",
        }
    )


async def post(
    slack: SlackPlatform, body: str, hdrs: dict[str, str], content_type: str
) -> tuple[int, str]:
    url = f"http://127.0.0.1:{slack.port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers={**hdrs, "Content-Type": content_type}) as resp,
    ):
        return resp.status, await resp.text()


FORM = "application/x-www-form-urlencoded"


async def test_signed_slash_command(slack: SlackPlatform, fake: FakeSlack, core: Core) -> None:
    body = slash(fake, "/next-meeting", "abu dhabi")
    status, _ = await post(slack, body, headers(body), FORM)
    assert status == 200  # acknowledged before the work
    reply = (await fake.wait_for("response"))[0]
    assert reply["response_type"] == "in_channel"
    assert "Next meeting" in json.dumps(reply["blocks"])
    assert core.commands[0].name == "next_meeting"
    assert core.commands[0].args == ("abu", "dhabi")


@pytest.mark.parametrize(
    "tamper",
    ["signature", "body", "stale", "missing", "future", "garbage-ts"],
)
async def test_rejected_requests(
    slack: SlackPlatform, fake: FakeSlack, core: Core, tamper: str
) -> None:
    body = slash(fake, "/help")
    hdrs = headers(body)
    if tamper == "signature":
        good = hdrs["X-Slack-Signature"]
        hdrs["X-Slack-Signature"] = good[:-1] + ("1" if good[-1] == "0" else "0")
    elif tamper == "body":
        body = body.replace("help", "hel")
    elif tamper == "stale":
        hdrs = headers(body, ts=NOW - 301)
    elif tamper == "future":
        hdrs = headers(body, ts=NOW + 301)
    elif tamper == "missing":
        hdrs = {}
    elif tamper == "garbage-ts":
        hdrs["X-Slack-Request-Timestamp"] = "soon"
    status, text = await post(slack, body, hdrs, FORM)
    assert status == 401
    assert json.loads(text) == {"error": "invalid request"}
    assert core.commands == []


@pytest.mark.parametrize("later", [0, 1, 299])
async def test_a_replayed_signed_command_is_refused(
    fake: FakeSlack, core: Core, later: float
) -> None:
    now = [NOW]
    settings = SlackSettings(api_base_url=fake.base_url, http_host="127.0.0.1").model_copy(
        update={"http_port": 0}
    )
    platform = SlackPlatform(
        settings, "xoxb-test", core.subscriptions, signing_secret=SECRET, clock=lambda: now[0]
    )
    await platform.start(core.on_command)
    try:
        body = slash(fake, "/subscribe", "witkoff", channel="D9")
        hdrs = headers(body)
        assert (await post(platform, body, hdrs, FORM))[0] == 200
        await fake.wait_for("response")
        now[0] = NOW + later  # still inside the five minutes the timestamp check allows
        status, text = await post(platform, body, hdrs, FORM)
        assert status == 401 and json.loads(text) == {"error": "replayed request"}
        assert [c.name for c in core.commands] == ["subscribe"]  # run once only
    finally:
        await platform.stop()


async def test_timestamp_within_window_accepted(slack: SlackPlatform, fake: FakeSlack) -> None:
    body = slash(fake, "/help")
    status, _ = await post(slack, body, headers(body, ts=NOW - 299), FORM)
    assert status == 200
    await fake.wait_for("response")


@pytest.mark.parametrize(("user", "allowed"), [(ADMIN, True), ("UCREATOR", True), (MEMBER, False)])
async def test_channel_admin_rule(
    slack: SlackPlatform, fake: FakeSlack, core: Core, user: str, allowed: bool
) -> None:
    body = slash(fake, "/subscribe", "witkoff", user=user)
    await post(slack, body, headers(body), FORM)
    reply = (await fake.wait_for("response"))[0]
    sub = await core.subscriptions.get(ChatTarget(Platform.SLACK, "C1"))
    assert (sub is not None) is allowed
    assert ("Only chat admins" in json.dumps(reply)) is not allowed
    assert reply["response_type"] == "ephemeral"


async def test_dm_needs_no_admin(slack: SlackPlatform, fake: FakeSlack, core: Core) -> None:
    body = slash(fake, "/subscribe", "", channel="D123")
    await post(slack, body, headers(body), FORM)
    await fake.wait_for("response")
    assert await core.subscriptions.get(ChatTarget(Platform.SLACK, "D123")) is not None
    assert fake.calls_to("users.info") == []


def mention(text: str, event_id: str = "Ev1") -> str:
    return json.dumps(
        {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(NOW),
            "event": {
                "type": "app_mention",
                "user": MEMBER,
                "text": text,
                "channel": "C1",
                "ts": "1.1",
                "event_ts": "1.1",
            },
        }
    )


async def test_app_mention_and_retry_dedup(
    slack: SlackPlatform, fake: FakeSlack, core: Core
) -> None:
    body = mention("<@UBOT> next meeting witkoff")
    status, _ = await post(slack, body, headers(body), "application/json")
    assert status == 200
    posted = (await fake.wait_for("chat.postMessage"))[0]
    assert posted["channel"] == "C1" and "Next meeting" in json.dumps(posted["blocks"])
    retry = {**headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    status, _ = await post(slack, body, retry, "application/json")
    assert status == 200
    other = mention("<@UBOT> help", event_id="Ev2")
    await post(slack, other, headers(other), "application/json")
    await fake.wait_for("chat.postMessage", 2)
    assert [c.name for c in core.commands] == ["next_meeting", "help"]  # the retry had no effect


# --------------------------------------------------------------------------- send


MSG = Message(headline="<!channel> hello", lines=("<@U123> <https://evil.example|Your bank>",))
TARGET = ChatTarget(Platform.SLACK, "C1")


async def test_send_escapes_and_disables_unfurl(slack: SlackPlatform, fake: FakeSlack) -> None:
    ref = await slack.send(TARGET, MSG)
    posted = fake.posted[0]
    dumped = json.dumps(posted["blocks"]) + posted["text"]
    for bad in ("<!channel>", "<@U123>", "<https://evil.example|"):
        assert bad not in dumped
    assert "&lt;!channel&gt;" in dumped
    assert posted["unfurl_links"] is False
    await slack.mark_outdated(ref, "Superseded", MSG)
    update = (await fake.wait_for("chat.update"))[0]
    assert update["ts"] == ref.message_id and "OUTDATED" in json.dumps(update["blocks"])
    assert "hello" in json.dumps(update["blocks"])  # the alert's own words, kept


@pytest.mark.parametrize(
    ("error", "status", "hdrs", "expected", "retry_after"),
    [
        ("ratelimited", 429, {"Retry-After": "3"}, RateLimited, 3.0),
        ("ratelimited", 429, {}, RateLimited, 30.0),
        ("ratelimited", 429, {"Retry-After": "Fri, 15 Jan 2027 08:00:10 GMT"}, RateLimited, None),
        ("ratelimited", 429, {"Retry-After": "soon-ish"}, RateLimited, 30.0),
        ("channel_not_found", 200, {}, PermanentChatError, None),
        ("not_in_channel", 200, {}, PermanentChatError, None),
        ("is_archived", 200, {}, PermanentChatError, None),
        ("invalid_auth", 200, {}, FatalPlatformError, None),
        ("token_revoked", 200, {}, FatalPlatformError, None),
        ("missing_scope", 200, {}, FatalPlatformError, None),
        ("invalid_blocks", 200, {}, FormattingError, None),
        ("msg_too_long", 200, {}, FormattingError, None),
        ("internal_error", 500, {}, TransientError, None),
    ],
)
async def test_send_errors_are_classified(
    slack: SlackPlatform,
    fake: FakeSlack,
    error: str,
    status: int,
    hdrs: dict[str, str],
    expected: type[Exception],
    retry_after: float | None,
) -> None:
    fake.fail_next("chat.postMessage", error, status=status, headers=hdrs)
    with pytest.raises(expected) as info:
        await slack.send(TARGET, MSG)
    if retry_after is not None:
        assert info.value.retry_after == retry_after  # type: ignore[attr-defined]
    if error == "not_in_channel":
        assert "invite" in str(info.value)


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3", NOW) == 3.0
    assert parse_retry_after("-5", NOW) == 30.0
    assert parse_retry_after("nan", NOW) == 30.0
    assert parse_retry_after("1e9", NOW) == 3600.0
    assert parse_retry_after("Wed, 15 Jan 2027 08:00:10", NOW) == 30.0  # no zone: unreadable
    assert parse_retry_after(None, NOW) == 30.0


def test_http_date_retry_after_is_relative_to_clock() -> None:
    from datetime import UTC, datetime
    from email.utils import format_datetime

    when = format_datetime(datetime.fromtimestamp(NOW + 42, UTC), usegmt=True)
    assert parse_retry_after(when, NOW) == 42.0


async def test_withheld_reply_is_ambiguous(fake: FakeSlack, core: Core) -> None:
    settings = SlackSettings(api_base_url=fake.base_url)
    platform = SlackPlatform(settings, "xoxb", core.subscriptions, signing_secret=SECRET, timeout=1)
    fake.slow_next("chat.postMessage")
    with pytest.raises(AmbiguousSendError):
        await platform.send(TARGET, MSG)
    assert len(fake.posted) == 1
    await platform.stop()


def test_classify_missing_scope_names_scope() -> None:
    class Resp:
        status_code = 200
        data: ClassVar[dict[str, Any]] = {"error": "missing_scope", "needed": "chat:write"}
        headers: ClassVar[dict[str, str]] = {}

    err = classify_error(SlackApiError("x", Resp()))
    assert isinstance(err, FatalPlatformError) and "chat:write" in str(err)


@pytest.mark.parametrize(
    ("command", "visibility"),
    [("/next-meeting", "in_channel"), ("/meetings", "in_channel"), ("/help", "ephemeral"),
     ("/subscriptions", "ephemeral")],
)  # fmt: skip
async def test_reply_visibility_comes_from_the_command_table(
    slack: SlackPlatform, fake: FakeSlack, command: str, visibility: str
) -> None:
    body = slash(fake, command)
    await post(slack, body, headers(body), FORM)
    reply = (await fake.wait_for("response"))[0]
    assert reply["response_type"] == visibility


async def test_help_uses_slack_spelling(slack: SlackPlatform, fake: FakeSlack) -> None:
    body = slash(fake, "/help", channel="D123")
    await post(slack, body, headers(body), FORM)
    reply = json.dumps((await fake.wait_for("response"))[0], ensure_ascii=False)
    assert "/next-meeting" in reply
    assert "/next_meeting" not in reply


# Slack delivers only the slash commands the app declares; other words arrive as mentions.
@pytest.mark.parametrize("words", ["start", "nxt-meeting"])
async def test_mentioned_words_answer_in_slack_spelling(
    slack: SlackPlatform, fake: FakeSlack, words: str
) -> None:
    body = mention(f"<@UBOT> {words}")
    await post(slack, body, headers(body), "application/json")
    reply = json.dumps((await fake.wait_for("chat.postMessage"))[0], ensure_ascii=False)
    assert "/next-meeting" in reply
    assert "/next_meeting" not in reply


async def test_admin_answer_is_cached_per_channel_and_user(
    slack: SlackPlatform, fake: FakeSlack
) -> None:
    for i, text in enumerate(["witkoff", "miami", "abu-dhabi"], 1):
        body = slash(fake, "/subscribe", text, user=MEMBER)
        await post(slack, body, headers(body), FORM)
        await fake.wait_for("response", i)
    assert len(fake.calls_to("users.info")) == 1
    assert len(fake.calls_to("conversations.info")) == 1
    body = slash(fake, "/subscribe", "witkoff", user=MEMBER, channel="C2")
    await post(slack, body, headers(body), FORM)
    await fake.wait_for("response", 4)
    assert len(fake.calls_to("users.info")) == 2  # another channel: asked again


def button_press(fake: FakeSlack, value: str, user: str, channel: str = "C1") -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "channel": {"id": channel, "name": "general"},
        "container": {"type": "message", "is_ephemeral": True},
        "response_url": fake.response_url(f"press-{user}"),
        "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": "command:0", "block_id": "b1", "value": value}],
    }
    return urlencode({"payload": json.dumps(payload)})


async def test_confirmation_button_runs_the_command_for_whoever_presses_it(
    slack: SlackPlatform, fake: FakeSlack, core: Core
) -> None:
    target = ChatTarget(Platform.SLACK, "C1")
    await core.subscriptions.subscribe(target, frozenset({"witkoff"}))
    body = slash(fake, "/subscribe", user=ADMIN)
    await post(slack, body, headers(body), FORM)
    question = (await fake.wait_for("response"))[0]
    assert "Send /subscribe all to confirm" in json.dumps(question, ensure_ascii=False)
    (actions,) = [b for b in question["blocks"] if b["type"] == "actions"]
    value = actions["elements"][0]["value"]
    assert value == "subscribe all"
    for count, user in enumerate((MEMBER, ADMIN), 2):
        press = button_press(fake, value, user)
        status, _ = await post(slack, press, headers(press), FORM)
        assert status == 200
        answer = (await fake.wait_for("response", count))[-1]
        assert answer["_response_id"] == f"press-{user}"
        sub = await core.subscriptions.get(target)
        assert sub is not None
        if user == MEMBER:
            assert "Only chat admins" in json.dumps(answer)
            assert sub.entity_ids == {"witkoff"}
        else:
            assert "Subscribed to every tracked meeting" in json.dumps(answer)
            assert sub.entity_ids == frozenset()
