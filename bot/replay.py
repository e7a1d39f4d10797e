"""Replay an article archive through the real pipeline on a simulated clock.

Articles are extracted (``bot.extract.Extractor``) and recorded into a temporary
SQLite store in publication order by ``bot.pipeline.record_arrival``, as the poller
records new items. A bare ``published`` date arrives at 23:59 UTC of that day; each
snapshot day D is taken at 12:00 UTC, so it has seen every article published before D.
Ageing (presumed held) is applied before every step. Articles without a publication
date cannot be placed on the clock and are skipped (counted in ``Replay.skipped``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.jsonl import InputError, iter_jsonl
from bot.models import Change, FeedItem, MeetingState, MeetingView, Watchlist
from bot.timeline import DEFAULT_RULES, TimelineRules

if TYPE_CHECKING:  # the pipeline imports httpx and the store; replay loads them when run
    from bot.pipeline import ItemExtractor

REPLAY_FEED = "replay"
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Article:
    id: str
    arrival: datetime | None  # when the simulated clock sees it
    title: str
    text: str
    lang: str | None = None
    url: str | None = None


def arrival_time(published: str | None) -> datetime | None:
    """Bare dates arrive at 23:59 UTC; full timestamps as given (UTC if no zone)."""
    if not published:
        return None
    value = published.strip()
    if _BARE_DATE.match(value):
        return datetime.combine(date.fromisoformat(value), time(23, 59), tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def snapshot_time(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def load_articles(lines: Iterable[str], where: str = "input") -> list[Article]:
    out = []
    for number, raw in iter_jsonl(lines, where):
        try:
            out.append(
                Article(
                    id=str(raw["id"]),
                    arrival=arrival_time(raw.get("published")),
                    title=str(raw.get("title") or ""),
                    text=str(raw.get("text") or ""),
                    lang=raw.get("lang"),
                    url=raw.get("url"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{where}:{number}: not a valid article: {exc}") from exc
    return out


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def meeting_json(view: MeetingView) -> dict[str, Any]:
    s = view.state
    return {
        "id": view.id,
        "venue": s.venue,
        "date": _day(s.date),
        "date_end": _day(s.date_end),
        "status": s.status.value,
        "tentative": s.tentative,
        "participants": list(s.participants),
        "sources": len(view.sources),
        "presumed_held": s.presumed_held,
        "previous_date": _day(s.previous_date),
        "previous_venue": s.previous_venue,
    }


def _state_json(state: MeetingState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "venue": state.venue,
        "date": _day(state.date),
        "date_end": _day(state.date_end),
        "status": state.status.value,
        "tentative": state.tentative,
        "presumed_held": state.presumed_held,
    }


def change_json(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind.value,
        "meeting_id": change.meeting_id,
        "at": change.at.isoformat(),
        "from": _state_json(change.before),
        "to": _state_json(change.after),
        "source": change.source.link if change.source else None,
        "reason": change.reason,
    }


@dataclass
class Replay:
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    processed: int = 0
    skipped: list[str] = field(default_factory=list)


async def replay(
    articles: Sequence[Article],
    days: Sequence[date],
    extractor: ItemExtractor,
    *,
    rules: TimelineRules = DEFAULT_RULES,
    workdir: Path | None = None,
) -> Replay:
    """Snapshots for each day in ``days`` (in the order given)."""
    from bot.pipeline import record_arrival  # the stages are chained there
    from bot.store import Store

    result = Replay()
    placed = []
    for index, art in enumerate(articles):
        if art.arrival is None:
            result.skipped.append(art.id)
        else:
            placed.append((art.arrival, index, art))
    placed.sort(key=lambda t: (t[0], t[1]))
    wanted = sorted(set(days))
    snaps: dict[date, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        store = await Store.open(f"sqlite+aiosqlite:///{Path(tmp) / 'replay.sqlite3'}", rules=rules)
        try:
            pending = list(wanted)
            for arrival, _, art in placed:
                while pending and snapshot_time(pending[0]) < arrival:
                    day = pending.pop(0)
                    snaps[day] = await _snapshot(store, day)
                item = FeedItem(
                    feed_id=REPLAY_FEED,
                    key=art.id,
                    title=art.title,
                    text=art.text,
                    link=art.url,
                    published=arrival,
                    outlet=urlsplit(art.url).hostname if art.url else None,
                    lang_hint=art.lang,
                )
                await record_arrival(store, extractor, item, arrival)
                result.processed += 1
            for day in pending:
                snaps[day] = await _snapshot(store, day)
        finally:
            await store.close()
    result.snapshots = [snaps[d] for d in days]
    return result


async def _snapshot(store: Any, day: date) -> dict[str, Any]:
    now = snapshot_time(day)
    await store.record_ageing(now)
    nxt = await store.meetings.next_meeting(now)
    upcoming = await store.meetings.upcoming(now, limit=1000)
    changes = [c for c in await store.meetings.all_changes() if c.at <= now]
    return {
        "at": day.isoformat(),
        "next_meeting": meeting_json(nxt) if nxt else None,
        "upcoming": [meeting_json(v) for v in upcoming],
        "changes": [change_json(c) for c in changes],
    }


def format_snapshot(snap: dict[str, Any]) -> str:
    """A readable table for people (the --json form is for scripts)."""

    def line(m: dict[str, Any]) -> str:
        when = m["date"] or "no day"
        if m["date_end"]:
            when += f"–{m['date_end']}"
        flags = m["status"] + (" (tentative)" if m["tentative"] else "")
        if m["previous_date"] or m["previous_venue"]:
            moved = ", ".join(x for x in (m["previous_date"], m["previous_venue"]) if x)
            flags += f", moved from {moved}"
        who = ", ".join(m["participants"]) or "-"
        return (
            f"  #{m['id']:<4} {when:<23} {m['venue'] or '?':<16} {flags:<40} "
            f"{m['sources']} src  {who}"
        )

    out = [f"== {snap['at']} =="]
    nxt = snap["next_meeting"]
    out.append("next meeting:" if nxt else "next meeting: none")
    if nxt:
        out.append(line(nxt))
    out.append(f"upcoming ({len(snap['upcoming'])}):")
    out.extend(line(m) for m in snap["upcoming"])
    out.append(f"changes so far ({len(snap['changes'])}):")
    for c in snap["changes"]:
        out.append(
            f"  {c['at'][:16]}  #{c['meeting_id']:<4} {c['kind']:<13} {c['reason']}"
            + (f"  [{c['source']}]" if c["source"] else "")
        )
    return "\n".join(out)


def make_extractor(watchlist: Watchlist) -> ItemExtractor:
    from bot.extract import Extractor

    return Extractor(watchlist)
