"""JSON Feed documents (jsonfeed.org, versions 1 and 1.1) → items."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.ingest import feedprep
from bot.ingest.items import RawItem, build_items, clean_guid, language_tag
from bot.ingest.links import canonical_link
from bot.ingest.parsed import ParsedFeed, ParseDiagnostics, ParseError
from bot.ingest.text import MAX_TEXT_CHARS, MAX_TITLE_CHARS, to_text


def looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return True
    # A JSON content type on a document that is not markup (servers mislabel XML).
    return "json" in headers.get("content-type", "").lower() and not head.startswith(b"<")


def _json_text(item: Mapping[str, Any]) -> tuple[str, str | None]:
    for key, ctype in (("content_html", "text/html"), ("content_text", "text/plain")):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value, ctype
    summary = item.get("summary")
    if isinstance(summary, str):
        return summary, "text/plain"
    return "", None


def parse_json(
    body: bytes, *, feed_id: str, now: datetime, outlet: str | None, lang: str | None,
    max_items: int,
) -> ParsedFeed:  # fmt: skip
    if feedprep.ascii_compatible(body):
        body = body.decode("utf-8", "replace").encode("utf-8")  # invalid bytes → U+FFFD
    try:
        doc = json.loads(body)
    except RecursionError:
        raise ParseError("JSON document nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ParseError("JSON document is not a JSON Feed (top level is not an object)")
    version = doc.get("version")
    items = doc.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed 'items' is missing or not a list")
    if not (isinstance(version, str) and version.startswith("https://jsonfeed.org/version/")):
        raise ParseError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    feed_title = to_text(doc.get("title") or "", "text/plain", MAX_TITLE_CHARS, True) or None
    if not isinstance(doc.get("title"), str):
        feed_title = None
    feed_lang = language_tag(doc.get("language"))

    def raw_items() -> Iterable[RawItem]:
        for entry in items:
            if not isinstance(entry, dict):
                continue
            text, ctype = _json_text(entry)
            title = entry.get("title")
            published = _from_iso(entry.get("date_published")) or _from_iso(
                entry.get("date_modified")
            )
            link = entry.get("url") if isinstance(entry.get("url"), str) else None
            if link is None and isinstance(entry.get("external_url"), str):
                link = entry["external_url"]
            yield RawItem(
                guid=clean_guid(entry.get("id")),
                title=to_text(title, "text/plain", MAX_TITLE_CHARS, True)
                if isinstance(title, str)
                else "",
                text=to_text(text, ctype, MAX_TEXT_CHARS, False),
                link=canonical_link(link),
                published=published,
                lang=language_tag(entry.get("language")) or feed_lang,
            )

    built, dropped = build_items(
        raw_items(),
        feed_id=feed_id,
        now=now,
        outlet=outlet or feed_title,
        lang=lang,
        max_items=max_items,
        total=len(items),
    )
    version_tag = "json1" if version.rstrip("/").endswith(("/1", "/1.1")) else "json"
    diagnostics = ParseDiagnostics(
        format=version_tag,
        bozo=False,
        bozo_reason=None,
        entries=len(items),
        dropped=dropped,
        feed_title=feed_title,
        feed_lang=feed_lang,
    )
    return ParsedFeed(tuple(built), diagnostics)


def _from_iso(value: Any) -> datetime | None:
    """RFC 3339 (JSON Feed) → aware UTC datetime, or None."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
