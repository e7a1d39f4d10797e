# ruff: noqa: E501  (expected strings read best unwrapped)
"""Alerts keep what the article said: the stated time and zone, vague days as written,
participants without the commentators, plain explanations, tentative lines that say
what is unconfirmed, and sources named by headline and outlet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from chatkit import source, state, watchlist

from bot.config import load_watchlist
from bot.extract import Extractor
from bot.extract.periods import vague_period
from bot.extract.timeofday import find_time_of_day
from bot.models import (
    LOCAL_TIME,
    Change,
    ChangeKind,
    EntityKind,
    FeedItem,
    MeetingReport,
    MeetingStatus,
    MeetingView,
    Period,
    TimeOfDay,
    WatchEntity,
    Watchlist,
)
from bot.render import render_change, render_history, render_meeting, render_meeting_list
from bot.store import Store
from bot.timeline import ReportEntry, TimelineMeeting, derive_state, next_meeting, upcoming

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
PUBLISHED = date(2026, 12, 6)
CONFIG_WATCHLIST = Path(__file__).resolve().parent.parent / "config" / "watchlist.yaml"


def zoned_watchlist() -> Watchlist:
    """The chat fixtures' watchlist with Budapest (and its zone) added."""
    base = watchlist()
    budapest = WatchEntity(
        "budapest", EntityKind.VENUE, "Budapest", {"*": ("Budapest",)}, timezone="Europe/Budapest"
    )
    return Watchlist(actors=base.actors, venues=(*base.venues, budapest))


WL = zoned_watchlist()


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(CONFIG_WATCHLIST))


# --------------------------------------------------------------------------- time of day


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("The talks open at 10:00 local time.", "en", TimeOfDay(10, 0, LOCAL_TIME)),
        ("Die Gespräche beginnen um 14 Uhr MEZ.", "de", TimeOfDay(14, 0, "CET")),
        ("Spotkanie o godz. 12:00 czasu polskiego.", "pl", TimeOfDay(12, 0, "Europe/Warsaw")),
        ("Встреча начнётся в 15:00 по московскому времени.", "ru", TimeOfDay(15, 0, "Europe/Moscow")),
        ("Les discussions débutent à 14h30 heure locale.", "fr", TimeOfDay(14, 30, LOCAL_TIME)),
        ("They meet at 3 p.m. EST.", "en", TimeOfDay(15, 0, "America/New_York")),
        ("They meet at 9.30 on Monday.", "en", TimeOfDay(9, 30, None)),
        ("Das Treffen am 10.12. in Genf.", "de", None),  # a date, not a time
        ("Ukraine won 2:1 in the final.", "en", None),
        ("Talks are set for 2026 at the earliest.", "en", None),
    ],
)  # fmt: skip
def test_time_of_day_and_zone_are_found(text: str, lang: str, expected: TimeOfDay | None) -> None:
    found = find_time_of_day(text, lang)
    assert (found[1] if found else None) == expected


@pytest.mark.parametrize(
    ("title", "body", "lang", "expected"),
    [
        ("Witkoff and Dmitriev to meet in Budapest", "Steve Witkoff and Kirill Dmitriev will meet in Budapest on 10 December at 10:00 local time.", "en", TimeOfDay(10, 0, LOCAL_TIME)),
        ("Treffen in Genf", "Witkoff und Umerow treffen sich am 9. Dezember um 14 Uhr MEZ in Genf.", "de", TimeOfDay(14, 0, "CET")),
        ("Rozmowy w Abu Zabi", "Witkoff i Umierow spotkają się w Abu Zabi 12 grudnia o godz. 12:00 czasu polskiego.", "pl", TimeOfDay(12, 0, "Europe/Warsaw")),
    ],
)  # fmt: skip
def test_extracted_meeting_carries_the_stated_time(
    extractor: Extractor, title: str, body: str, lang: str, expected: TimeOfDay
) -> None:
    meetings = extractor.extract(title, body, PUBLISHED, lang_hint=lang).meetings
    assert [m.time for m in meetings] == [expected]


