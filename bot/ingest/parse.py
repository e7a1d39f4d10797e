"""Feed bytes → normalised ``FeedItem``s (RSS, Atom, RDF via feedparser; JSON Feed).

Public API
----------
``parse_feed(body, *, feed_id, now, headers=None, url=None, outlet=None, lang=None,
max_bytes=..., max_items=...) -> ParsedFeed``
    ``body`` is the raw document (bytes only: feedparser is never handed a URL or
    a path, it would open it). ``headers`` are the HTTP response headers (for the
    charset and base URL); ``url`` is the final URL. ``outlet``/``lang`` are the
    configured values and win over what the feed declares. Raises ``ParseError``
    when the bytes are not a feed at all (an HTML page, garbage, an empty or
    oversized document, a JSON document that is not a JSON Feed). Ill-formed feeds
    that still yield entries are returned with ``diagnostics.bozo`` set.
``ParsedFeed``  ``items: tuple[FeedItem, ...]`` + ``diagnostics: ParseDiagnostics``
    (format, bozo flag and reason, entry count, items dropped, feed title, feed
    language).
``html_to_text(s)`` (``text``), ``canonical_link(url)`` (``links``), ``link_identity(url)``,
``content_key(title, text)``, ``link_key(url)`` (``keys``)  the normalisation helpers,
    reusable by the store and the matcher; text is normalised by ``bot.text``.

Normalisation
-------------
* Text is plain: HTML stripped (``script``/``style`` dropped, block elements
  become line breaks), entities decoded exactly once, NUL/C0/C1 controls, lone
  surrogates, zero-width and bidi-control characters removed, NFC, spaces
  collapsed. Titles are one line; bodies keep single ``\\n`` between blocks.
* ``published`` is UTC; missing, future, or absurd (before 1990) dates become ``now``.
* ``link`` is canonical: http(s) only, lowercase scheme/host, default port,
  fragment and tracking parameters (``utm_*``, ``fbclid``, ``gclid``...) removed; the
  other parameters keep their order and text (keys hash ``link_identity``, sorted).
* The document first goes through ``bot.ingest.feedprep`` (entity declarations removed,
  invalid UTF-8 bytes replaced, item list cut near ``max_items``, links protected).
* ``content_hash``: a hash of the normalised title and text (spots updates in place).
* ``key``: ``g:<hash(guid)>``, else ``l:<hash(link)>``, else
  ``c:<hash(title+text)>``. A GUID repeated inside one feed keys its later
  items on ``guid|link`` (then ``guid|link|content``); exact repeats are dropped.
  ``link_key`` (``l:<hash(link)>``) is the secondary key for GUID churn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from bot.ingest.items import language_tag
from bot.ingest.jsonfeed import looks_like_json, parse_json
from bot.ingest.links import canonical_link
from bot.ingest.parsed import ParsedFeed, ParseError
from bot.ingest.xmlfeed import parse_xml
from bot.text import normalise_text

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_ITEMS = 1000


def parse_feed(
    body: bytes,
    *,
    feed_id: str,
    now: datetime,
    headers: Mapping[str, str] | None = None,
    url: str | None = None,
    outlet: str | None = None,
    lang: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> ParsedFeed:
    """Parse one fetched document into items. See the module docstring."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("parse_feed takes the document as bytes, never a URL or path")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    body = bytes(body)
    if not body.strip():
        raise ParseError("empty document")
    if len(body) > max_bytes:
        raise ParseError(f"document too large ({len(body)} > {max_bytes} bytes)")
    hdrs = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if url and "content-location" not in hdrs and canonical_link(url):
        hdrs["content-location"] = url  # base for relative links
    now = now.astimezone(UTC)
    outlet = normalise_text(outlet, single_line=True) or None if outlet else None
    lang = language_tag(lang)
    if looks_like_json(body, hdrs):
        return parse_json(
            body, feed_id=feed_id, now=now, outlet=outlet, lang=lang, max_items=max_items
        )
    return parse_xml(
        body,
        headers=hdrs,
        feed_id=feed_id,
        now=now,
        outlet=outlet,
        lang=lang,
        max_items=max_items,
    )
