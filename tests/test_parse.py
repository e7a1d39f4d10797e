"""Parsing and normalisation: text, links, dates, keys, JSON Feed, hostile XML."""

from __future__ import annotations

import io
import json
import socket
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from bot.config import load_feeds
from bot.ingest.feedtemplate import render_feed_template
from bot.ingest.keys import content_key, link_key
from bot.ingest.links import canonical_link
from bot.ingest.parse import parse_feed
from bot.ingest.parsed import ParseError
from bot.ingest.text import html_to_text
from bot.text import normalise_text

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"


def rss(*items: str, extra: str = "") -> bytes:
    body = "".join(f"<item>{i}</item>" for i in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Test outlet</title><language>pl</language>{extra}{body}</channel></rss>"
    ).encode()


def parse(body: bytes, **kwargs: object) -> list:  # type: ignore[type-arg]
    return list(parse_feed(body, feed_id="t", now=NOW, **kwargs).items)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Witkoff\x00 w\x07 Abu\x1b Zabi", "Witkoff w Abu Zabi"),
        ("Wit\u200bkoff \u2066Kushner\u2069", "Witkoff Kushner"),
        ("\u202egnidaer\u202c text", "gnidaer text"),
        ("zero\u200cwidth\u200djoiner\ufeff", "zerowidthjoiner"),
        ("lone \ud800surrogate\udfff", "lone surrogate"),
        ("soft\u00adhyphen", "softhyphen"),
        ("Dmitrie\u0301v", "Dmitriév"),  # NFC composes the accent
        ("  many \t\n spaces\u00a0here  ", "many spaces here"),
        ("C1\x85control\x9f", "C1control"),
    ],
)
def test_clean_text_single_line(raw: str, expected: str) -> None:
    assert normalise_text(raw, single_line=True) == expected


def test_clean_text_keeps_paragraphs() -> None:
    assert normalise_text("one  two\n\n\n  three\r\nfour") == "one two\nthree\nfour"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Hello</p><p>World</p>", "\nHello\n\nWorld\n"),
        ("a &amp;amp; b", "a &amp; b"),  # decoded exactly once
        ("<script>alert(1)</script>x<style>p{}</style>", "x"),
        ("Tom &amp; Jerry &lt;3", "Tom & Jerry <3"),
        ("no markup", "no markup"),
        ("<b>unclosed <i>tags", "unclosed tags"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_title_markup_and_injection_become_plain_text() -> None:
    """Test 19 input: tags stripped, script dropped, no javascript: link survives."""
    title = (
        "&lt;b&gt;x&lt;/b&gt; &amp;amp; &lt;script&gt;alert(1)&lt;/script&gt; "
        '&lt;a href="javascript:alert(2)"&gt;y&lt;/a&gt; \u202eevil\u202c'
    )
    (item,) = parse(rss(f"<title>{title}</title><guid>1</guid>"))
    # RSS titles are HTML: the XML layer turns "&amp;amp;" into "&amp;", HTML decoding into "&"
    assert item.title == "x & y evil"
    assert "javascript" not in item.title and "<" not in item.title


def test_plain_text_title_with_literal_entities_is_not_double_decoded() -> None:
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>1</id>'
        b'<title type="text">AT&amp;amp;T profits</title></entry></feed>'
    )
    (item,) = parse(atom)
    assert item.title == "AT&amp;T profits"