@pytest.mark.parametrize(
    ("time", "venue", "chat_zone", "when"),
    [
        (TimeOfDay(10, 0, LOCAL_TIME), "budapest", "UTC", "When: Thu 10 Dec 2026 (in 4 days), 10:00 local time (CET; 09:00 UTC)"),
        (TimeOfDay(10, 0, LOCAL_TIME), "budapest", "Europe/Warsaw", "When: Thu 10 Dec 2026 (in 4 days), 10:00 local time (CET)"),
        (TimeOfDay(10, 0, LOCAL_TIME), "abu-dhabi", "UTC", "When: Thu 10 Dec 2026 (in 4 days), 10:00 local time"),  # zone unknown
        (TimeOfDay(14, 0, "CET"), "abu-dhabi", "UTC", "When: Thu 10 Dec 2026 (in 4 days), 14:00 CET (13:00 UTC)"),
        (TimeOfDay(12, 0, "Europe/Warsaw"), "abu-dhabi", "Europe/Warsaw", "When: Thu 10 Dec 2026 (in 4 days), 12:00 CET"),
        (TimeOfDay(23, 30, "America/New_York"), "miami", "Europe/Moscow", "When: Thu 10 Dec 2026 (in 4 days), 23:30 EST (11 Dec, 07:30 Europe/Moscow)"),
        (TimeOfDay(10, 0, None), "abu-dhabi", "UTC", "When: Thu 10 Dec 2026 (in 4 days), 10:00 (time zone not stated)"),
    ],
)  # fmt: skip
def test_alert_and_next_meeting_show_the_time(
    time: TimeOfDay, venue: str, chat_zone: str, when: str
) -> None:
    after = state(venue=venue, date=date(2026, 12, 10), date_end=None, time=time)
    alert = render_change(
        Change(7, ChangeKind.ANNOUNCED, None, after, NOW, source()), WL, tz_name=chat_zone, now=NOW
    )
    view = MeetingView(7, after, (source(),))
    reply = render_meeting(view, WL, tz_name=chat_zone, now=NOW)
    history = render_history(view, (), (), WL, tz_name=chat_zone, now=NOW)
    assert alert.lines[0] == reply.lines[0] == history.lines[0] == when


# --------------------------------------------------------------------------- vague periods


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Mitte Dezember", "de", Period("mid-December", date(2026, 12, 11), date(2026, 12, 20))),
        ("mid-December", "en", Period("mid-December", date(2026, 12, 11), date(2026, 12, 20))),
        ("w połowie grudnia", "pl", Period("mid-December", date(2026, 12, 11), date(2026, 12, 20))),
        ("next week", "en", Period("next week", date(2026, 12, 7), date(2026, 12, 13))),
        ("end of the month", "en", Period("end of the month", date(2026, 12, 22), date(2026, 12, 31))),
        ("early January", "en", Period("early January", date(2027, 1, 1), date(2027, 1, 10))),
        ("in the coming days", "en", Period("in the coming days", date(2026, 12, 7), date(2026, 12, 13))),
        ("в начале января", "ru", Period("early January", date(2027, 1, 1), date(2027, 1, 10))),
        ("wkrótce", "pl", Period("soon")),
        ("a breve termine", "xx", Period("a breve termine")),  # unknown: kept as written
    ],
)  # fmt: skip
def test_vague_days_become_readable_periods(text: str, lang: str, expected: Period) -> None:
    assert vague_period(text, lang, PUBLISHED) == expected


@pytest.mark.parametrize(
    ("title", "body", "lang", "label"),
    [
        ("Gespräche in Genf", "Die Gespräche zwischen Witkoff und Umerow in Genf sollen Mitte Dezember stattfinden.", "de", "mid-December"),
        ("Talks next week", "Witkoff and Umerov will hold talks in Miami next week.", "en", "next week"),
    ],
)  # fmt: skip
def test_extracted_meeting_keeps_its_vague_period(
    extractor: Extractor, title: str, body: str, lang: str, label: str
) -> None:
    (meeting,) = extractor.extract(title, body, PUBLISHED, lang_hint=lang).meetings
    assert meeting.date is None
    assert meeting.period is not None and meeting.period.label == label


