"""RSS, Atom and RDF documents → items, through ``bot.ingest.feedprep`` and feedparser."""

from __future__ import annotations

import calendar
import io
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.ingest import feedprep
from bot.ingest.items import RawItem, build_items, clean_guid, language_tag
from bot.ingest.links import canonical_link
from bot.ingest.parsed import ParsedFeed, ParseDiagnostics, ParseError
from bot.ingest.sniff import looks_like_html
from bot.ingest.text import MAX_TEXT_CHARS, MAX_TITLE_CHARS, to_text

# Items kept past the cap before feedparser runs: the cap counts usable items, and a
# few of the first ones may be empty or repeats.
CUT_SLACK = 50


def _field(obj: Any, key: str) -> Any:
    """``obj[key]`` for feedparser dicts without their alias mapping.

    ``FeedParserDict.get`` maps missing keys to aliases and warns
    (``updated`` → ``published``, a DeprecationWarning); plain dict access does not.
    """
    return dict.get(obj, key) if isinstance(obj, dict) else None


def _detail_type(entry: Mapping[str, Any], key: str) -> str | None:
    detail = _field(entry, key)
    if isinstance(detail, Mapping):
        ctype = detail.get("type")
        return ctype if isinstance(ctype, str) else None
    return None


def _entry_text(entry: Mapping[str, Any]) -> tuple[str, str | None]:
    contents = _field(entry, "content")
    best: tuple[str, str | None] = ("", None)
    if isinstance(contents, list):
        for content in contents:
            if isinstance(content, Mapping) and isinstance(content.get("value"), str):
                value = content["value"]
                if len(value) > len(best[0]):
                    ctype = content.get("type")
                    best = (value, ctype if isinstance(ctype, str) else None)
    summary = _field(entry, "summary")
    if isinstance(summary, str) and len(summary) > len(best[0]):
        best = (summary, _detail_type(entry, "summary_detail"))
    return best


def _entry_link(entry: Mapping[str, Any]) -> str | None:
    link = _field(entry, "link")
    if isinstance(link, str) and canonical_link(feedprep.restore_link(link)):
        return canonical_link(feedprep.restore_link(link))
    links = _field(entry, "links")
    if isinstance(links, list):
        for candidate in links:
            if isinstance(candidate, Mapping) and candidate.get("rel", "alternate") == "alternate":
                href = candidate.get("href")
                href = feedprep.restore_link(href) if isinstance(href, str) else None
                found = canonical_link(href)
                if found:
                    return found
    guid = _field(entry, "id")
    if isinstance(guid, str) and _field(entry, "guidislink"):
        return canonical_link(guid)
    return None


def _entry_lang(entry: Mapping[str, Any]) -> str | None:
    for key in ("title_detail", "summary_detail"):
        detail = _field(entry, key)
        if isinstance(detail, Mapping):
            found = language_tag(detail.get("language"))
            if found:
                return found
    return None


def _prepare_xml(body: bytes, headers: Mapping[str, str], max_items: int) -> tuple[bytes, int]:
    """The document as feedparser may see it (``bot.ingest.feedprep``) and its item count."""
    if not feedprep.ascii_compatible(body):
        if feedprep.wide_entity_declaration(body):
            raise ParseError("a UTF-16/32 feed with entity declarations; refused")
        return body, 0
    if feedprep.declares_unsafe_encoding(body, headers):
        raise ParseError("the feed declares UTF-7, which is refused (use UTF-8)")
    body = feedprep.replace_invalid_utf8(body, headers)
    try:
        body = feedprep.neutralise_doctype(body)
    except feedprep.UnclosedDoctypeError as exc:
        raise ParseError(f"not XML: {exc}") from None
    body, total = feedprep.cut_items(body, max_items + CUT_SLACK)
    return feedprep.protect_links(body), total


def parse_xml(
    body: bytes, *, headers: Mapping[str, str], feed_id: str, now: datetime,
    outlet: str | None, lang: str | None, max_items: int,
) -> ParsedFeed:  # fmt: skip
    body, total = _prepare_xml(body, headers, max_items)
    # A stream, never bytes or str: feedparser treats a str as a URL or file name,
    # and even bytes are tried as a file name first ("open(b'/etc/passwd')").
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=dict(headers),
        sanitize_html=False,  # we reduce everything to plain text ourselves
        resolve_relative_uris=False,
    )
    entries = result.get("entries") or []
    version = result.get("version") or ""
    bozo = bool(result.get("bozo"))
    exc = result.get("bozo_exception")
    reason = f"{type(exc).__name__}: {exc}"[:300] if bozo and exc is not None else None
    feed = result.get("feed") or {}
    if not entries and not version:
        if looks_like_html(body):
            raise ParseError("an HTML page, not a feed")
        raise ParseError(f"not a feed ({reason or 'no RSS/Atom/RDF root element'})")
    raw_title = _field(feed, "title")
    feed_title = (
        to_text(raw_title, _detail_type(feed, "title_detail"), MAX_TITLE_CHARS, True) or None
        if isinstance(raw_title, str)
        else None
    )
    feed_lang = language_tag(_field(feed, "language")) or language_tag(
        headers.get("content-language")
    )

    def raw_items() -> Iterable[RawItem]:
        for entry in entries:
            title = _field(entry, "title")
            text, ctype = _entry_text(entry)
            published = None
            for key in ("published_parsed", "updated_parsed", "created_parsed"):
                published = _from_struct(_field(entry, key))
                if published is not None:
                    break
            yield RawItem(
                guid=clean_guid(_field(entry, "id")),
                title=to_text(title, _detail_type(entry, "title_detail"), MAX_TITLE_CHARS, True)
                if isinstance(title, str)
                else "",
                text=to_text(text, ctype, MAX_TEXT_CHARS, False),
                link=_entry_link(entry),
                published=published,
                lang=_entry_lang(entry) or feed_lang,
            )

    built, dropped = build_items(
        raw_items(),
        feed_id=feed_id,
        now=now,
        outlet=outlet or feed_title,
        lang=lang,
        max_items=max_items,
        total=max(total, len(entries)),
    )
    diagnostics = ParseDiagnostics(
        format=version,
        bozo=bozo,
        bozo_reason=reason,
        entries=max(total, len(entries)),
        dropped=dropped,
        feed_title=feed_title,
        feed_lang=feed_lang,
    )
    return ParsedFeed(tuple(built), diagnostics)


def _from_struct(value: Any) -> datetime | None:
    """feedparser's UTC ``time.struct_time`` → aware datetime, or None."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
