"""Hostile and broken feed content through the real pipeline (feed server → fetch →
parse → extract → SQLite → Delivery → fake Telegram that validates like the real one):
XML entity attacks, charset conflicts, control and bidi characters, JSON Feed edge
cases, and pathological input to the extractor."""

from __future__ import annotations

import json
import sqlite3
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer, static
from relkit import NOW, Rig, json_feed, meeting_item, rss
from strictfakes import UNSAFE_CHARS, StrictTelegram, telegram_visible

from bot.config import load_config
from bot.extract import Extractor
from bot.match import Matcher

GOOD = rss(meeting_item("good-1", 20, "Geneva"))
TITLE = "Witkoff and Dmitriev to meet in Abu Dhabi on December 3"


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        srv.route("/good", static(GOOD))
        yield srv


@pytest.fixture
async def tg() -> AsyncIterator[StrictTelegram]:
    fake = StrictTelegram()
    await fake.start()
    yield fake
    await fake.close()


def stored_titles(db_path: Path) -> list[str]:
    con = sqlite3.connect(db_path)
    try:
        return [r[0] for r in con.execute("select title from items")]
    finally:
        con.close()


async def one_tick(rig: Rig) -> dict[str, object]:
    reports = await rig.poll_all()
    await rig.drain()
    assert reports["good"].outcome == "fetched"  # the healthy feed always finishes
    return reports  # type: ignore[return-value]


# --------------------------------------------------------------------------- XML attacks


def billion_laughs(title: str) -> bytes:
    levels = ['<!ENTITY a "lol">'] + [
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(levels) + "\n]>\n"
        '<rss version="2.0"><channel><title>t &i;</title>'
        f"<item><guid>bl</guid><title>{title} &i;</title><description>&i; {title}."
        "</description><link>https://news.example/bl</link></item></channel></rss>"
    ).encode()