def test_long_text_is_capped() -> None:
    (item,) = parse(rss(f"<title>t</title><description>{'słowo ' * 30000}</description>"))
    assert len(item.text) <= 50_001


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM:443/a?b=2&a=1#frag", "https://example.com/a?b=2&a=1"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        (
            "https://n.example/x?utm_source=rss&utm_medium=feed&id=7&fbclid=abc&gclid=1",
            "https://n.example/x?id=7",
        ),
        (
            "https://n.example/x?mc_cid=1&mc_eid=2&yclid=3&ref=tw&cmpid=9&xtor=RSS-1",
            "https://n.example/x",
        ),
        ("https://n.example/x?UTM_Source=a&page=2", "https://n.example/x?page=2"),
        ("https://n.example/x?q=a%20b&flag", "https://n.example/x?q=a%20b&flag"),
        ("  https://n.example/x  ", "https://n.example/x"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("ftp://n.example/file", None),
        ("/relative/path", None),
        ("https://", None),
        ("https://n.example/\nx", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_link(url: str | None, expected: str | None) -> None:
    assert canonical_link(url) == expected


def test_relative_links_resolve_against_final_url() -> None:
    (item,) = parse(
        rss("<title>x</title><link>/news/1?utm_source=a</link>"), url="https://n.example/feed"
    )
    assert item.link == "https://n.example/news/1"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("pub", "expected"),
    [
        ("Sat, 21 Nov 2026 10:00:00 +0100", datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
        ("Sat, 21 Nov 2026 10:00:00 EST", datetime(2026, 11, 21, 15, 0, tzinfo=UTC)),
        (None, NOW),  # missing
        ("Tue, 21 Nov 2034 10:00:00 GMT", NOW),  # future
        ("Thu, 01 Jan 1970 00:00:00 GMT", NOW),  # absurd
        ("not a date at all", NOW),
    ],
)
def test_published_is_utc_and_clamped(pub: str | None, expected: datetime) -> None:
    date = f"<pubDate>{pub}</pubDate>" if pub else ""
    (item,) = parse(rss(f"<title>x</title><guid>1</guid>{date}"))
    assert item.published == expected
    assert item.published.tzinfo is not None


def test_now_must_be_aware() -> None:
    naive = datetime(2026, 11, 22, 12, 0)  # noqa: DTZ001 - the error under test
    with pytest.raises(ValueError, match="aware"):
        parse_feed(rss("<title>x</title>"), feed_id="t", now=naive)


# --------------------------------------------------------------------------- keys


def test_keys_prefer_guid_then_link_then_content() -> None:
    items = parse(
        rss(
            "<title>A</title><guid>abc</guid><link>https://n.example/a</link>",
            "<title>B</title><link>https://n.example/b?utm_source=x</link>",
            "<title>C</title><description>only text</description>",
        )
    )
    assert [i.key[:2] for i in items] == ["g:", "l:", "c:"]
    assert items[0].guid == "abc" and items[1].guid is None
    assert items[1].key == link_key("https://n.example/b") == items[1].link_key
    assert items[0].link_key == link_key("https://n.example/a")
    assert items[2].key == content_key("C", "only text") and items[2].link_key is None


def test_duplicate_guids_get_distinct_keys_and_exact_repeats_drop() -> None:
    """Test 22: same GUID, different URLs → two keys; the same item twice → one."""
    result = parse_feed(
        rss(
            "<title>one</title><guid>same</guid><link>https://n.example/1</link>",
            "<title>two</title><guid>same</guid><link>https://n.example/2</link>",
            "<title>two</title><guid>same</guid><link>https://n.example/2</link>",
            "<title>three</title><guid>same</guid><link>https://n.example/2</link>",
        ),
        feed_id="t",
        now=NOW,
    )
    keys = [i.key for i in result.items]
    assert len(keys) == len(set(keys)) == 3
    assert [i.title for i in result.items] == ["one", "two", "three"]
    assert result.diagnostics.dropped == 1


def test_keys_are_stable_across_whitespace_and_tracking_changes() -> None:
    """Test 23: a re-publish differing only in spacing or tracking params keeps its key."""
    first = parse(rss("<title>Talks  in\nGeneva</title><description>Text</description>"))
    second = parse(rss("<title>Talks in Geneva</title><description> Text </description>"))
    assert first[0].key == second[0].key
    a = parse(rss("<title>x</title><link>https://n.example/a?utm_source=rss</link>"))
    b = parse(rss("<title>y</title><link>https://N.example/a?utm_campaign=z#top</link>"))
    assert a[0].key == b[0].key


def test_empty_items_are_dropped_and_max_items_enforced() -> None:
    result = parse_feed(
        rss("<title></title>", *[f"<title>n{i}</title><guid>{i}</guid>" for i in range(5)]),
        feed_id="t",
        now=NOW,
        max_items=3,
    )
    assert [i.title for i in result.items] == ["n0", "n1", "n2"]
    assert result.diagnostics.dropped == 3 and result.diagnostics.entries == 6


# --------------------------------------------------------------------------- feed metadata


def test_diagnostics_outlet_and_language() -> None:
    result = parse_feed(rss("<title>x</title>"), feed_id="t", now=NOW)
    d = result.diagnostics
    assert (d.format, d.bozo, d.entries, d.feed_title, d.feed_lang) == (
        "rss20", False, 1, "Test outlet", "pl",
    )  # fmt: skip
    (item,) = result.items
    assert (item.outlet, item.lang_hint, item.feed_id) == ("Test outlet", "pl", "t")
    (override,) = parse(rss("<title>x</title>"), outlet="Configured", lang="en-GB")
    assert (override.outlet, override.lang_hint) == ("Configured", "en")


def test_content_language_header_and_xml_lang() -> None:
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b'<entry xml:lang="uk"><id>1</id><title>x</title></entry>'
        b"<entry><id>2</id><title>y</title></entry></feed>"
    )
    items = parse(atom, headers={"Content-Language": "de-AT"})
    assert [i.lang_hint for i in items] == ["uk", "de"]


def test_bozo_feed_keeps_recovered_entries() -> None:
    """Test F1: ill-formed XML still yields its entries, flagged bozo."""
    broken = rss("<title>ok &nbsp; one</title><guid>1</guid>", "<title>two</title><guid>2</guid>")
    result = parse_feed(broken.replace(b"</channel>", b""), feed_id="t", now=NOW)
    assert result.diagnostics.bozo and result.diagnostics.bozo_reason
    assert [i.title for i in result.items] == ["ok one", "two"]


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"", {}, "empty"),
        (b"   \n", {}, "empty"),
        (
            b"<!DOCTYPE html><html><body><p>Hello</p></body></html>",
            {"Content-Type": "text/html"},
            "HTML",
        ),
        # a page that starts at its <head>: the fetcher and the parser agree it is HTML
        (b"<head><title>Sign in</title></head><body>x</body>", {}, "an HTML page"),
        (b"\xef\xbb\xbf<!-- x --><html><body>Hi</body></html>", {}, "an HTML page"),
        (b"just some words, not markup", {}, "not a feed"),
        (b"\x00\x01\x02binary\xff\xfe", {}, "not a feed"),
        (b'{"hello": "world"}', {}, "items"),
        (b"[1, 2, 3]", {}, "not a JSON Feed"),
        (b'{"version": "x", "items": []}', {}, "not a JSON Feed"),
        (b"{not json", {}, "not valid JSON"),
    ],
)
def test_non_feeds_raise_parse_error(body: bytes, headers: dict[str, str], message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(body, feed_id="t", now=NOW, headers=headers)


def test_oversized_document_is_refused() -> None:
    with pytest.raises(ParseError, match="too large"):
        parse_feed(rss("<title>x</title>") + b" " * 2000, feed_id="t", now=NOW, max_bytes=1000)


def test_only_bytes_are_accepted() -> None:
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd", feed_id="t", now=NOW)  # type: ignore[arg-type]


def test_body_naming_a_file_is_not_opened(tmp_path: Path) -> None:
    """feedparser.parse(bytes) would try the bytes as a file name; we never let it."""
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("<title>SECRET-MARKER</title>"))
    with pytest.raises(ParseError):
        parse_feed(str(secret).encode(), feed_id="t", now=NOW)


