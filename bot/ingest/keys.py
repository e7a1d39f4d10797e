"""The keys that tell feed items apart: by GUID, by link, by content."""

from __future__ import annotations

import hashlib
import re

_ANY_SPACE = re.compile(r"\s+")


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_key(title: str, text: str) -> str:
    """Key for items with neither GUID nor link: insensitive to spacing and case."""
    norm = _ANY_SPACE.sub(" ", f"{title}\n{text}").strip().casefold()
    return "c:" + short_hash(norm)


def link_identity(link: str) -> str:
    """A canonical link with its query parameters sorted: what dedup keys hash.

    Links are shown with their parameters in the feed's order; keys ignore the order.
    """
    base, sep, query = link.partition("?")
    return base + sep + "&".join(sorted(query.split("&"))) if sep else link


def link_key(link: str) -> str:
    return "l:" + short_hash(link_identity(link))