async def test_billion_laughs_is_harmless_end_to_end(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    server.route("/laughs", static(billion_laughs(TITLE)))
    feeds = {"good": server.url("/good"), "laughs": server.url("/laughs")}
    async with Rig(tmp_path, feeds, tg=tg) as rig:
        tracemalloc.start()
        started = time.perf_counter()
        try:
            await one_tick(rig)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert time.perf_counter() - started < 5.0
        assert peak < 80 * 1024 * 1024
        for text in [*rig.telegram_texts(), *stored_titles(rig.db_path)]:
            assert "lollol" not in text
        assert tg.rejected == []


@pytest.mark.parametrize("form", ["general", "parameter", "external-dtd"])
async def test_xxe_reads_no_file_and_makes_no_request(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram, form: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER root:x:0:0:")
    server.route("/dtd-target", static(b"SECRET-MARKER-HTTP", content_type="text/plain"))
    system_ids = [secret.as_uri(), server.url("/dtd-target")]
    for n, system_id in enumerate(system_ids):
        dtd = {
            "general": f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{system_id}">]>',
            "parameter": f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{system_id}"> %p;]>',
            "external-dtd": f'<!DOCTYPE rss SYSTEM "{system_id}">',
        }[form]
        body = (
            f'<?xml version="1.0"?>{dtd}<rss version="2.0"><channel><title>t</title>'
            f"<item><guid>x{n}</guid><title>{TITLE} &xxe;</title>"
            f"<description>&xxe; {TITLE}.</description>"
            f"<link>https://news.example/x{n}</link></item></channel></rss>"
        ).encode()
        server.route(f"/xxe{n}", static(body))
    feeds = {"good": server.url("/good"), "xxe0": server.url("/xxe0"), "xxe1": server.url("/xxe1")}
    async with Rig(tmp_path, feeds, tg=tg) as rig:
        await one_tick(rig)
        for text in [*rig.telegram_texts(), *stored_titles(rig.db_path)]:
            assert "SECRET-MARKER" not in text and "root:x" not in text
    assert server.hits("/dtd-target") == 0  # the parser made no outbound request


# --------------------------------------------------------------------------- charsets


CHARSET_CASES = {
    # name: (body, content type)
    "header-utf8-body-cp1252": (
        rss(meeting_item("c1", extra=" Café “quoted” — naïve."), encoding="windows-1252").replace(
            b'encoding="windows-1252"', b'encoding="utf-8"'
        ),
        "application/rss+xml; charset=utf-8",
    ),
    "header-utf8-body-big5": (
        rss(meeting_item("c2", extra=" 和平談判。"), encoding="big5").replace(
            b'encoding="big5"', b'encoding="utf-8"'
        ),
        "application/rss+xml; charset=utf-8",
    ),
    "utf16-without-bom": (
        rss(meeting_item("c3"))
        .decode()
        .replace('encoding="utf-8"', 'encoding="utf-16"')
        .encode("utf-16-le"),
        "application/rss+xml",
    ),
    "bom-contradicts-declaration": (
        b"\xef\xbb\xbf"
        + rss(meeting_item("c4", extra=" Zürich.")).replace(
            b'encoding="utf-8"', b'encoding="iso-8859-1"'
        ),
        "application/rss+xml; charset=windows-1251",
    ),
    "header-latin1-body-utf8": (
        rss(meeting_item("c5", extra=" Киев, Женева.")),
        "text/xml; charset=iso-8859-1",
    ),
}


@pytest.mark.parametrize("case", sorted(CHARSET_CASES))
async def test_charset_conflicts_never_crash_and_output_is_valid_utf8(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram, case: str
) -> None:
    body, content_type = CHARSET_CASES[case]
    server.route("/cs", static(body, content_type=content_type))
    async with Rig(tmp_path, {"good": server.url("/good"), "cs": server.url("/cs")}, tg=tg) as rig:
        reports = await one_tick(rig)
        report = reports["cs"]
        assert report.outcome in ("fetched", "failed")  # type: ignore[attr-defined]
        if report.outcome == "failed":  # type: ignore[attr-defined]
            assert (report.error or "").startswith("parse")  # type: ignore[attr-defined]
        for text in [*rig.telegram_texts(), *stored_titles(rig.db_path)]:
            text.encode("utf-8")  # strict: no lone surrogates reach chat or storage
            assert "\x00" not in text
        assert tg.rejected == []


# --------------------------------------------------------------------------- control chars


async def test_control_and_bidi_characters_are_neutralised(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    """Zero-width and bidi characters inside names are removed before matching (so the
    actor is still recognised) and never reach chat output; C0 controls are dropped."""
    nasty_title = (
        "Wit\u200bkoff and Dmi\u200dtriev to meet in Abu\u202e Dhabi\u2066 on December 3"
        "\u0007\u001b[31m\u200f\ufeff"
    )
    item = meeting_item("ctl")
    body = rss(
        item.__class__(item.guid, nasty_title, nasty_title + ".", item.published),
        channel_title="Wire\u202egnp.exe\u0000",
    )
    body = body.replace(b"&#0;", b"")  # XML cannot carry NUL as a reference either
    server.route("/ctl", static(body))
    feeds = {"good": server.url("/good"), "ctl": server.url("/ctl")}
    async with Rig(tmp_path, feeds, tg=tg, outlet=None) as rig:
        reports = await one_tick(rig)
        assert reports["ctl"].new_items == 1  # type: ignore[attr-defined]
        assert len(reports["ctl"].changes) == 1  # type: ignore[attr-defined]  # matched
        texts = rig.telegram_texts()
        assert len(texts) == 2
        for text in texts:
            visible = telegram_visible(text)
            assert not UNSAFE_CHARS.search(visible), repr(visible)
            assert "\x1b" not in visible
        assert any(
            "Witkoff" in telegram_visible(t) and "Abu Dhabi" in telegram_visible(t) for t in texts
        )


# --------------------------------------------------------------------------- JSON Feed


def _jf_item(item_id: object, guid: str, day: int, venue: str) -> dict[str, object]:
    it = meeting_item(guid, day, venue)
    data: dict[str, object] = {
        "title": it.title,
        "content_text": it.text,
        "url": f"https://news.example/{guid}",
        "date_published": (NOW - timedelta(hours=1)).isoformat(),
    }
    if item_id is not None:
        data["id"] = item_id
    return data


async def test_json_feed_numeric_and_missing_ids(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    items = [
        _jf_item(101, "n1", 4, "Abu Dhabi"),
        _jf_item(102.0, "n2", 11, "Istanbul"),
        _jf_item(None, "n3", 16, "Riyadh"),
    ]
    server.route("/jf", static(json_feed(items), content_type="application/feed+json"))
    async with Rig(tmp_path, {"good": server.url("/good"), "jf": server.url("/jf")}, tg=tg) as rig:
        reports = await one_tick(rig)
        assert reports["jf"].new_items == 3  # type: ignore[attr-defined]
        assert len(rig.telegram_texts()) == 4
        # The same document again (ids re-coerced the same way): nothing new.
        server.route("/jf", static(json_feed(items) + b" ", content_type="application/json"))
        rig.clock.advance(600)
        reports = await rig.poll_all()
        await rig.drain()
        assert reports["jf"].new_items == 0  # type: ignore[attr-defined]
        assert len(rig.telegram_texts()) == 4


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "parse"),  # nesting 100,000 deep
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": '
            + b"[" * 50_000
            + b"]" * 50_000
            + b"}",
            "parse",
        ),
        (
            json.dumps({"version": "https://jsonfeed.org/version/1", "items": {"a": 1}}).encode(),
            "parse",
        ),
        (json_feed([{"id": str(i), "title": "x" * 1000} for i in range(400)]), "too_large"),
    ],
    ids=["deep-array", "deep-items", "items-not-a-list", "huge"],
)
async def test_json_feed_hostile_documents_rejected_cleanly(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram, body: bytes, expected: str
) -> None:
    server.route("/jf", static(body, content_type="application/feed+json"))
    async with Rig(tmp_path, {"good": server.url("/good"), "jf": server.url("/jf")}, tg=tg) as rig:
        started = time.monotonic()
        reports = await one_tick(rig)
        assert time.monotonic() - started < 5
        report = reports["jf"]
        assert report.outcome == "failed", report  # type: ignore[attr-defined]
        assert (report.error or "").startswith(expected), report  # type: ignore[attr-defined]
        assert len(rig.telegram_texts()) == 1