def test_feedparser_only_ever_gets_a_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test 29: feedparser.parse receives bytes in a stream, never a str or URL."""
    seen: list[object] = []
    real = feedparser.parse

    def spy(source: object, **kwargs: object) -> object:
        seen.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    parse(rss("<title>x</title>"))
    assert len(seen) == 1 and isinstance(seen[0], io.BytesIO)


# --------------------------------------------------------------------------- hostile XML


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and refuse) any outbound connection attempt."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY a "lol">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rss version="2.0"><channel><title>t</title>
<item><title>laugh &i; end</title><description>&i;</description><guid>1</guid></item>
</channel></rss>"""


def test_billion_laughs_is_not_expanded(no_network: list[object]) -> None:
    """Test 13: fast, small, and no entity expanded in any field."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = parse_feed(BILLION_LAUGHS, feed_id="t", now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1.0
    assert peak < 50 * 1024 * 1024
    for item in result.items:
        assert "lollol" not in item.title + item.text
        assert len(item.title) + len(item.text) < 200
    assert no_network == []


@pytest.mark.parametrize(
    "system_id",
    ["file:///etc/passwd", "SECRET_FILE", "http://169.254.169.254/latest/meta-data/iam/"],
)
def test_xxe_reads_no_file_and_makes_no_request(
    system_id: str, tmp_path: Path, no_network: list[object]
) -> None:
    """Test 14: external entities stay unexpanded; no file content, zero connections."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER root:x:0:0")
    system_id = system_id.replace("SECRET_FILE", secret.as_uri())
    for dtd in (
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{system_id}">]>',
        f'<!DOCTYPE rss SYSTEM "{system_id}">',
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{system_id}"> %p;]>',
    ):
        body = (
            f'<?xml version="1.0"?>{dtd}<rss version="2.0"><channel><title>t</title>'
            "<item><title>A&xxe;B</title><description>&xxe;</description><guid>1</guid></item>"
            "</channel></rss>"
        ).encode()
        try:
            result = parse_feed(body, feed_id="t", now=NOW)
        except ParseError:
            continue
        for item in result.items:
            blob = item.title + item.text
            assert "SECRET-MARKER" not in blob and "root:" not in blob
    assert no_network == []


