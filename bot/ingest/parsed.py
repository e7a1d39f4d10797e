"""What parsing a feed gives: its items and diagnostics, or a ``ParseError``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import FeedItem


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
