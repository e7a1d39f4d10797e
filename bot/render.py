"""Pure rendering: changes and meetings → a platform-free ``Message``.

Everything here is plain functions over the models. Feed text is untrusted: it is
cleaned of control and bidi-override characters here; each platform's markup and
escaping is built beside its adapter (``bot/chat/markup.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import (
    LOCAL_TIME,
    Change,
    ChangeKind,
    MeetingState,
    MeetingStatus,
    MeetingView,
    Message,
    MessageLink,
    SourceRef,
    TimeOfDay,
    Watchlist,
)
from bot.text import INVISIBLE_CHARS, clean_text

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

CHANGE_LABELS: dict[ChangeKind, tuple[str, str]] = {
    ChangeKind.ANNOUNCED: ("🆕", "Announced"),
    ChangeKind.RESCHEDULED: ("🔁", "Rescheduled"),
    ChangeKind.POSTPONED: ("⏸", "Postponed"),
    ChangeKind.CANCELLED: ("❌", "Cancelled"),
    ChangeKind.DENIED: ("🚫", "Denied"),
    ChangeKind.CONFIRMED: ("✅", "Confirmed"),
    ChangeKind.HELD: ("📌", "Held"),
    ChangeKind.PRESUMED_HELD: ("🕰", "Presumed held"),
}

STATUS_LABELS: dict[MeetingStatus, str] = {
    MeetingStatus.UPCOMING: "scheduled",
    MeetingStatus.RESCHEDULED: "rescheduled",
    MeetingStatus.POSTPONED: "postponed, no new date",
    MeetingStatus.CANCELLED: "cancelled",
    MeetingStatus.HELD: "held",
    MeetingStatus.DENIED: "denied by officials",
}

MAX_EVIDENCE_CHARS = 300
MAX_LINKS = 5
MAX_URL_CHARS = 2000


# --------------------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units; emoji outside the BMP count 2)."""
    return len(text.encode("utf-16-le")) // 2


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link without spaces or controls, else None."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL_CHARS or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    if INVISIBLE_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _zone(tz_name: str) -> tzinfo:
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --------------------------------------------------------------------------- names


def entity_name(watchlist: Watchlist, entity_id: str) -> str:
    entity = watchlist.get(entity_id)
    return entity.name if entity else entity_id


def venue_name(watchlist: Watchlist, venue: str | None) -> str | None:
    if not venue:
        return None
    if venue.startswith("other:"):
        return clean_text(venue[len("other:") :]).strip() or None
    return entity_name(watchlist, venue)


def meeting_title(participants: Sequence[str], watchlist: Watchlist) -> str:
    """A name from who takes part: their sides ("US–Russia–Ukraine talks"), else surnames.

    Sides come from the watchlist (``side``); order follows the watchlist so the same
    meeting always gets the same title whatever order the article named people in.
    """
    order = {e.id: i for i, e in enumerate(watchlist.entities())}
    labels: list[str] = []
    for pid in sorted(set(participants), key=lambda p: (order.get(p, len(order)), p)):
        entity = watchlist.get(pid)
        if entity is not None and entity.side:
            label = entity.side
        elif entity is not None:
            label = entity.name.split(" (")[0].split()[-1]
        else:
            label = pid
        if label not in labels:
            labels.append(label)
    if not labels:
        return "Talks"
    return "–".join(labels) + " talks"


def people(watchlist: Watchlist, participants: Sequence[str]) -> str:
    order = {e.id: i for i, e in enumerate(watchlist.entities())}
    ids = sorted(set(participants), key=lambda p: (order.get(p, len(order)), p))
    return ", ".join(entity_name(watchlist, p) for p in ids)


# --------------------------------------------------------------------------- dates


def day_short(d: date, *, year: bool = False) -> str:
    text = f"{d.day} {MONTHS[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def days_short(start: date | None, end: date | None, *, year: bool = False) -> str:
    """``4 Feb``, ``4–5 Feb``, ``30 Jan – 2 Feb`` (calendar days, no time zone involved)."""
    if start is None:
        return "date not set"
    if end is None or end <= start:
        return day_short(start, year=year)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{day_short(end, year=year)}"
    return f"{day_short(start, year=year and start.year != end.year)} – {day_short(end, year=year)}"


def days_long(start: date | None, end: date | None) -> str:
    if start is None:
        return "not announced yet"
    first = f"{WEEKDAYS[start.weekday()]} {day_short(start, year=end is None or end <= start)}"
    if end is None or end <= start:
        return first
    return f"{WEEKDAYS[start.weekday()]} {start.day} {MONTHS[start.month - 1]} – " + (
        f"{WEEKDAYS[end.weekday()]} {day_short(end, year=True)}"
    )