# --------------------------------------------------------------------------- JSON Feed


def json_feed(items: object, **extra: object) -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "JF", "items": items, **extra}
    return json.dumps(doc).encode()


def test_json_feed_items_and_id_coercion() -> None:
    """Test 17: numeric ids coerced to str, missing id falls back to link/content."""
    body = json_feed(
        [
            {
                "id": 42,
                "title": "numeric",
                "url": "https://j.example/42",
                "date_published": "2026-11-20T10:00:00+02:00",
            },
            {"id": 4.5, "content_text": "float id"},
            {"title": "no id", "url": "https://j.example/no-id?utm_source=x"},
            {"title": "no id, no url", "content_html": "<p>Only <b>HTML</b></p>"},
            {"id": True, "title": "bool id is not an id"},
            {"id": {"x": 1}, "title": "object id"},
            "not an object",
            None,
        ],
        language="ru-RU",
    )
    result = parse_feed(body, feed_id="j", now=NOW)
    items = result.items
    assert [i.guid for i in items] == ["42", "4.5", None, None, None, None]
    assert items[0].published == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert items[2].key == link_key("https://j.example/no-id")
    assert items[3].text == "Only HTML" and items[3].key.startswith("c:")
    assert all(i.lang_hint == "ru" and i.outlet == "JF" for i in items)
    assert result.diagnostics.format == "json1" and result.diagnostics.entries == 8


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2026-11-21T08:00:00Z", datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),
        ("2026-11-21T08:00:00", datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),
        ("2099-01-01T00:00:00Z", NOW),
        ("yesterday", NOW),
        (12345, NOW),
    ],
)
def test_json_feed_dates(date: object, expected: datetime) -> None:
    (item,) = parse(json_feed([{"id": "1", "title": "t", "date_published": date}]))
    assert item.published == expected


def test_json_feed_items_must_be_a_list() -> None:
    with pytest.raises(ParseError, match="not a list"):
        parse_feed(json_feed({"id": "1"}), feed_id="j", now=NOW)


def test_json_feed_deep_nesting_is_rejected_cleanly() -> None:
    deep = (
        b'{"version": "https://jsonfeed.org/version/1", "items": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}"
    )
    started = time.perf_counter()
    with pytest.raises(ParseError, match="nested"):
        parse_feed(deep, feed_id="j", now=NOW)
    assert time.perf_counter() - started < 2


def test_json_feed_huge_document_is_rejected_by_size() -> None:
    huge = json_feed([{"id": "1", "content_text": "x" * 1_000_000}])
    with pytest.raises(ParseError, match="too large"):
        parse_feed(huge, feed_id="j", now=NOW, max_bytes=512 * 1024)


def test_json_feed_served_with_json_content_type_and_bom() -> None:
    body = b"\xef\xbb\xbf" + json_feed([{"id": "1", "title": "bom"}])
    (item,) = parse(body, headers={"content-type": "application/feed+json"})
    assert item.title == "bom"


# --------------------------------------------------------------------------- demo feeds


def test_demo_feeds_parse_with_dated_items() -> None:
    feeds = load_feeds(CONFIG_DIR / "feeds.toml")
    langs = {f.lang for f in feeds}
    assert {"pl", "en", "ru", "uk"} <= langs
    for feed in feeds:
        template = (CONFIG_DIR / feed.url).read_text(encoding="utf-8")
        body = render_feed_template(template, NOW).encode("utf-8")
        result = parse_feed(body, feed_id=feed.id, now=NOW, outlet=feed.outlet, lang=feed.lang)
        assert not result.diagnostics.bozo, (feed.id, result.diagnostics.bozo_reason)
        assert len(result.items) >= 5
        for item in result.items:
            assert item.link and item.link.startswith("https://")
            assert "utm_" not in item.link and "#" not in item.link
            assert NOW - timedelta(days=30) < item.published <= NOW
            assert item.lang_hint == feed.lang and item.outlet == feed.outlet
            assert "<" not in item.text and "&nbsp;" not in item.text
