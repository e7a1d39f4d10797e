"""Property-based checks that complement tests/test_commands.py and tests/test_render.py:
arguments survive command parsing, mentions always resolve, and a whole rendered alert
with hostile feed-derived fields (evidence, outlet, link, reason) is valid Telegram HTML
within the limit, carries no control or bidi characters, and is inert Slack mrkdwn."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from relkit import REPO_CONFIG
from strictfakes import UNSAFE_CHARS, check_telegram_html, utf16_len

from bot.chat.markup import slack_payload, telegram_html, telegram_plain
from bot.chat.slack import SLACK_MAX_MESSAGE_TEXT
from bot.chat.telegram import TELEGRAM_MAX_TEXT
from bot.commands import COMMANDS, parse_command, parse_mention
from bot.config import load_config
from bot.models import Change, ChangeKind, MeetingState, MeetingStatus, SourceRef
from bot.render import render_change

WATCHLIST = load_config(REPO_CONFIG, env={}).watchlist
ARG = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=20,
).filter(lambda s: not any(ch.isspace() for ch in s))
HOSTILE = st.one_of(
    st.text(max_size=400),
    st.sampled_from(
        [
            "<!channel> <!here> <@U1> <https://evil.example|Your bank>",
            '<b>x</b> & <script>alert(1)</script> <a href="javascript:x">y</a> <tg-spoiler>',
            "Wit\u200bkoff \u202eDhabi\u2066 \x00\x07\x1b[31m \ud800 &amp;lt; &#0;",
            "🙂" * 300 + "&<>" * 300,
        ]
    ),
)


@given(name=st.sampled_from(sorted(COMMANDS.names())), args=st.lists(ARG, max_size=6))
def test_property_command_arguments_survive_parsing(name: str, args: list[str]) -> None:
    parsed = parse_command(f"/{name} {' '.join(args)}".rstrip())
    assert parsed is not None and parsed.name == name
    assert parsed.args == tuple(args)


@given(st.text(max_size=200))
def test_property_mentions_always_resolve_to_a_command(text: str) -> None:
    parsed = parse_mention(text)
    assert parsed is not None
    assert parsed.name == parsed.name.lower() and "-" not in parsed.name
    assert all(arg and not any(ch.isspace() for ch in arg) for arg in parsed.args)


@given(other=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20))
def test_property_commands_for_another_bot_are_ignored(other: str) -> None:
    if other.lower() == "talkbot":
        return
    assert parse_command(f"/next_meeting@{other} witkoff", "talkbot") is None


@settings(max_examples=120, deadline=None)
@given(
    evidence=HOSTILE,
    outlet=st.one_of(st.none(), HOSTILE),
    link=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "https://a.example/x?y=1&z=<2>",
                "javascript:alert(1)",
                "data:text/html,x",
                'https://x.example/"><b>',
                "ftp://a.example/",
            ]
        ),
        st.text(max_size=50),
    ),
    reason=HOSTILE,
    kind=st.sampled_from(list(ChangeKind)),
)
def test_property_rendered_alerts_are_safe_on_every_platform(
    evidence: str, outlet: str | None, link: str | None, reason: str, kind: ChangeKind
) -> None:
    state = MeetingState(
        venue="abu-dhabi",
        date=date(2026, 12, 3),
        date_end=None,
        status=MeetingStatus.UPCOMING,
        tentative=False,
        participants=("witkoff", "dmitriev"),
    )
    when = datetime(2026, 11, 22, 9, tzinfo=UTC)
    change = Change(
        meeting_id=7,
        kind=kind,
        before=None,
        after=state,
        at=when,
        source=SourceRef(link, outlet, "en", when, evidence),
        reason=reason,
    )
    message = render_change(change, WATCHLIST, now=when)
    for part in telegram_html(message, TELEGRAM_MAX_TEXT):
        assert utf16_len(part) <= 4096
        visible, hrefs = check_telegram_html(part)
        assert not UNSAFE_CHARS.search(visible), repr(visible)
        assert all(re.match(r"https?://", h) for h in hrefs), hrefs
    for part in telegram_plain(message, TELEGRAM_MAX_TEXT):
        assert utf16_len(part) <= 4096 and not UNSAFE_CHARS.search(part)
    payload = slack_payload(message, SLACK_MAX_MESSAGE_TEXT)
    texts = [payload.text] + [
        b["text"]["text"] if b["type"] == "section" else e["text"]
        for b in payload.blocks
        for e in (b.get("elements") or [None])
    ]
    for text in texts:
        assert not UNSAFE_CHARS.search(text)
        for link_target in re.findall(r"<([^>|]*)", text):
            assert re.match(r"https?://", link_target), text  # only our links are links
