"""Each feed's memory between polls and its state machine: when it is polled next,
its backoff after errors, and its health ("failing" reported once, then "recovered").

The transitions, each a named rule: ``after_success``, ``after_failure`` (which calls
``forget_validators`` for a body that could not be parsed or stored), chosen by
``next_state``; and the two questions the poller asks of a state: ``backing_off``
(skip this scheduled poll) and ``first_poll`` (record the backlog without alerts).

``next_state(state, outcome, now, *, interval, backoff, rand, items_seen=None) -> Transition``
    Pure. The state after an outcome plus an optional ``HealthSignal``
    (``FAILING`` once after ``failing_after_errors`` errors in a row, ``RECOVERED``
    on the first success after that). Call it with ``Fetched`` only once the body
    parsed; if parsing failed pass ``Failed(FetchErrorKind.PARSE, ...)`` instead, so
    the body hash is not remembered and the next poll parses again.
``BackoffPolicy``  base/max delay, jitter and the failing threshold;
    ``BackoffPolicy.from_settings(settings.polling)``.
``FetchState``   what we remember about a feed between polls (validators, body
    hash, error streak, next poll time). Frozen; persist it with ``to_dict`` /
    ``FetchState.from_dict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.backoff import exponential_backoff
from bot.ingest.results import (
    Failed,
    Fetched,
    FetchErrorKind,
    FetchResult,
    NotModified,
    Unchanged,
)

if TYPE_CHECKING:  # config imports pydantic; the state only needs the attribute names
    from bot.config import PollingSettings


_DATETIME_FIELDS = ("last_fetch_at", "next_poll_at", "first_fetch_at")


@dataclass(frozen=True)
class FetchState:
    """Per-feed memory between polls (what ``next_state`` computes)."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    consecutive_errors: int = 0
    last_status: int | None = None
    last_fetch_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_error: str | None = None
    failing_reported: bool = False
    items_seen: int = 0
    # A permanent redirect seen on consecutive successful polls; the caller may
    # rewrite the stored URL once ``moved_count`` reaches its threshold.
    moved_to: str | None = None
    moved_count: int = 0
    # When the feed was first fetched: the anchor of a dated feed template.
    first_fetch_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in _DATETIME_FIELDS:
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FetchState:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        for key in _DATETIME_FIELDS:
            value = values.get(key)
            if isinstance(value, str):
                parsed = datetime.fromisoformat(value)
                values[key] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return cls(**values)


@dataclass(frozen=True)
class BackoffPolicy:
    base_seconds: float = 60.0
    max_seconds: float = 6 * 3600.0
    jitter_seconds: float = 15.0  # spread added to the normal interval after a success
    failing_after_errors: int = 3

    @classmethod
    def from_settings(cls, polling: PollingSettings) -> BackoffPolicy:
        return cls(
            base_seconds=polling.backoff_base_seconds,
            max_seconds=polling.backoff_max_seconds,
            jitter_seconds=polling.jitter_seconds,
            failing_after_errors=polling.failing_after_errors,
        )


class HealthSignal(StrEnum):
    FAILING = "failing"  # report once: the feed has failed N polls in a row
    RECOVERED = "recovered"  # report once: a failing feed works again


@dataclass(frozen=True)
class Transition:
    state: FetchState
    signal: HealthSignal | None = None
    delay_seconds: float = 0.0  # next_poll_at - now


def backoff_delay(errors: int, backoff: BackoffPolicy, rand: float) -> float:
    """Exponential delay for the ``errors``-th consecutive error, with equal jitter.

    ``rand`` in [0, 1) is injected so tests are deterministic; the delay lies in
    [d/2, d) where d = min(max, base * 2**(errors-1)).
    """
    return exponential_backoff(errors, backoff.base_seconds, backoff.max_seconds, rand)


def backing_off(state: FetchState, now: datetime) -> bool:
    """A scheduled poll is skipped: the feed failed and its backoff (or the server's
    Retry-After) has not run out. The scheduler keeps the normal cadence; ``next_poll_at``
    only matters while the feed is backing off."""
    return bool(
        state.consecutive_errors and state.next_poll_at is not None and state.next_poll_at > now
    )


