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
``clean_text(s)``, ``html_to_text(s)``, ``canonical_link(url)``, ``link_identity(url)``,
``content_key(title, text)``, ``link_key(url)``  the normalisation helpers,
    reusable by the store and the matcher.

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
* The document first goes through ``bot.feedprep`` (entity declarations removed,
  invalid UTF-8 bytes replaced, item list cut near ``max_items``, links protected).
* ``content_hash``: a hash of the normalised title and text (spots updates in place).
* ``key``: ``g:<hash(guid)>``, else ``l:<hash(link)>``, else
  ``c:<hash(title+text)>``. A GUID repeated inside one feed keys its later
  items on ``guid|link`` (then ``guid|link|content``); exact repeats are dropped.
  ``link_key`` (``l:<hash(link)>``) is the secondary key for GUID churn.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import feedparser

from bot import feedprep
from bot.models import FeedItem

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_MAX_ITEMS = 1000
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 50_000  # enough for any article summary; bounds matcher work
MAX_LINK_CHARS = 2_048
MAX_GUID_CHARS = 2_048
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
# Items kept past the cap before feedparser runs: the cap counts usable items, and a
# few of the first ones may be empty or repeats.
CUT_SLACK = 50


class ParseError(ValueError):
    """The document is not a usable feed. The message says why."""


@dataclass(frozen=True)
class ParseDiagnostics:
    format: str  # "rss20", "atom10", "rss10", "json1", ... ("" when unknown)
    bozo: bool  # the document was ill-formed (entries may still be usable)
    bozo_reason: str | None
    entries: int  # entries found in the document
    dropped: int  # entries skipped (empty, exact duplicates, over max_items)
    feed_title: str | None
    feed_lang: str | None


@dataclass(frozen=True)
class ParsedFeed:
    items: tuple[FeedItem, ...]
    diagnostics: ParseDiagnostics


# --------------------------------------------------------------------------- text

# C0 (except \t \n \r), DEL, C1, zero-width, soft hyphen, bidi embeddings,
# overrides and isolates, BOM, interlinear annotation and object replacement
# characters, and lone surrogates.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffc\ud800-\udfff]"
)
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r" *\n[\s]*")
_ANY_SPACE = re.compile(r"\s+")
# Tags in a field typed as plain text: it is really HTML (common in titles).
# Entities alone do not count, so a literal "&amp;" in real plain text survives.
_MARKUP_HINT = re.compile(r"<(?:[A-Za-z][A-Za-z0-9]*[\s/>]|/[A-Za-z]|!--)")

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th",
        "tr", "ul",
    }
)  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Visible text of an HTML fragment; entities decoded once. Not normalised."""
    if "<" not in value and "&" not in value:
        return value
    parser = _TextExtractor()
    try:
        parser.feed(value)
        parser.close()
    except (AssertionError, ValueError):  # pathological markup: keep what we have
        pass
    return "".join(parser.parts)


def clean_text(value: str, *, single_line: bool = False) -> str:
    """Remove invisible/control characters, NFC, collapse whitespace."""
    value = _INVISIBLE.sub("", value)
    value = unicodedata.normalize("NFC", value)
    if single_line:
        return _ANY_SPACE.sub(" ", value).strip()
    value = value.replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    value = _SPACES.sub(" ", value)
    return _NEWLINES.sub("\n", value).strip()


def _to_text(value: str, content_type: str | None, limit: int, single_line: bool) -> str:
    if not value:
        return ""
    value = value[: limit * 4]  # bound the work before stripping markup
    is_html = content_type in (None, "text/html", "application/xhtml+xml", "html", "xhtml")
    # Plain-typed fields that carry tags are mislabelled HTML (common in titles).
    if is_html or _MARKUP_HINT.search(value):
        value = html_to_text(value)
    # A '<link>' quoted inside HTML content went through protect_links as well.
    text = clean_text(feedprep.restore_link(value), single_line=single_line)
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return text


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_key(title: str, text: str) -> str:
    """Key for items with neither GUID nor link: insensitive to spacing and case."""
    norm = _ANY_SPACE.sub(" ", f"{title}\n{text}").strip().casefold()
    return "c:" + _short_hash(norm)


def link_identity(link: str) -> str:
    """A canonical link with its query parameters sorted: what dedup keys hash.

    Links are shown with their parameters in the feed's order; keys ignore the order.
    """
    base, sep, query = link.partition("?")
    return base + sep + "&".join(sorted(query.split("&"))) if sep else link


def link_key(link: str) -> str:
    return "l:" + _short_hash(link_identity(link))


# --------------------------------------------------------------------------- links

_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid",
        "mc_eid", "ref", "ref_src", "ref_url", "cmpid", "cmp", "igshid", "_ga", "_gl",
        "ocid", "icid", "xtor", "_hsenc", "_hsmi", "mkt_tok", "s_cid", "ncid",
        "sr_share", "spm", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3",
        "at_custom4", "ito", "feature", "smid", "wt_mc", "wt.mc_id", "__twitter_impression",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "ga_")


def _is_tracking(param: str) -> bool:
    name = unquote_plus(param.split("=", 1)[0]).strip().lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def canonical_link(url: str | None) -> str | None:
    """The canonical http(s) form of a link, or None if it is not a web link."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > MAX_LINK_CHARS or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host or " " in host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    # Parameters keep their order (and text, '&lt;' included); only trackers go.
    params = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
    return urlunsplit((scheme, netloc, path, "&".join(params), ""))


# --------------------------------------------------------------------------- dates


def _clamp(when: datetime | None, now: datetime) -> datetime:
    if when is None or when > now or when < EARLIEST_PLAUSIBLE:
        return now
    return when