def _entry(report: MeetingReport, day: int) -> ReportEntry:
    published = datetime(2026, 12, day, 8, tzinfo=UTC)
    ref = replace(source(), published=published, link=f"https://news.example/{day}")
    return ReportEntry(report, ref, published)


def _report(**kw: object) -> MeetingReport:
    data: dict[str, object] = {
        "venue": "geneva",
        "date": None,
        "date_end": None,
        "status": MeetingStatus.UPCOMING,
        "tentative": False,
        "participants": ("witkoff",),
    }
    data.update(kw)
    return MeetingReport(**data)  # type: ignore[arg-type]


MID_DECEMBER = Period("mid-December", date(2026, 12, 11), date(2026, 12, 20))


@pytest.mark.parametrize(
    ("reports", "period", "day"),
    [
        ([_report(period=MID_DECEMBER)], MID_DECEMBER, None),
        ([_report(period=MID_DECEMBER), _report(date=date(2026, 12, 15))], None, date(2026, 12, 15)),
        ([_report(), _report(period=MID_DECEMBER)], MID_DECEMBER, None),
    ],
)  # fmt: skip
def test_a_period_is_kept_only_while_no_day_is_known(
    reports: list[MeetingReport], period: Period | None, day: date | None
) -> None:
    entries = [_entry(r, 1 + i) for i, r in enumerate(reports)]
    derived, _ = derive_state(entries, NOW)
    assert (derived.period, derived.date) == (period, day)


def test_a_period_is_never_the_next_meeting() -> None:
    entries = (_entry(_report(period=MID_DECEMBER), 5),)
    derived, _ = derive_state(entries, NOW)
    meeting = TimelineMeeting(1, entries, derived, NOW, NOW)
    assert next_meeting([meeting], NOW) is None
    assert upcoming([meeting], NOW) == [meeting]  # still listed, as undated


@pytest.mark.parametrize(
    ("period", "headline", "when", "summary"),
    [
        (MID_DECEMBER, "🆕 Announced: US–Russia–Ukraine talks, Abu Dhabi — mid-December", "When: mid-December (day not announced yet)", "#7 · mid-December · Abu Dhabi"),
        (Period("in the coming days"), "🆕 Announced: US–Russia–Ukraine talks, Abu Dhabi — in the coming days", "When: in the coming days (day not announced yet)", "#7 · in the coming days · Abu Dhabi"),
        (None, "🆕 Announced: US–Russia–Ukraine talks, Abu Dhabi — date not set", "When: not announced yet", "#7 · date not set · Abu Dhabi"),
    ],
)  # fmt: skip
def test_vague_day_shown_as_written(
    period: Period | None, headline: str, when: str, summary: str
) -> None:
    after = state(date=None, date_end=None, period=period, tentative=False)
    alert = render_change(Change(7, ChangeKind.ANNOUNCED, None, after, NOW, source()), WL, now=NOW)
    assert (alert.headline, alert.lines[0]) == (headline, when)
    listing = render_meeting_list([MeetingView(7, after, (source(),))], WL)
    assert listing.lines[0].startswith(summary)


# --------------------------------------------------------------------------- participants