def first_poll(state: FetchState) -> bool:
    """Nothing was ever recorded from this feed: its backlog is recorded without alerts."""
    return state.items_seen == 0 and state.body_hash is None


def next_state(
    state: FetchState,
    outcome: FetchResult,
    now: datetime,
    *,
    interval: float,
    backoff: BackoffPolicy,
    rand: float,
    items_seen: int | None = None,
) -> Transition:
    """The feed's state after ``outcome`` (pure; ``rand`` in [0, 1) is the jitter)."""
    if isinstance(outcome, Failed):
        return after_failure(state, outcome, now, interval=interval, backoff=backoff, rand=rand)
    return after_success(
        state, outcome, now, interval=interval, backoff=backoff, rand=rand, items_seen=items_seen
    )


def after_failure(
    state: FetchState,
    outcome: Failed,
    now: datetime,
    *,
    interval: float,
    backoff: BackoffPolicy,
    rand: float,
) -> Transition:
    """One more error in a row: back off (at least the interval, at least Retry-After, at
    most the longest backoff), and signal FAILING once the streak reaches the threshold."""
    errors = state.consecutive_errors + 1
    delay = max(interval, backoff_delay(errors, backoff, rand))
    if outcome.retry_after is not None:
        delay = max(delay, outcome.retry_after)
    delay = min(delay, max(backoff.max_seconds, interval))
    failing = errors >= backoff.failing_after_errors and not state.failing_reported
    new = replace(
        state,
        consecutive_errors=errors,
        last_status=outcome.status,
        last_fetch_at=now,
        first_fetch_at=state.first_fetch_at or now,
        next_poll_at=now + timedelta(seconds=delay),
        last_error=f"{outcome.kind}: {outcome.message}",
        failing_reported=state.failing_reported or failing,
    )
    if outcome.kind is FetchErrorKind.PARSE:
        new = forget_validators(new)
    return Transition(new, HealthSignal.FAILING if failing else None, delay)


def forget_validators(state: FetchState) -> FetchState:
    """After a body that could not be parsed or stored: the next poll fetches and parses
    it again (no conditional GET, no "unchanged" by hash)."""
    return replace(state, etag=None, last_modified=None, body_hash=None)


def after_success(
    state: FetchState,
    outcome: Fetched | NotModified | Unchanged,
    now: datetime,
    *,
    interval: float,
    backoff: BackoffPolicy,
    rand: float,
    items_seen: int | None = None,
) -> Transition:
    """A poll that worked: the normal interval plus jitter, the error streak cleared,
    RECOVERED once if the feed had been reported failing; a new body's validators and
    hash remembered, and a permanent redirect counted (``moved_to``/``moved_count``)."""
    delay = interval + backoff.jitter_seconds * min(max(rand, 0.0), 1.0)
    signal = HealthSignal.RECOVERED if state.failing_reported else None
    new = replace(
        state,
        consecutive_errors=0,
        last_status=outcome.status,
        last_fetch_at=now,
        first_fetch_at=state.first_fetch_at or now,
        next_poll_at=now + timedelta(seconds=delay),
        last_error=None,
        failing_reported=False,
        etag=outcome.etag or state.etag,
        last_modified=outcome.last_modified or state.last_modified,
    )
    if isinstance(outcome, Fetched):
        new = _remember_body(new, state, outcome, items_seen)
    return Transition(new, signal, delay)


def _remember_body(
    new: FetchState, old: FetchState, outcome: Fetched, items_seen: int | None
) -> FetchState:
    moved_to, moved_count = None, 0
    if outcome.permanent_redirect:
        moved_to = outcome.final_url
        moved_count = old.moved_count + 1 if old.moved_to == moved_to else 1
    return replace(
        new,
        etag=outcome.etag,
        last_modified=outcome.last_modified,
        body_hash=outcome.body_hash,
        items_seen=items_seen if items_seen is not None else old.items_seen,
        moved_to=moved_to,
        moved_count=moved_count,
    )
