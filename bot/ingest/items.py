"""Raw entries → ``FeedItem``s: dedup keys within one document, dates clamped, the
item cap applied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.ingest.keys import content_key, link_identity, link_key, short_hash
from bot.models import FeedItem
from bot.text import normalise_text

MAX_GUID_CHARS = 2_048
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)


def _clamp(when: datetime | None, now: datetime) -> datetime:
    if when is None or when > now or when < EARLIEST_PLAUSIBLE:
        return now
    return when


def language_tag(value: Any) -> str | None:
    """Primary language subtag, lowercased: "pl-PL" → "pl"."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].split(",", 1)[0].strip().lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


@dataclass(frozen=True)
class RawItem:
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

    def key(self, item: RawItem) -> str | None:
        content = content_key(item.title, item.text)
        signature = (item.guid, link_identity(item.link) if item.link else None, content)
        if signature in self.seen:
            return None  # an exact repeat of an item already in this document
        self.seen.add(signature)
        link = link_identity(item.link) if item.link else None
        if item.guid:
            candidates = [
                "g:" + short_hash(item.guid),
                "g:" + short_hash(item.guid, link or ""),
                "g:" + short_hash(item.guid, link or "", content),
            ]
        elif link:
            candidates = [link_key(link), "l:" + short_hash(link, content)]
        else:
            candidates = [content]
        for candidate in candidates:
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        return None


def build_items(
    raw_items: Iterable[RawItem],
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


def clean_guid(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    guid = normalise_text(value, single_line=True)[:MAX_GUID_CHARS]
    return guid or None