@pytest.mark.parametrize(
    ("title", "body", "who"),
    [
        ("Kremlin denies meeting", "Kremlin spokesman Dmitry Peskov denied that Putin and Witkoff would meet in Moscow next week.", ("putin", "witkoff")),
        ("Peskov on talks", "Peskov, the Kremlin spokesman, said a meeting between Putin and Witkoff in Moscow was cancelled.", ("putin", "witkoff")),
        ("Talks cancelled", "The talks between Witkoff and Dmitriev in Abu Dhabi were cancelled, according to Peskov.", ("witkoff", "dmitriev")),
        ("Geneva talks", "Witkoff will meet Umerov in Geneva on 9 December, said Peskov on Tuesday.", ("witkoff", "umerov")),
        ("Geneva talks", "Witkoff will meet Umerov and Peskov in Geneva on 9 December.", ("witkoff", "umerov", "peskov")),
        ("Geneva talks", "Talks between Putin and Witkoff in Geneva are planned for 9 December, Peskov said.", ("putin", "witkoff")),
        ("Geneva talks", "Witkoff will meet Umerov in Geneva on 9 December, Peskov told reporters.", ("witkoff", "umerov")),
        ("Le Kremlin dément", "Le porte-parole du Kremlin, Dmitri Peskov, a démenti qu'une rencontre entre Dmitriev et Witkoff à Abou Dhabi ait été fixée.", ("dmitriev", "witkoff")),
    ],
)  # fmt: skip
def test_commentators_are_not_participants(
    extractor: Extractor, title: str, body: str, who: tuple[str, ...]
) -> None:
    (meeting,) = extractor.extract(title, body, PUBLISHED).meetings
    assert set(meeting.participants) == set(who)


# --------------------------------------------------------------------------- explanations


@pytest.mark.parametrize(
    "kind", [ChangeKind.ANNOUNCED, ChangeKind.RESCHEDULED, ChangeKind.CANCELLED, ChangeKind.HELD]
)
def test_alerts_carry_no_engine_line(kind: ChangeKind) -> None:
    change = Change(
        7,
        kind,
        None,
        state(),
        NOW,
        source(),
        reason="new meeting: no day, budapest, upcoming (tentative)",
    )
    lines = render_change(change, WL, now=NOW).lines
    assert not [line for line in lines if line.startswith("Why") or "upcoming (tentative)" in line]


def _src(outlet: str, day: int, title: str = "") -> object:
    published = datetime(2026, 12, day, 8, tzinfo=UTC)
    return replace(
        source(),
        outlet=outlet,
        published=published,
        link=f"https://{outlet}.example/{day}",
        title=title,
    )


MOVED = state(
    date=date(2026, 12, 2),
    date_end=None,
    previous_date=date(2026, 11, 28),
    status=MeetingStatus.RESCHEDULED,
    tentative=False,
)


@pytest.mark.parametrize(
    ("sources", "changes", "expected"),
    [
        (
            ("reuters", 1, "tass", 2, "ap", 3),
            ((ChangeKind.ANNOUNCED, 1), (ChangeKind.RESCHEDULED, 3)),
            "Why: 3 outlets reported it; the latest, ap, says it moved to 2 Dec in Abu Dhabi.",
        ),
        (
            ("reuters", 1, "tass", 2),
            ((ChangeKind.ANNOUNCED, 1),),
            "Why: 2 outlets reported it; the latest, tass, also says it is planned for 2 Dec.",
        ),
        (("reuters", 1), ((ChangeKind.CANCELLED, 1),), "Why: 1 outlet reported it: reuters, saying it is cancelled."),
        (
            ("reuters", 1, "reuters", 2, "tass", 3),
            ((ChangeKind.ANNOUNCED, 1),),
            "Why: 2 outlets (3 articles) reported it; the latest, tass, also says it is planned for 2 Dec.",
        ),
    ],
)  # fmt: skip
def test_meeting_explains_itself_in_plain_words(
    sources: tuple[object, ...], changes: tuple[tuple[ChangeKind, int], ...], expected: str
) -> None:
    refs = [_src(str(sources[i]), int(str(sources[i + 1]))) for i in range(0, len(sources), 2)]
    by_day = {r.published.day: r for r in refs}  # type: ignore[attr-defined]
    history = [
        Change(7, kind, None, MOVED, by_day[day].published, by_day[day]) for kind, day in changes
    ]  # type: ignore[arg-type]
    message = render_history(
        MeetingView(7, MOVED, tuple(refs)),  # type: ignore[arg-type]
        history,
        ("day 2026-12-02: support 3.00 from reuters",),  # the engine's words never show
        WL,
        now=NOW,
    )
    assert expected in message.lines
    assert not any("support" in line for line in message.lines)


# --------------------------------------------------------------------------- tentative


