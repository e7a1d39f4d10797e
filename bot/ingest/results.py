"""What one fetch of a feed gives: a new body, "not modified", "unchanged" or a failure.

Plain data, no I/O: the state machine (``bot.ingest.state``) and the pipeline read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class FetchErrorKind(StrEnum):
    TIMEOUT = "timeout"  # connect/read timeout or the overall deadline
    CONNECT = "connect"  # DNS failure, refused, reset, TLS
    BLOCKED = "blocked"  # refused by the address/URL policy (incl. https→http)
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_STATUS = "http_status"  # 4xx/5xx other than rate limiting
    RATE_LIMITED = "rate_limited"  # 429, or 503 with Retry-After
    TOO_LARGE = "too_large"  # response too large (decoded)
    BAD_ENCODING = "bad_encoding"  # corrupt gzip/deflate/br, unknown Content-Encoding
    NOT_A_FEED = "not_a_feed"  # HTML page, challenge page, login wall
    EMPTY = "empty"  # empty response body
    FILE = "file"  # local file missing or unreadable
    PROTOCOL = "protocol"  # malformed HTTP, truncated body
    PARSE = "parse"  # set by the caller when parsing raised ParseError


@dataclass(frozen=True)
class Fetched:
    body: bytes
    headers: Mapping[str, str]  # lowercased names, for parse_feed(response_headers)
    status: int
    final_url: str
    etag: str | None
    last_modified: str | None
    body_hash: str  # sha256 hex of the decoded body
    permanent_redirect: bool = False  # every hop was 301/308: final_url may replace url


@dataclass(frozen=True)
class NotModified:
    final_url: str
    etag: str | None = None
    last_modified: str | None = None
    status: int = 304


@dataclass(frozen=True)
class Unchanged:
    final_url: str
    body_hash: str
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200


@dataclass(frozen=True)
class Failed:
    kind: FetchErrorKind
    message: str
    status: int | None = None
    retry_after: float | None = None  # seconds from the fetch, when the server said so
    url: str | None = None  # the hop that failed


FetchResult = Fetched | NotModified | Unchanged | Failed
