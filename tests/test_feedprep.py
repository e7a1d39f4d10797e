"""Byte-level preparation of feeds (bot.ingest.feedprep) and what parse_feed makes of it:
no entity amplification, HTML entities still decoded, invalid UTF-8 replaced per byte,
links with '&lt;' intact, huge item lists cut before feedparser."""

from __future__ import annotations

import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.ingest import feedprep
from bot.ingest.keys import link_key
from bot.ingest.links import canonical_link
from bot.ingest.parse import parse_feed
from bot.ingest.parsed import ParseError

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parent / "data"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "feed-corpus" / "feedparser"


UTF8_DECL = '<?xml version="1.0" encoding="utf-8"?>'


def rss(items: str, prolog: str = "", decl: str = UTF8_DECL) -> bytes:
    return (
        f'{decl}\n{prolog}<rss version="2.0"><channel><title>W</title>{items}</channel></rss>'
    ).encode()


def item(guid: str, title: str = "T", text: str = "", link: str = "") -> str:
    link_xml = f"<link>{link}</link>" if link else ""
    return (
        f"<item><guid>{guid}</guid><title>{title}</title>{link_xml}"
        f"<description>{text}</description></item>"
    )


# --------------------------------------------------------------------------- DOCTYPE


@pytest.mark.parametrize(
    ("prolog", "expected"),
    [
        ('<!DOCTYPE rss [\n<!ENTITY a "x">\n]>\n', "<!DOCTYPE rss>\n"),
        (
            '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n',
            '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n',
        ),
        ('<!DOCTYPE rss [<!ENTITY a "]>"><!ENTITY b \'>\'>]>', "<!DOCTYPE rss>"),
        ('<!-- <!DOCTYPE x [ --><!doctype rss [<!ENTITY a "y">]>',
         "<!-- <!DOCTYPE x [ --><!doctype rss>"),
        ('<!ENTITY stray "zzz">\n', "\n"),
        ('<?xml-stylesheet href="a.xsl"?><!DOCTYPE rss SYSTEM "x.dtd" [<!ENTITY % p "q">]>',
         '<?xml-stylesheet href="a.xsl"?><!DOCTYPE rss SYSTEM "x.dtd">'),
        ("", ""),
    ],
    ids=["subset", "netscape", "quoted-brackets", "comment-first", "stray", "pi-system", "none"],
)  # fmt: skip
def test_doctype_loses_its_internal_subset_only(prolog: str, expected: str) -> None:
    body = rss(item("g"), prolog)
    assert feedprep.neutralise_doctype(body) == rss(item("g"), expected)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE rss>\n<!--\n<!ENTITY big "{value}">\n-->\n',
        '<!DOCTYPE rss>\n<?pi\n<!ENTITY big "{value}">\n?>\n',
        '<!DOCTYPE rss>\n<!-- <b> -->\n<!ENTITY big "{value}">\n',
        '<!DOCTYPE rss>\n<!--\n<!ENTITY big "{value}">\n',  # never closed
    ],
    ids=["in-comment", "in-pi", "after-tag-in-comment", "unclosed-comment"],
)
def test_declarations_hidden_where_feedparser_still_finds_them_are_removed(prolog: str) -> None:
    body = rss(item("g", "T", "&big;" * 1_000), prolog.format(value="x" * 100_000))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        for parsed in parse_feed(body, feed_id="f", now=NOW).items:
            assert "x" * 1000 not in parsed.text
    except ParseError:
        pass  # the unclosed comment swallows the document: refused, not expanded
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024


def test_an_unclosed_doctype_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_feed(rss(item("g"), '<!DOCTYPE rss [<!ENTITY a "x">'), feed_id="f", now=NOW)


def quadratic(entity_bytes: int, refs: int) -> bytes:
    prolog = f'<!DOCTYPE rss [\n<!ENTITY big "{"x" * entity_bytes}">\n]>\n'
    return rss(item("g", "Talks &nbsp;&amp; more", "&big;" * refs), prolog)


def test_a_quadratic_entity_feed_is_not_expanded() -> None:
    body = quadratic(100_000, 10_000)  # ~1 GB if expanded
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    parsed = parse_feed(body, feed_id="f", now=NOW)
    assert time.perf_counter() - started < 5
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024
    (only,) = parsed.items
    assert only.text.startswith("&big;&big;") and len(only.text) <= 50_001
    assert only.title == "Talks & more"  # &nbsp; (an HTML entity) still decoded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("caf&eacute; &nbsp;x&mdash;y", "café x—y"),
        ("&lt;b&gt;bold&lt;/b&gt; &amp;amp;", "bold &"),
        ("&#233;&#x20AC;", "é€"),
    ],
)
def test_html_named_entities_still_work(text: str, expected: str) -> None:
    for prolog in ("", '<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'):
        (parsed,) = parse_feed(rss(item("g", "T", text), prolog), feed_id="f", now=NOW).items
        assert parsed.text == expected


def test_entity_declarations_in_utf16_and_utf7_feeds_are_refused() -> None:
    wide = quadratic(10, 3).decode().replace('encoding="utf-8"', 'encoding="utf-16"')
    with pytest.raises(ParseError, match="UTF-16"):
        parse_feed(wide.encode("utf-16"), feed_id="f", now=NOW)
    seven = rss(item("g"), decl='<?xml version="1.0" encoding="utf-7"?>')
    with pytest.raises(ParseError, match="UTF-7"):
        parse_feed(seven, feed_id="f", now=NOW)


