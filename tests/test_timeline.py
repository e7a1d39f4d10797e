"""Timeline: merging reports into meetings, derived state, changes, ageing, queries."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.models import Change, ChangeKind, MeetingReport, MeetingStatus, SourceRef
from bot.timeline.changes import change_concerns
from bot.timeline.derive import explain
from bot.timeline.model import Meeting
from bot.timeline.queries import next_meeting, recent_changes, upcoming
from bot.timeline.record import MergeResult, age, merge

U = MeetingStatus


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def d(day: str | None) -> date | None:
    return date.fromisoformat(day) if day else None


def rep(
    venue: str | None,
    day: str | None,
    status: MeetingStatus = U.UPCOMING,
    *,
    end: str | None = None,
    tentative: bool = False,
    official: bool = False,
    who: tuple[str, ...] = ("witkoff", "dmitriev"),
    prev_day: str | None = None,
    prev_venue: str | None = None,
) -> MeetingReport:
    return MeetingReport(
        venue=venue,
        date=d(day),
        date_end=d(end),
        status=status,
        tentative=tentative,
        participants=who,
        previous_date=d(prev_day),
        previous_venue=prev_venue,
        evidence="test sentence",
        official=official,
    )


@dataclass
class Sim:
    """A tiny in-memory timeline driven the way the store drives it."""

    meetings: list[Meeting]
    changes: list[Change]
    next_id: int = 1
    seq: int = 0

    @classmethod
    def new(cls) -> Sim:
        return cls(meetings=[], changes=[])

    def add(
        self,
        report: MeetingReport,
        published: str,
        outlet: str = "Outlet A",
        lang: str = "en",
        hour: int = 23,
    ) -> MergeResult:
        self.seq += 1
        now = at(published, hour)
        self.tick(now)
        source = SourceRef(
            link=f"https://example.org/{self.seq}",
            outlet=outlet,
            lang=lang,
            published=now,
            evidence=report.evidence,
            item_key=str(self.seq),
        )
        result = merge(self.meetings, report, source, now, seq=self.seq)
        if result.meeting is None:
            return result
        if result.is_new:
            result = result.with_id(self.next_id)
            self.next_id += 1
            self.meetings.append(result.meeting)  # type: ignore[arg-type]
        else:
            assert result.meeting is not None
            self.meetings = [
                result.meeting if m.id == result.meeting.id else m for m in self.meetings
            ]
        self.changes.extend(result.changes)
        return result

    def tick(self, now: datetime) -> list[Change]:
        out = []
        for res in age(self.meetings, now):
            assert res.meeting is not None
            self.meetings = [res.meeting if m.id == res.meeting.id else m for m in self.meetings]
            out.extend(res.changes)
        self.changes.extend(out)
        return out

    def kinds(self) -> list[ChangeKind]:
        return [c.kind for c in self.changes]


# --------------------------------------------------------------------------- merging


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        # same venue, same day, different outlets/languages
        (rep("abu-dhabi", "2026-02-01"), rep("abu-dhabi", "2026-02-01"), True),
        # overlapping range
        (rep("abu-dhabi", "2026-02-04", end="2026-02-05"), rep("abu-dhabi", "2026-02-05"), True),
        # adjacent days, both plans
        (rep("geneva", "2026-02-17"), rep("geneva", "2026-02-18"), True),
        # plans at one venue a few days apart: sources disagree on the day
        (rep("abu-dhabi", "2026-02-01"), rep("abu-dhabi", "2026-02-03"), True),
        # different venue, same day
        (rep("abu-dhabi", "2026-02-01"), rep("miami", "2026-02-01"), False),
        # same venue, a week apart: a new round
        (rep("abu-dhabi", "2026-02-01"), rep("abu-dhabi", "2026-02-09"), False),
        # no venue, same day, same participants
        (rep("miami", "2026-02-01"), rep(None, "2026-02-01", who=("witkoff",)), True),
        # no venue, same day, other participants
        (rep("miami", "2026-02-01"), rep(None, "2026-02-01", who=("zelensky",)), False),
        # undated plan at the venue of a live dated plan
        (rep("abu-dhabi", "2026-02-01"), rep("abu-dhabi", None), True),
        # undated, no venue, participants overlap
        (rep("abu-dhabi", "2026-02-01"), rep(None, None, who=("dmitriev",)), True),
    ],
)
def test_reports_of_one_meeting_merge(
    first: MeetingReport, second: MeetingReport, same: bool
) -> None:
    sim = Sim.new()
    sim.add(first, "2026-01-28", outlet="Reuters", lang="en")
    sim.add(second, "2026-01-29", outlet="PAP", lang="pl")
    assert (len(sim.meetings) == 1) is same


def test_plan_after_a_held_round_is_a_new_meeting() -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-01-23", U.HELD, end="2026-01-24"), "2026-01-24")
    sim.add(rep("abu-dhabi", "2026-01-25", tentative=True), "2026-01-24")
    assert len(sim.meetings) == 2
    assert sim.kinds() == [ChangeKind.ANNOUNCED]  # the held round alone alerts nothing


def test_report_without_venue_day_or_participants_creates_no_clutter() -> None:
    sim = Sim.new()
    result = sim.add(rep(None, None, who=()), "2026-01-28")
    assert result.meeting is None and not sim.meetings and not sim.changes
    result = sim.add(rep(None, None, who=("rubio",)), "2026-01-28")
    assert result.meeting is None


def test_undated_cancellation_joins_live_meeting_at_venue() -> None:
    sim = Sim.new()
    sim.add(rep("budapest", None, tentative=True, who=("trump", "putin")), "2025-10-16")
    sim.add(rep("budapest", None, U.CANCELLED, who=("trump", "putin")), "2025-10-21", "ANSA", "it")
    assert len(sim.meetings) == 1
    assert sim.kinds() == [ChangeKind.ANNOUNCED, ChangeKind.CANCELLED]
    assert next_meeting(sim.meetings, at("2025-10-22")) is None
    assert upcoming(sim.meetings, at("2025-10-22")) == []


def test_rescheduled_joins_old_date_and_alerts_once() -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-02-01", tentative=True), "2026-01-31", "Onet", "pl")
    assert sim.meetings[0].state.tentative
    moved = rep("abu-dhabi", "2026-02-04", U.RESCHEDULED, end="2026-02-05", prev_day="2026-02-01")
    sim.add(moved, "2026-02-02", "TASS", "ru")
    sim.add(moved, "2026-02-02", "Reuters", "en")  # second outlet: a source, no change
    assert len(sim.meetings) == 1
    assert sim.kinds() == [ChangeKind.ANNOUNCED, ChangeKind.RESCHEDULED]
    state = sim.meetings[0].state
    assert (state.date, state.date_end) == (d("2026-02-04"), d("2026-02-05"))
    assert state.status == U.RESCHEDULED and not state.tentative
    assert state.previous_date == d("2026-02-01")
    assert len(sim.meetings[0].sources()) == 3
    change = sim.changes[1]
    assert change.before is not None and change.before.date == d("2026-02-01")
    nxt = next_meeting(sim.meetings, at("2026-02-04"))
    assert nxt is not None and nxt.state.date == d("2026-02-04")


def test_second_outlet_same_news_adds_source_without_change() -> None:
    sim = Sim.new()
    sim.add(rep("miami", "2026-01-31"), "2026-01-28", "AP", "en")
    before = sim.meetings[0].state
    result = sim.add(rep("miami", "2026-01-31"), "2026-01-28", "RIA", "ru")
    assert result.changes == () and sim.meetings[0].state == before
    assert len(sim.meetings[0].sources()) == 2


# --------------------------------------------------------------------------- every change


@pytest.mark.parametrize(
    ("second", "kind", "status"),
    [
        (rep("geneva", "2026-03-10", U.POSTPONED), ChangeKind.POSTPONED, U.POSTPONED),
        (rep("geneva", None, U.CANCELLED), ChangeKind.CANCELLED, U.CANCELLED),
        (rep("geneva", None, U.DENIED, official=True), ChangeKind.DENIED, U.DENIED),
        (rep("geneva", "2026-03-10", U.HELD), ChangeKind.HELD, U.HELD),
        (rep("geneva", "2026-03-10"), ChangeKind.CONFIRMED, U.UPCOMING),
        (rep("geneva", "2026-03-12", U.RESCHEDULED), ChangeKind.RESCHEDULED, U.RESCHEDULED),
        (rep("geneva", "2026-03-10", tentative=True), None, U.UPCOMING),
        (
            rep(
                "istanbul", "2026-03-12", U.RESCHEDULED, prev_venue="geneva", prev_day="2026-03-10"
            ),
            ChangeKind.RESCHEDULED,
            U.RESCHEDULED,
        ),
    ],
)
def test_each_change_kind(
    second: MeetingReport, kind: ChangeKind | None, status: MeetingStatus
) -> None:
    sim = Sim.new()
    sim.add(rep("geneva", "2026-03-10", tentative=True), "2026-03-05")
    result = sim.add(second, "2026-03-07")
    assert len(sim.meetings) == 1
    assert [c.kind for c in result.changes] == ([kind] if kind else [])
    assert sim.meetings[0].state.status == status


def test_venue_move_records_previous_venue() -> None:
    sim = Sim.new()
    sim.add(rep("geneva", "2026-03-10"), "2026-03-05")
    sim.add(rep("istanbul", "2026-03-10", U.RESCHEDULED, prev_venue="geneva"), "2026-03-06")
    state = sim.meetings[0].state
    assert state.venue == "istanbul" and state.previous_venue == "geneva"
    assert sim.kinds()[-1] == ChangeKind.RESCHEDULED


def test_postponed_then_new_date_is_rescheduled_and_next_again() -> None:
    sim = Sim.new()
    sim.add(rep("geneva", "2026-03-10"), "2026-03-01")
    sim.add(rep("geneva", None, U.POSTPONED), "2026-03-03")
    assert next_meeting(sim.meetings, at("2026-03-04")) is None  # postponed, no new date
    sim.add(rep("geneva", "2026-03-20", U.RESCHEDULED, prev_day="2026-03-10"), "2026-03-05")
    assert sim.kinds() == [ChangeKind.ANNOUNCED, ChangeKind.POSTPONED, ChangeKind.RESCHEDULED]
    nxt = next_meeting(sim.meetings, at("2026-03-06"))
    assert nxt is not None and nxt.state.date == d("2026-03-20")
    assert nxt.state.previous_date == d("2026-03-10")


def test_first_report_cancelled_or_denied_alerts_with_its_kind() -> None:
    sim = Sim.new()
    sim.add(rep("moscow", None, U.DENIED, official=True), "2026-01-14")
    assert sim.kinds() == [ChangeKind.DENIED]


# --------------------------------------------------------------------------- precedence


def test_newer_report_overrides_older_day() -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-02-01"), "2026-01-25")
    sim.add(rep("abu-dhabi", "2026-02-02"), "2026-01-28")
    assert sim.meetings[0].state.date == d("2026-02-02")
    assert sim.kinds()[-1] == ChangeKind.RESCHEDULED


def test_one_outlier_does_not_flip_a_well_sourced_day() -> None:
    sim = Sim.new()
    for outlet in ("AP", "Reuters", "TASS"):
        sim.add(rep("abu-dhabi", "2026-02-04"), "2026-01-28", outlet)
    result = sim.add(rep("abu-dhabi", "2026-02-05", end="2026-02-06"), "2026-01-29", "Blog")
    assert sim.meetings[0].state.date == d("2026-02-04")
    assert result.changes == ()
    why = explain(sim.meetings[0], at("2026-01-30"))
    assert any("outvoted days" in line and "2026-02-05" in line for line in why)


def test_official_outweighs_tentative_unnamed_sources() -> None:
    sim = Sim.new()
    sim.add(rep("miami", "2026-02-10", official=True), "2026-02-01")
    result = sim.add(rep("miami", "2026-02-10", U.POSTPONED, tentative=True), "2026-02-02")
    assert sim.meetings[0].state.status == U.UPCOMING
    assert result.changes == ()
    assert any("not overturned" in line for line in explain(sim.meetings[0]))
    # a firm report does overturn it
    result = sim.add(rep("miami", "2026-02-10", U.POSTPONED), "2026-02-03")
    assert [c.kind for c in result.changes] == [ChangeKind.POSTPONED]


def test_tentative_clears_only_when_a_firm_report_confirms() -> None:
    sim = Sim.new()
    sim.add(rep("miami", "2026-02-10", tentative=True), "2026-02-01")
    sim.add(rep("miami", "2026-02-10", tentative=True), "2026-02-02", "Other")
    assert sim.meetings[0].state.tentative
    assert sim.kinds() == [ChangeKind.ANNOUNCED]
    sim.add(rep("miami", "2026-02-10"), "2026-02-03")
    assert not sim.meetings[0].state.tentative
    assert sim.kinds() == [ChangeKind.ANNOUNCED, ChangeKind.CONFIRMED]
    sim.add(rep("miami", "2026-02-10", tentative=True), "2026-02-04")  # no flip back
    assert not sim.meetings[0].state.tentative and len(sim.changes) == 2


def test_conflicting_sources_pick_supported_day_and_explain() -> None:
    sim = Sim.new()
    sim.add(rep("geneva", "2026-02-17", end="2026-02-18"), "2026-02-10", "A")
    sim.add(rep("geneva", "2026-02-18"), "2026-02-10", "B")
    sim.add(rep("geneva", "2026-02-19"), "2026-02-10", "C")
    state = sim.meetings[0].state
    assert (state.date, state.date_end) == (d("2026-02-17"), d("2026-02-18"))
    why = explain(sim.meetings[0])
    assert why[0].startswith("state:") and any(line.startswith("day 2026-02-17") for line in why)


def test_stale_old_date_does_not_undo_rescheduling() -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-02-01"), "2026-01-30", "A")
    sim.add(rep("abu-dhabi", "2026-02-01"), "2026-01-30", "B")
    sim.add(rep("abu-dhabi", "2026-02-04", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-31")
    sim.add(rep("abu-dhabi", "2026-02-01"), "2026-01-31", "Late copy")
    assert sim.meetings[0].state.date == d("2026-02-04")


# --------------------------------------------------------------------------- ageing


def test_meeting_whose_day_passed_is_presumed_held_once() -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-01-25", tentative=True), "2026-01-24")
    assert sim.tick(at("2026-01-26")) == []  # one day of grace
    assert next_meeting(sim.meetings, at("2026-01-26")) is None  # but no longer "next"
    changes = sim.tick(at("2026-01-27"))
    assert [c.kind for c in changes] == [ChangeKind.PRESUMED_HELD]
    assert sim.meetings[0].state.presumed_held
    assert sim.tick(at("2026-01-28")) == []
    assert upcoming(sim.meetings, at("2026-01-28")) == []
    # a later "held" report confirms it: HELD, and nothing more
    sim.add(rep("abu-dhabi", None, U.HELD), "2026-01-28")
    assert sim.kinds()[-1] == ChangeKind.HELD and len(sim.meetings) == 1


def test_presumed_held_meeting_moved_to_future_is_expected_again() -> None:
    sim = Sim.new()
    sim.add(rep("miami", "2026-01-10"), "2026-01-05")
    sim.tick(at("2026-01-15"))
    sim.add(rep("miami", "2026-01-20", U.RESCHEDULED, prev_day="2026-01-10"), "2026-01-15")
    assert sim.kinds()[-1] == ChangeKind.RESCHEDULED
    assert not sim.meetings[0].state.presumed_held
    assert next_meeting(sim.meetings, at("2026-01-16")) is not None


# --------------------------------------------------------------------------- queries


def _three() -> Sim:
    sim = Sim.new()
    sim.add(rep("geneva", "2026-02-20", who=("umerov",)), "2026-02-01")
    sim.add(rep("miami", "2026-02-10", who=("witkoff",)), "2026-02-01")
    sim.add(rep("abu-dhabi", None, who=("dmitriev",)), "2026-02-01")
    sim.add(rep("budapest", "2026-02-05", U.POSTPONED, who=("trump",)), "2026-02-01")
    return sim


def test_next_meeting_and_upcoming_order() -> None:
    sim = _three()
    now = at("2026-02-02")
    nxt = next_meeting(sim.meetings, now)
    assert nxt is not None and nxt.state.venue == "miami"
    assert [m.state.venue for m in upcoming(sim.meetings, now)] == ["miami", "geneva", "abu-dhabi"]
    only = next_meeting(sim.meetings, now, frozenset({"umerov"}))
    assert only is not None and only.state.venue == "geneva"
    assert next_meeting(sim.meetings, now, frozenset({"dmitriev"})) is None  # undated
    # on its own day a meeting is still the next one; the day after it is not
    assert next_meeting(sim.meetings, at("2026-02-10")).state.venue == "miami"  # type: ignore[union-attr]
    assert next_meeting(sim.meetings, at("2026-02-11")).state.venue == "geneva"  # type: ignore[union-attr]
    assert upcoming(sim.meetings, now, limit=1)[0].state.venue == "miami"


def test_recent_changes_and_subscription_filter() -> None:
    sim = _three()
    assert len(recent_changes(sim.changes, at("2026-01-01"))) == 4
    assert [
        c.after.venue for c in recent_changes(sim.changes, at("2026-01-01"), frozenset({"witkoff"}))
    ] == ["miami"]
    assert recent_changes(sim.changes, at("2026-02-03")) == []
    change = sim.changes[0]
    moved = replace(change, before=replace(change.after, venue="vienna"))
    assert change_concerns(moved, frozenset({"vienna"}))  # venue before counts
    assert change_concerns(change, frozenset())
    assert not change_concerns(change, frozenset({"rubio"}))


def test_merge_is_fast_enough_for_many_meetings() -> None:
    sim = Sim.new()
    base = date(2026, 1, 1)
    for i in range(300):
        day = (base + timedelta(days=i * 5)).isoformat()
        sim.add(rep("geneva", day), (base + timedelta(days=i * 5 - 10)).isoformat())
    assert len(sim.meetings) == 300


def test_core_module_imports_no_io_libraries() -> None:
    code = (
        "import sys, bot.timeline\n"
        "banned = {'sqlalchemy', 'httpx', 'telegram', 'slack_bolt', 'apscheduler'}\n"
        "bad = banned & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_reschedule_without_from_day_beats_earlier_well_sourced_day() -> None:
    # "moved to 5 Dec" names no old day: it still supersedes every earlier report of
    # another day, however many outlets carried those; a later outlier does not undo it.
    sim = Sim.new()
    for outlet in ("AP", "Reuters", "TASS"):
        sim.add(rep("abu-dhabi", "2026-12-03"), "2026-11-20", outlet)
    result = sim.add(rep("abu-dhabi", "2026-12-05", U.RESCHEDULED, official=True), "2026-11-21")
    state = sim.meetings[0].state
    assert (state.date, state.previous_date) == (d("2026-12-05"), d("2026-12-03"))
    assert [c.kind for c in result.changes] == [ChangeKind.RESCHEDULED]
    late = sim.add(rep("abu-dhabi", "2026-12-03", tentative=True), "2026-11-21", "Blog", hour=23)
    assert sim.meetings[0].state.date == d("2026-12-05")
    assert late.changes == ()


@pytest.mark.parametrize(
    ("status", "kind"),
    [(U.POSTPONED, ChangeKind.POSTPONED), (U.CANCELLED, ChangeKind.CANCELLED)],
)
def test_unnamed_change_of_plan_joins_the_only_meeting_expected_soon(
    status: MeetingStatus, kind: ChangeKind
) -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-03-05", end="2026-03-06", tentative=True), "2026-03-02")
    result = sim.add(rep(None, None, status, who=()), "2026-03-04")
    assert [c.kind for c in result.changes] == [kind]
    assert next_meeting(sim.meetings, at("2026-03-04")) is None


def test_unnamed_change_of_plan_is_ignored_when_ambiguous() -> None:
    sim = Sim.new()
    sim.add(rep("abu-dhabi", "2026-03-05"), "2026-03-02")
    sim.add(rep("geneva", "2026-03-08", who=("umerov",)), "2026-03-02")
    result = sim.add(rep(None, None, U.POSTPONED, who=()), "2026-03-04")
    assert result.meeting is None and result.changes == ()


def test_each_documented_assignment_rule_is_a_function_in_the_documented_order() -> None:
    from pathlib import Path

    from bot.timeline import assign

    doc = (Path(__file__).resolve().parents[1] / "docs" / "timeline.md").read_text("utf-8")
    section = doc.split("## Which meeting", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"^\d+\. \*\*[^*]+\*\* \(`(\w+)`\)", section, flags=re.MULTILINE)
    assert named == [rule.__name__ for rule, _ in assign.RULES]
    for rule, prefilter in assign.RULES:
        assert prefilter.__name__ == f"{rule.__name__}_prefilter"


# Two outlets report one move from the same old day, the newer arriving first (a feed
# polled sooner); the meeting the first created knows the old day only as where it moved
# from. (arrivals as (report, published), meetings expected, the day of the first one)
MOVED_FROM_RECORDED_DAY = [
    pytest.param(
        [
            (rep("geneva", "2026-02-20", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-28"),
            (rep("geneva", "2026-02-10", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-27"),
        ],
        1,
        "2026-02-20",
        id="same venue, new days apart",
    ),
    pytest.param(
        [
            (rep("geneva", "2026-02-20", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-28"),
            (rep(None, "2026-02-10", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-27"),
        ],
        1,
        "2026-02-20",
        id="no venue in the late report",
    ),
    pytest.param(
        [
            (rep("geneva", "2026-02-20", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-28"),
            (rep("miami", "2026-02-10", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-27"),
        ],
        2,
        "2026-02-20",
        id="another venue is another meeting",
    ),
    pytest.param(
        [
            (rep("geneva", "2026-02-20", U.RESCHEDULED, prev_day="2026-02-02"), "2026-01-28"),
            (rep("geneva", "2026-02-10", U.RESCHEDULED, prev_day="2026-02-01"), "2026-01-27"),
        ],
        2,
        "2026-02-20",
        id="moved from another day",
    ),
]


@pytest.mark.parametrize(("arrivals", "count", "day"), MOVED_FROM_RECORDED_DAY)
def test_moved_from_joins_the_meeting_that_records_that_old_day(
    arrivals: list[tuple[MeetingReport, str]], count: int, day: str
) -> None:
    sim = Sim.new()
    for report, published in arrivals:
        sim.add(report, published)
    assert len(sim.meetings) == count
    assert sim.meetings[0].state.date == d(day)