# --------------------------------------------------------------------------- extractor


PATHOLOGICAL = {
    "10MB-plain": "Witkoff and Dmitriev met " * 420_000,
    "10MB-dates": "on December 3 and on 4 February 2026 or 5/6/7 " * 230_000,
    "10MB-no-spaces": "a" * 10_000_000,
    "10MB-nested-parens": "(" * 5_000_000 + ")" * 5_000_000,
    "10MB-venues": "Abu Dhabi, Geneva, Istanbul; " * 360_000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_extractor_on_a_10mb_title_finishes_in_bounded_time(name: str) -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "config", env={})
    extractor = Extractor(config.watchlist, Matcher(config.watchlist))
    title = PATHOLOGICAL[name]
    assert len(title) >= 9_000_000
    published = datetime(2026, 11, 22, tzinfo=UTC)
    extractor.extract("Witkoff", "Witkoff meets Putin.", published)  # one-time tables
    # CPU time: a runaway scan burns CPU; wall time also counts the machine's other work
    started = time.process_time()
    extractor.extract(title, title, published, lang_hint="en")
    assert time.process_time() - started < 3.0


async def test_huge_title_through_the_pipeline_is_bounded(
    tmp_path: Path, server: FeedServer, tg: StrictTelegram
) -> None:
    huge = TITLE + " " + "and talks continue " * 200_000  # ~3.8 MB title
    it = meeting_item("huge")
    body = rss(it.__class__(it.guid, huge, it.text, it.published))
    server.route("/huge", static(body))
    env = {"BOT_POLLING_MAX_BODY_BYTES": str(8 * 1024 * 1024)}
    feeds = {"good": server.url("/good"), "huge": server.url("/huge")}
    async with Rig(tmp_path, feeds, tg=tg, env=env) as rig:
        started = time.monotonic()
        reports = await one_tick(rig)
        assert time.monotonic() - started < 10
        assert reports["huge"].outcome == "fetched"  # type: ignore[attr-defined]
        assert max(len(t) for t in stored_titles(rig.db_path)) <= 2000
        assert tg.rejected == []