def relative_day(start: date, now: datetime, tz: tzinfo) -> str:
    """Say "today" / "tomorrow" / "in 3 days", counted in the chat's own calendar."""
    delta = (start - now.astimezone(tz).date()).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta} days" if delta > 1 else f"{-delta} days ago"


def timestamp(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{day_short(local.date(), year=True)}, {local:%H:%M}"


def when_line(
    state: MeetingState, now: datetime | None, tz: tzinfo, watchlist: Watchlist | None = None
) -> str:
    """The day (or the vague period the articles gave), then the stated time of day."""
    if state.date is None and state.period is not None:
        text = f"{clean_text(state.period.label)} (day not announced yet)"
    else:
        text = days_long(state.date, state.date_end)
    if state.date is not None and now is not None:
        text += f" ({relative_day(state.date, now, tz)})"
    if state.time is not None:
        text += f", {time_phrase(state, tz, watchlist)}"
    return text


def days_or_period(state: MeetingState) -> str:
    """``4–5 Feb``; with no day, the article's vague period ("mid-Dec"); else "date not set"."""
    if state.date is None and state.period is not None:
        return clean_text(state.period.label)
    return days_short(state.date, state.date_end)


def _venue_zone(watchlist: Watchlist | None, venue: str | None) -> str | None:
    entity = watchlist.get(venue) if watchlist is not None and venue else None
    return entity.timezone if entity is not None and entity.timezone else None


def _zone_abbreviation(at: datetime) -> str:
    name = at.tzname() or ""
    if name and name[0] in "+-":  # zones without a letter abbreviation: "+04" → UTC+04
        return f"UTC{name}"
    return name


def time_phrase(state: MeetingState, tz: tzinfo, watchlist: Watchlist | None = None) -> str:
    """ "10:00 local time (CET; 09:00 UTC)", "14:00 CET", "10:00 (time zone not stated)".

    "Local time" is the venue's zone when the watchlist gives one. With a day and a
    zone known, the time is also given in the chat's zone when that differs.
    """
    time = state.time
    assert time is not None
    local = time.zone == LOCAL_TIME
    zone_name = _venue_zone(watchlist, state.venue) if local else time.zone
    stated = time.text + (" local time" if local else "")
    zone = _zone(zone_name) if zone_name else None
    if zone is None or state.date is None:
        if local:
            return stated
        return f"{stated} {zone_name}" if zone_name else f"{stated} (time zone not stated)"
    at = _at(state.date, time, zone)
    label = _zone_abbreviation(at)
    text = f"{stated} ({label}" if local else f"{stated} {label}"
    there = at.astimezone(tz)
    if there.utcoffset() != at.utcoffset():
        other_day = f"{day_short(there.date())}, " if there.date() != at.date() else ""
        text += f"{'; ' if local else ' ('}{other_day}{there:%H:%M} {tz_name_of(tz)}"
        text += ")"
    elif local:
        text += ")"
    return text


def _at(day: date, time: TimeOfDay, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, time.hour, time.minute, tzinfo=zone)


# --------------------------------------------------------------------------- sources


MAX_HEADLINE_CHARS = 80


def outlet_name(source: SourceRef) -> str:
    """The outlet as its feed names it, else the link's host, else "source"."""
    if source.outlet and clean_text(source.outlet).strip():
        return shorten(clean_text(source.outlet), 60)
    url = safe_url(source.link)
    if url:
        host = urlsplit(url).hostname or url
        return host.removeprefix("www.")
    return "source"


def source_label(source: SourceRef) -> str:
    """Headline (shortened) and outlet: "Talks move to Geneva — Reuters"."""
    headline = shorten(clean_text(source.title), MAX_HEADLINE_CHARS) if source.title else ""
    outlet = outlet_name(source)
    return f"{headline} — {outlet}" if headline else outlet


def source_links(sources: Iterable[SourceRef], limit: int = MAX_LINKS) -> tuple[MessageLink, ...]:
    """One link per article; two from one outlet are told apart by their headlines,
    and, failing those, by a number."""
    links: list[MessageLink] = []
    seen: set[str] = set()
    labels: dict[str, int] = {}
    for src in sources:
        url = safe_url(src.link)
        if url is None or url in seen:
            continue
        seen.add(url)
        label = source_label(src)
        labels[label] = labels.get(label, 0) + 1
        if labels[label] > 1:
            label = f"{label} ({labels[label]})"
        links.append(MessageLink(label=label, url=url))
        if len(links) >= limit:
            break
    return tuple(links)


def evidence_quotes(sources: Iterable[SourceRef], limit: int = 2) -> tuple[str, ...]:
    quotes: list[str] = []
    for src in sources:
        text = shorten(clean_text(src.evidence), MAX_EVIDENCE_CHARS)
        if text and " ".join(clean_text(src.title).split()) == text:
            continue  # the headline already names the link below
        if text and text not in quotes:
            quotes.append(text)
        if len(quotes) >= limit:
            break
    return tuple(quotes)


def sources_summary(sources: Sequence[SourceRef]) -> str:
    langs = sorted({s.lang for s in sources if s.lang})
    count = f"{len(sources)} source" + ("" if len(sources) == 1 else "s")
    return f"{count} · languages: {', '.join(langs)}" if langs else count


def _newest_first(sources: Iterable[SourceRef]) -> list[SourceRef]:
    return sorted(sources, key=lambda s: s.published, reverse=True)


# --------------------------------------------------------------------------- messages


def _place_and_days(title: str, venue: str | None, days: str) -> str:
    head = f"{title}, {venue}" if venue else title
    return f"{head} — {days}"


def change_headline(change: Change, watchlist: Watchlist, title: str = "") -> str:
    after, before = change.after, change.before
    title = clean_text(title) or meeting_title(after.participants, watchlist)
    icon, label = CHANGE_LABELS[change.kind]
    venue = venue_name(watchlist, after.venue)
    new_days = days_or_period(after)
    if change.kind is ChangeKind.RESCHEDULED:
        old_start = before.date if before else after.previous_date
        old_end = before.date_end if before else None
        old_venue = venue_name(watchlist, before.venue if before else after.previous_venue)
        date_changed = old_start is not None and (old_start, old_end) != (
            after.date,
            after.date_end,
        )
        venue_changed = old_venue is not None and old_venue != venue
        old_days = days_short(old_start, old_end)
        if venue_changed and date_changed:
            body = f"{title} — {old_venue}, {old_days} → {venue or '?'}, {new_days}"
        elif venue_changed:
            body = f"{title} — {old_venue} → {venue or '?'}"
            if after.date is not None:
                body += f", {new_days}"
        elif date_changed:
            body = _place_and_days(title, venue, f"{old_days} → {new_days}")
        else:
            body = _place_and_days(title, venue, new_days)
            if old_start is None and after.date is not None:
                # no earlier day to move from: the day has just been set
                icon, label = "📅", "Date set"
    elif change.kind is ChangeKind.POSTPONED:
        start = before.date if before and before.date else after.date
        end = before.date_end if before and before.date else after.date_end
        body = (
            _place_and_days(title, venue, f"was {days_short(start, end)}")
            if start
            else _place_and_days(title, venue, "no new date")
        )
    else:
        body = _place_and_days(title, venue, new_days)
    return f"{icon} {label}: {body}"


_UNCONFIRMED_CHANGE = {
    MeetingStatus.CANCELLED: "cancellation not confirmed by the parties",
    MeetingStatus.POSTPONED: "postponement not confirmed by the parties",
    MeetingStatus.DENIED: "the denial answers a report nobody confirmed",
    MeetingStatus.HELD: "not confirmed that it took place",
}


def unconfirmed(state: MeetingState, kind: ChangeKind | None = None) -> str:
    """What a tentative meeting leaves unconfirmed, in a reader's words."""
    if state.status in _UNCONFIRMED_CHANGE:
        return _UNCONFIRMED_CHANGE[state.status]
    moved = state.status is MeetingStatus.RESCHEDULED or kind is ChangeKind.RESCHEDULED
    if state.date is not None:
        return "new day not confirmed" if moved else "day not confirmed"
    if state.venue is not None:
        return "new venue not confirmed" if moved else "meeting not confirmed"
    return "not confirmed by the parties"


def _what_it_says(change: Change, watchlist: Watchlist) -> str:
    """A change as what an article says: "it moved to 2 Dec", "it is cancelled"."""
    state = change.after
    days = days_or_period(state) if state.date or state.period else ""
    venue = venue_name(watchlist, state.venue)
    where = f" in {venue}" if venue else ""
    on = f" on {days}" if state.date else (f" {days}" if days else "")
    match change.kind:
        case ChangeKind.ANNOUNCED:
            return f"it is planned{on}{where}"
        case ChangeKind.RESCHEDULED:
            target = days if state.date else (venue or days or "a new date")
            return f"it moved to {target}" + (where if state.date else "")
        case ChangeKind.POSTPONED:
            return "it is postponed" + ("" if state.date else " with no new date")
        case ChangeKind.CANCELLED:
            return "it is cancelled"
        case ChangeKind.DENIED:
            return "no such meeting is planned"
        case ChangeKind.CONFIRMED:
            return f"it is confirmed{on}{where}"
        case ChangeKind.HELD:
            return "it took place"
        case _:
            return "its day has passed with no further report"


_STATE_SAYS = {
    MeetingStatus.POSTPONED: "it is postponed",
    MeetingStatus.CANCELLED: "it is cancelled",
    MeetingStatus.DENIED: "no such meeting is planned",
    MeetingStatus.HELD: "it took place",
}


def _state_says(state: MeetingState) -> str:
    """The current state as a report would put it: "it is planned for 4–5 Feb"."""
    if state.status in _STATE_SAYS:
        return _STATE_SAYS[state.status]
    days = days_or_period(state) if state.date or state.period else ""
    return f"it is planned for {days}" if days else "it is planned, with no day yet"


def plain_explanation(
    view: MeetingView, changes: Sequence[Change], watchlist: Watchlist
) -> list[str]:
    """Why the meeting stands as it does, in words: who reported it, what the latest
    says, and what is still unconfirmed ("3 outlets reported it; the latest, X, says it
    moved to 2 Dec")."""
    sources = _newest_first(view.sources)
    if not sources:
        return []
    outlets = list(dict.fromkeys(outlet_name(s) for s in sources))
    count = f"{len(outlets)} outlet{'' if len(outlets) == 1 else 's'}"
    if len(sources) > len(outlets):
        count += f" ({len(sources)} articles)"
    count += " reported it"
    latest = sources[0]
    latest_name = outlet_name(latest)
    said = next(
        (
            c
            for c in sorted(changes, key=lambda c: c.at, reverse=True)
            if c.source is not None
            and (c.source.link, c.source.item_key) == (latest.link, latest.item_key)
        ),
        None,
    )
    if len(sources) == 1:
        line = f"{count}: {latest_name}" + (
            f", saying {_what_it_says(said, watchlist)}." if said else "."
        )
    elif said is not None:
        line = f"{count}; the latest, {latest_name}, says {_what_it_says(said, watchlist)}."
    else:
        line = f"{count}; the latest, {latest_name}, also says {_state_says(view.state)}."
    lines = ["Why: " + line]
    state = view.state
    if state.tentative:
        unsure = unconfirmed(state)
        if state.status in (MeetingStatus.UPCOMING, MeetingStatus.RESCHEDULED):
            lines.append(f"Tentative ({unsure}): no report states it firmly yet.")
        else:
            lines.append(f"Tentative ({unsure}): every report of it hedges.")
    if state.unverified:
        lines.append(UNVERIFIED_LINE)
    if state.presumed_held:
        lines.append("Its day has passed with no further report, so it is presumed held.")
    return lines


# A meeting known only from articles in languages the bot has no rules for: it found a
# tracked name with a tracked place or a day, and says so rather than stay silent.
UNVERIFIED_LINE = (
    "⚠️ Unverified: read from an article in a language the bot cannot analyse yet; it "
    "found these names with this place or day, nothing more. Check the source."
)


def render_change(
    change: Change,
    watchlist: Watchlist,
    *,
    tz_name: str = "UTC",
    now: datetime | None = None,
    title: str = "",
) -> Message:
    """An alert about one change, in the chat's time zone."""
    tz = _zone(tz_name)
    after, before = change.after, change.before
    lines = [f"When: {when_line(after, now, tz, watchlist)}"]
    old_start = before.date if before else after.previous_date
    if change.kind is ChangeKind.RESCHEDULED and old_start and old_start != after.date:
        lines.append(f"Was: {days_long(old_start, before.date_end if before else None)}")
    where = venue_name(watchlist, after.venue) or "not announced yet"
    old_venue = venue_name(watchlist, before.venue if before else after.previous_venue)
    if old_venue and old_venue != where and change.kind is ChangeKind.RESCHEDULED:
        where += f" (was {old_venue})"
    lines.append(f"Where: {where}")
    if after.participants:
        lines.append(f"Who: {people(watchlist, after.participants)}")
    if after.tentative:
        lines.append(f"⚠️ Tentative: {unconfirmed(after, change.kind)}")
    if after.unverified:
        lines.append(UNVERIFIED_LINE)
    if change.kind is ChangeKind.PRESUMED_HELD:
        lines.append("Its day has passed with no report of a change.")
    sources = (change.source,) if change.source else ()
    if change.source:
        lines.append(f"Reported: {timestamp(change.source.published, tz)} ({tz_name_of(tz)})")
    footer = f"Meeting #{change.meeting_id}"
    if sources:
        footer += f" · {sources_summary(sources)}"
    footer += f" · /meeting {change.meeting_id} for history"
    return Message(
        headline=change_headline(change, watchlist, title),
        lines=tuple(lines),
        links=source_links(sources),
        quotes=evidence_quotes(sources),
        footer=footer,
    )


def tz_name_of(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def meeting_summary(view: MeetingView, watchlist: Watchlist) -> str:
    """One line: ``#12 · 4–5 Feb · Abu Dhabi · US–Russia talks (tentative)``."""
    state = view.state
    title = clean_text(view.title) or meeting_title(state.participants, watchlist)
    parts = [f"#{view.id}", days_or_period(state)]
    venue = venue_name(watchlist, state.venue)
    if venue:
        parts.append(venue)
    text = " · ".join([*parts, title])
    flags = []
    if state.status not in (MeetingStatus.UPCOMING,):
        flags.append(STATUS_LABELS[state.status])
    if state.tentative:
        flags.append("tentative")
    return text + (f" ({', '.join(flags)})" if flags else "")


def render_meeting(
    view: MeetingView,
    watchlist: Watchlist,
    *,
    tz_name: str = "UTC",
    now: datetime | None = None,
    heading: str = "📅 Next meeting",
) -> Message:
    tz = _zone(tz_name)
    state = view.state
    title = clean_text(view.title) or meeting_title(state.participants, watchlist)
    venue = venue_name(watchlist, state.venue)
    headline = f"{heading}: " + _place_and_days(title, venue, days_or_period(state))
    lines = [
        f"When: {when_line(state, now, tz, watchlist)}",
        f"Where: {venue or 'not announced yet'}",
    ]
    if state.participants:
        lines.append(f"Who: {people(watchlist, state.participants)}")
    status = STATUS_LABELS[state.status]
    if state.presumed_held:
        status = "presumed held (its day passed with no further report)"
    if state.tentative:
        status += f" · ⚠️ tentative: {unconfirmed(state)}"
    lines.append(f"Status: {status}")
    sources = _newest_first(view.sources)
    footer = f"Meeting #{view.id}"
    if sources:
        footer += f" · {sources_summary(sources)}"
    footer += f" · /meeting {view.id} for history"
    return Message(
        headline=headline,
        lines=tuple(lines),
        links=source_links(sources),
        quotes=evidence_quotes(sources),
        footer=footer,
    )


def render_meeting_list(
    views: Sequence[MeetingView], watchlist: Watchlist, *, heading: str = "📅 Upcoming meetings"
) -> Message:
    if not views:
        return Message(
            headline=f"{heading}: none known",
            lines=("No upcoming meeting is reported in the sources I follow.",),
        )
    return Message(
        headline=f"{heading} ({len(views)})",
        lines=tuple(meeting_summary(v, watchlist) for v in views),
        footer="/meeting ID shows history and sources",
    )


def render_history(
    view: MeetingView,
    changes: Sequence[Change],
    explanation: Sequence[str],
    watchlist: Watchlist,
    *,
    tz_name: str = "UTC",
    now: datetime | None = None,
) -> Message:
    tz = _zone(tz_name)
    base = render_meeting(
        view, watchlist, tz_name=tz_name, now=now, heading=f"🗂 Meeting #{view.id}"
    )
    lines = list(base.lines)
    if changes:
        lines.append("History:")
        for change in sorted(changes, key=lambda c: c.at):
            icon, label = CHANGE_LABELS[change.kind]
            days = days_or_period(change.after)
            place = venue_name(watchlist, change.after.venue)
            what = f"{days}, {place}" if place else days
            lines.append(f"• {timestamp(change.at, tz)} {icon} {label.lower()} — {what}")
    # the engine's rule-by-rule ``explanation`` stays for `bot meeting`; chats get words
    lines.extend(plain_explanation(view, changes, watchlist))
    sources = _newest_first(view.sources)
    return Message(
        headline=base.headline,
        lines=tuple(lines),
        links=source_links(sources, limit=10),
        quotes=base.quotes,
        footer=base.footer,
    )


def outdated_message(original: Message | None, note: str) -> Message:
    """The edit applied to an earlier alert once a newer change supersedes it."""
    if original is None:
        return Message(headline="⚠️ Outdated alert", lines=(note,) if note else ())
    return Message(
        headline=f"⚠️ OUTDATED — {original.headline}",
        lines=((note,) if note else ()) + original.lines,
        links=original.links,
        quotes=original.quotes,
        footer=original.footer,
    )