def test_hostile_fixture_files_parse_small(shared_dir: Path) -> None:
    """The shared corpus's entity files: no expansion beyond the document's size."""
    files = sorted((CORPUS / "entities").glob("*.xml")) + sorted(
        (CORPUS / "illformed").glob("*entit*.xml")
    )
    assert files
    for path in files:
        data = path.read_bytes()
        try:
            parsed = parse_feed(data, feed_id="corpus", now=NOW)
        except ParseError:
            continue
        produced = sum(len(i.title) + len(i.text) for i in parsed.items)
        assert produced <= 4 * len(data) + 1000, path.name


# --------------------------------------------------------------------------- encoding


@pytest.mark.parametrize(
    ("body", "headers", "changed"),
    [
        ("Zażółć ".encode() + b"\xff" + " gęślą".encode(), {}, True),
        ("Zażółć gęślą".encode(), {}, False),
        ("Caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"), {}, False),  # mislabelled 1252
        ("Zażółć".encode() + b"\xff", {"content-type": "text/xml; charset=iso-8859-2"}, False),
    ],
    ids=["stray-byte", "valid", "legacy-mislabelled", "declared-other"],
)
def test_invalid_utf8_is_replaced_only_in_utf8_documents(
    body: bytes, headers: dict[str, str], changed: bool
) -> None:
    out = feedprep.replace_invalid_utf8(body, headers)
    assert (out != body) is changed
    if changed:
        assert out.decode("utf-8") == "Zażółć \ufffd gęślą"


def test_invalid_bytes_in_a_json_feed_are_replaced() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": '
        b'[{"id": "1", "title": "Dmitriev \xff", "content_text": "\xc5\xbc"}]}'
    )
    (parsed,) = parse_feed(body, feed_id="f", now=NOW).items
    assert (parsed.title, parsed.text) == ("Dmitriev \ufffd", "ż")


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("xml_link", "expected"),
    [
        ("https://n.example/a?q=a&amp;lt;b&amp;c=1", "https://n.example/a?q=a&lt;b&c=1"),
        ("https://n.example/a?z=1&amp;q=&lt;b&gt;&amp;c=1", "https://n.example/a?z=1&q=<b>&c=1"),
        ("<![CDATA[https://n.example/a?q=&lt;b&c=1]]>", "https://n.example/a?q=&lt;b&c=1"),
        ("https://n.example/a?b=2&amp;a=1&amp;utm_source=x", "https://n.example/a?b=2&a=1"),
        ("https://n.example/a?x=&#38;y", "https://n.example/a?x=&y"),
    ],
    ids=["escaped-entity", "escaped-lt", "cdata", "order-kept", "char-ref"],
)
def test_links_keep_their_query(xml_link: str, expected: str) -> None:
    for extra in ("", "&nbsp;"):  # strict parser, and the loose one an HTML entity triggers
        body = rss(item("g", f"T{extra}", link=xml_link))
        (parsed,) = parse_feed(body, feed_id="f", now=NOW).items
        assert parsed.link == expected


def test_a_link_element_quoted_in_html_content_reads_as_written() -> None:
    html = "<![CDATA[<p>See <link>https://n.example/?a=1&amp;b=2</link> & more</p>]]>"
    (parsed,) = parse_feed(rss(item("g", "T", html)), feed_id="f", now=NOW).items
    assert parsed.text == "See https://n.example/?a=1&b=2 & more"


def test_link_keys_ignore_parameter_order() -> None:
    one = canonical_link("https://n.example/a?b=2&a=1")
    two = canonical_link("https://n.example/a?a=1&b=2")
    assert one and two and one != two
    assert link_key(one) == link_key(two)


# --------------------------------------------------------------------------- item cap


def test_a_huge_feed_is_cut_to_the_cap_before_parsing() -> None:
    body = rss("".join(item(f"g{n}", f"Title {n}") for n in range(20_000)))
    started = time.perf_counter()
    parsed = parse_feed(body, feed_id="f", now=NOW, max_items=100, max_bytes=10**8)
    assert time.perf_counter() - started < 2  # feedparser saw ~150 items, not 20,000
    assert [i.title for i in parsed.items] == [f"Title {n}" for n in range(100)]
    assert parsed.diagnostics.entries == 20_000
    assert parsed.diagnostics.dropped == 19_900
    assert not parsed.diagnostics.bozo


@pytest.mark.parametrize(
    ("body", "keep", "expected"),
    [
        (b"<f><entry>1</entry><entry>2</entry><entry>3</entry></f>", 2,
         b"<f><entry>1</entry><entry>2</entry></f>"),
        (b"<r><c><item>1</item><item>2</item><x/></c></r>", 1, b"<r><c><item>1</item><x/></c></r>"),
        (b"<r><item>1</item></r>", 5, b"<r><item>1</item></r>"),
        (b"<a:feed><a:entry>1</a:entry><a:entry>2</a:entry></a:feed>", 1,
         b"<a:feed><a:entry>1</a:entry></a:feed>"),
    ],
    ids=["atom", "rss-tail-kept", "under-cap", "prefixed"],
)  # fmt: skip
def test_cut_items(body: bytes, keep: int, expected: bytes) -> None:
    assert feedprep.cut_items(body, keep)[0] == expected


def test_own_hostile_fixture_parses_small() -> None:
    data = (DATA / "quadratic_entity.xml").read_bytes()
    (parsed,) = parse_feed(data, feed_id="f", now=NOW).items
    assert len(parsed.text) < len(data)