@pytest.mark.parametrize(
    ("kind", "after", "line"),
    [
        (ChangeKind.CANCELLED, {"status": MeetingStatus.CANCELLED}, "⚠️ Tentative: cancellation not confirmed by the parties"),
        (ChangeKind.POSTPONED, {"status": MeetingStatus.POSTPONED}, "⚠️ Tentative: postponement not confirmed by the parties"),
        (ChangeKind.ANNOUNCED, {}, "⚠️ Tentative: day not confirmed"),
        (ChangeKind.RESCHEDULED, {"status": MeetingStatus.RESCHEDULED}, "⚠️ Tentative: new day not confirmed"),
        (ChangeKind.ANNOUNCED, {"date": None, "date_end": None}, "⚠️ Tentative: meeting not confirmed"),
        (ChangeKind.HELD, {"status": MeetingStatus.HELD}, "⚠️ Tentative: not confirmed that it took place"),
    ],
)  # fmt: skip
def test_tentative_says_what_is_unconfirmed(
    kind: ChangeKind, after: dict[str, object], line: str
) -> None:
    change = Change(7, kind, None, state(**after), NOW, source())
    assert line in render_change(change, WL, now=NOW).lines


# --------------------------------------------------------------------------- sources


@pytest.mark.parametrize(
    ("refs", "labels"),
    [
        (
            [("Reuters", "Talks in Geneva moved to 2 December as envoys disagree over the agenda and the venue of the next round", 1), ("Reuters", "Kremlin denies Geneva talks", 2)],
            ["Kremlin denies Geneva talks — Reuters", "Talks in Geneva moved to 2 December as envoys disagree over the agenda and the… — Reuters"],
        ),
        ([("TASS", "", 1), ("TASS", "", 2)], ["TASS", "TASS (2)"]),
    ],
)  # fmt: skip
def test_sources_named_by_headline_and_outlet(
    refs: list[tuple[str, str, int]], labels: list[str]
) -> None:
    sources = tuple(
        replace(
            source(),
            outlet=outlet,
            title=title,
            link=f"https://one.example/{day}",
            published=datetime(2026, 12, day, tzinfo=UTC),
        )
        for outlet, title, day in refs
    )
    message = render_meeting(MeetingView(7, state(), sources), WL, now=NOW)
    assert [link.label for link in message.links] == labels


# --------------------------------------------------------------------------- store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    yield s
    await s.close()


async def test_store_keeps_time_period_and_headline(store: Store) -> None:
    item = FeedItem(
        feed_id="f1",
        key="a",
        title="Envoys to meet in Geneva mid-December",
        text="",
        link="https://example.org/a",
        published=NOW,
        outlet="Example",
        link_key="l:a",
    )
    report = _report(period=MID_DECEMBER, time=TimeOfDay(10, 0, LOCAL_TIME))
    (change,) = await store.record_item("f1", item, "en", [report], NOW)
    assert change.after.period == MID_DECEMBER and change.after.time == TimeOfDay(10, 0, LOCAL_TIME)
    assert change.source is not None and change.source.title == item.title
    (stored,) = await store.meetings.all_meetings()
    assert stored.state.period == MID_DECEMBER
    assert stored.reports[0].report.time == TimeOfDay(10, 0, LOCAL_TIME)
    assert stored.reports[0].source.title == item.title
    (saved,) = await store.meetings.all_changes()
    assert saved.after.period == MID_DECEMBER and saved.source is not None
    assert saved.source.title == item.title


@pytest.mark.parametrize(
    ("evidence", "title", "quotes"),
    [
        ("White House calls off the summit", "White House calls off the summit", ()),
        ("The summit was called off on Friday.", "White House calls off the summit", ("The summit was called off on Friday.",)),
    ],
)  # fmt: skip
def test_a_quote_that_is_the_headline_is_not_repeated(
    evidence: str, title: str, quotes: tuple[str, ...]
) -> None:
    ref = replace(source(), evidence=evidence, title=title)
    change = Change(7, ChangeKind.CANCELLED, None, state(status=MeetingStatus.CANCELLED), NOW, ref)
    assert render_change(change, WL, now=NOW).quotes == quotes
