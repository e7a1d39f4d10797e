"""The Slack app manifests in deploy/ declare exactly what the Slack adapter serves and uses."""

from __future__ import annotations

import ast
import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import yaml
from chatkit import Core
from fakes.slack_api import FakeSlack
from slack_sdk.signature import SignatureVerifier

import bot.chat.slack as slack_module
from bot.chat.slack import EVENTS_PATH, SlackPlatform, slack_name, slash_commands
from bot.config import SlackSettings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
HTTP_MANIFEST = DEPLOY / "slack-app-manifest.yaml"
SOCKET_MANIFEST = DEPLOY / "slack-app-manifest.socket-mode.yaml"
MANIFESTS = (HTTP_MANIFEST, SOCKET_MANIFEST)
SECRET = "3c1e0a8e55e1b6f0c0ffee00deadbeef"
NOW = 1_800_000_000.0

# Bot scopes each Web API method the adapter calls needs (docs.slack.dev, "Required scopes").
# conversations.info is only asked about channels and group DMs (a DM belongs to its user).
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "chat_postMessage": frozenset({"chat:write"}),
    "chat_update": frozenset({"chat:write"}),
    "users_info": frozenset({"users:read"}),
    "conversations_info": frozenset({"channels:read", "groups:read", "mpim:read"}),
    "auth_test": frozenset(),  # who the bot is: needs no scope
}
EVENT_SCOPES: dict[str, frozenset[str]] = {"app_mention": frozenset({"app_mentions:read"})}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def manifest_commands(manifest: dict[str, Any]) -> list[str]:
    return [c["command"] for c in manifest["features"]["slash_commands"]]


def _adapter_tree() -> ast.Module:
    return ast.parse(inspect.getsource(slack_module))


def client_methods_called() -> set[str]:
    """``self.client.<method>(…)`` calls in the adapter: the Web API methods it uses."""
    found = set()
    for node in ast.walk(_adapter_tree()):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "client":
                found.add(node.func.attr)
    return found


def events_subscribed() -> set[str]:
    """``self.app.event("…")`` registrations in the adapter."""
    found = set()
    for node in ast.walk(_adapter_tree()):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "event"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_lists_exactly_the_served_slash_commands(path: Path) -> None:
    served = [slack_name(command) for command in slash_commands()]
    listed = manifest_commands(load(path))
    assert sorted(listed) == sorted(served)
    assert len(listed) == len(set(listed))
    usage = {slack_name(command): command.args for command in slash_commands()}
    for command in load(path)["features"]["slash_commands"]:
        assert command["description"].strip()
        assert command.get("usage_hint", "") == usage[command["command"]]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_events_and_scopes_are_the_ones_the_code_uses(path: Path) -> None:
    methods = client_methods_called()
    unknown = methods - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {sorted(unknown)} to METHOD_SCOPES and the manifests"
    events = events_subscribed()
    needed = {"commands"} if slash_commands() else set()
    for method in methods:
        needed |= METHOD_SCOPES[method]
    for event in events:
        needed |= EVENT_SCOPES[event]
    manifest = load(path)
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)
    assert sorted(manifest["settings"]["event_subscriptions"]["bot_events"]) == sorted(events)


def test_http_manifest_points_slack_at_the_events_path() -> None:
    manifest = load(HTTP_MANIFEST)
    assert manifest["settings"]["socket_mode_enabled"] is False
    request_url = manifest["settings"]["event_subscriptions"]["request_url"]
    assert request_url.startswith("https://") and request_url.endswith(EVENTS_PATH)
    for command in manifest["features"]["slash_commands"]:
        assert command["url"] == request_url


def test_socket_mode_manifest_needs_no_public_url() -> None:
    manifest = load(SOCKET_MANIFEST)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])


# ----------------------------------------------------------------- served, over real HTTP


@pytest.fixture
async def served() -> AsyncIterator[tuple[SlackPlatform, FakeSlack]]:
    fake = FakeSlack()
    await fake.start()
    core = Core()
    settings = SlackSettings(api_base_url=fake.base_url, http_host="127.0.0.1").model_copy(
        update={"http_port": 0}
    )
    platform = SlackPlatform(
        settings, "xoxb-test", core.subscriptions, signing_secret=SECRET, clock=lambda: NOW
    )
    await platform.start(core.on_command)
    try:
        yield platform, fake
    finally:
        await platform.stop()
        await fake.close()


async def _slash(platform: SlackPlatform, fake: FakeSlack, command: str) -> int:
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "D1",
            "channel_name": "directmessage",
            "user_id": "U1",
            "command": command,
            "text": "",
            "response_url": fake.response_url(),
            "trigger_id": "1.2.3",
        }
    )
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=str(int(NOW)), body=body)
    headers = {
        "X-Slack-Request-Timestamp": str(int(NOW)),
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    url = f"http://127.0.0.1:{platform.port}{EVENTS_PATH}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as resp,
    ):
        return resp.status


async def test_adapter_answers_every_manifest_command_and_no_other(
    served: tuple[SlackPlatform, FakeSlack],
) -> None:
    platform, fake = served
    for command in manifest_commands(load(HTTP_MANIFEST)):
        assert await _slash(platform, fake, command) == 200, command
    assert await _slash(platform, fake, "/start") == 404  # not declared: not served


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_enables_the_buttons_the_adapter_answers(path: Path) -> None:
    # /subscribe and /unsubscribe ask to confirm with buttons (Slack "interactivity")
    interactivity = load(path)["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    if path == HTTP_MANIFEST:
        assert interactivity["request_url"].endswith(EVENTS_PATH)