def _from_struct(value: Any) -> datetime | None:
    """feedparser's UTC ``time.struct_time`` → aware datetime, or None."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


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


def _lang(value: Any) -> str | None:
    """Primary language subtag, lowercased: "pl-PL" → "pl"."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].split(",", 1)[0].strip().lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class _RawItem:
    guid: str | None
    title: str
    text: str
    link: str | None
    published: datetime | None
    lang: str | None


class _Keyer:
    """Assigns dedup keys within one document (duplicate GUIDs, exact repeats)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.seen: set[tuple[str | None, str | None, str]] = set()

    def key(self, item: _RawItem) -> str | None:
        content = content_key(item.title, item.text)
        signature = (item.guid, link_identity(item.link) if item.link else None, content)
        if signature in self.seen:
            return None  # an exact repeat of an item already in this document
        self.seen.add(signature)
        link = link_identity(item.link) if item.link else None
        if item.guid:
            candidates = [
                "g:" + _short_hash(item.guid),
                "g:" + _short_hash(item.guid, link or ""),
                "g:" + _short_hash(item.guid, link or "", content),
            ]
        elif link:
            candidates = [link_key(link), "l:" + _short_hash(link, content)]
        else:
            candidates = [content]
        for candidate in candidates:
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        return None


def _build_items(
    raw_items: Iterable[_RawItem],
    *,
    feed_id: str,
    now: datetime,
    outlet: str | None,
    lang: str | None,
    max_items: int,
    total: int,
) -> tuple[list[FeedItem], int]:
    keyer = _Keyer()
    items: list[FeedItem] = []
    dropped = 0
    consumed = 0
    for raw in raw_items:
        if len(items) >= max_items:
            break  # the rest is dropped unread: no text conversion for a huge feed
        consumed += 1
        if not (raw.title or raw.text or raw.link):
            dropped += 1
            continue
        key = keyer.key(raw)
        if key is None:
            dropped += 1
            continue
        items.append(
            FeedItem(
                feed_id=feed_id,
                key=key,
                title=raw.title,
                text=raw.text,
                link=raw.link,
                published=_clamp(raw.published, now),
                outlet=outlet,
                guid=raw.guid,
                lang_hint=lang or raw.lang,
                link_key=link_key(raw.link) if raw.link else None,
                content_hash=content_key(raw.title, raw.text)[2:],
            )
        )
    return items, dropped + max(total - consumed, 0)


def _guid(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    guid = clean_text(value, single_line=True)[:MAX_GUID_CHARS]
    return guid or None


# --------------------------------------------------------------------------- JSON Feed


def _looks_like_json(body: bytes, headers: Mapping[str, str]) -> bool:
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


def _parse_json(
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
    feed_title = _to_text(doc.get("title") or "", "text/plain", MAX_TITLE_CHARS, True) or None
    if not isinstance(doc.get("title"), str):
        feed_title = None
    feed_lang = _lang(doc.get("language"))

    def raw_items() -> Iterable[_RawItem]:
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
            yield _RawItem(
                guid=_guid(entry.get("id")),
                title=_to_text(title, "text/plain", MAX_TITLE_CHARS, True)
                if isinstance(title, str)
                else "",
                text=_to_text(text, ctype, MAX_TEXT_CHARS, False),
                link=canonical_link(link),
                published=published,
                lang=_lang(entry.get("language")) or feed_lang,
            )

    built, dropped = _build_items(
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


# --------------------------------------------------------------------------- XML feeds


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
            found = _lang(detail.get("language"))
            if found:
                return found
    return None


def _prepare_xml(body: bytes, headers: Mapping[str, str], max_items: int) -> tuple[bytes, int]:
    """The document as feedparser may see it (``bot.feedprep``) and its item count."""
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


def _parse_xml(
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
        if _looks_like_html(body):
            raise ParseError("an HTML page, not a feed")
        raise ParseError(f"not a feed ({reason or 'no RSS/Atom/RDF root element'})")
    raw_title = _field(feed, "title")
    feed_title = (
        _to_text(raw_title, _detail_type(feed, "title_detail"), MAX_TITLE_CHARS, True) or None
        if isinstance(raw_title, str)
        else None
    )
    feed_lang = _lang(_field(feed, "language")) or _lang(headers.get("content-language"))

    def raw_items() -> Iterable[_RawItem]:
        for entry in entries:
            title = _field(entry, "title")
            text, ctype = _entry_text(entry)
            published = None
            for key in ("published_parsed", "updated_parsed", "created_parsed"):
                published = _from_struct(_field(entry, key))
                if published is not None:
                    break
            yield _RawItem(
                guid=_guid(_field(entry, "id")),
                title=_to_text(title, _detail_type(entry, "title_detail"), MAX_TITLE_CHARS, True)
                if isinstance(title, str)
                else "",
                text=_to_text(text, ctype, MAX_TEXT_CHARS, False),
                link=_entry_link(entry),
                published=published,
                lang=_entry_lang(entry) or feed_lang,
            )

    built, dropped = _build_items(
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


_HTML_ROOT = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)


def _looks_like_html(body: bytes) -> bool:
    return bool(_HTML_ROOT.match(body[:4096].lstrip(b"\xef\xbb\xbf")))


# --------------------------------------------------------------------------- entry point


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
    outlet = clean_text(outlet, single_line=True) or None if outlet else None
    lang = _lang(lang)
    if _looks_like_json(body, hdrs):
        return _parse_json(
            body, feed_id=feed_id, now=now, outlet=outlet, lang=lang, max_items=max_items
        )
    return _parse_xml(
        body,
        headers=hdrs,
        feed_id=feed_id,
        now=now,
        outlet=outlet,
        lang=lang,
        max_items=max_items,
    )
