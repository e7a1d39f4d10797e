"""Is a fetched body a web page (an HTML page, an anti-bot challenge) rather than a feed?"""

from __future__ import annotations

import re
from collections.abc import Mapping

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])", re.I | re.S
)
_CHALLENGE_MARKERS = (
    b"cf-challenge",
    b"challenge-platform",
    b"cf_chl_",
    b"just a moment...",
    b"attention required! | cloudflare",
    b"ddos-guard",
)


def looks_like_html(body: bytes) -> bool:
    """The document starts as an HTML page does (after a BOM, spaces and comments)."""
    head = body[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return bool(_HTML_START.match(head))


def not_a_feed(body: bytes, headers: Mapping[str, str]) -> str | None:
    """Why the body is a web page rather than a feed, or None."""
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "anti-bot challenge page (cf-mitigated)"
    if looks_like_html(body):
        if any(marker in body[:4096].lower() for marker in _CHALLENGE_MARKERS):
            return "anti-bot challenge page"
        return "HTML page instead of a feed"
    return None
