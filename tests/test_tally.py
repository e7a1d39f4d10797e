"""The running tallies give the state the reference derivation gives, report by report."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.models import (
    MeetingReport,
    MeetingState,
    MeetingStatus,
    Period,
    SourceRef,
    TimeOfDay,
)
from bot.timeline import state, tally
from bot.timeline.derive import derive_state
from bot.timeline.model import DEFAULT_RULES, ReportEntry

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DAY = date(2026, 2, 4)
VENUES = ("geneva", "abu-dhabi", "other:Oslo", None)


def random_entry(rng: random.Random, seq: int) -> ReportEntry:
    day = DAY + timedelta(days=rng.randint(-4, 4)) if rng.random() < 0.8 else None
    end = day + timedelta(days=rng.randint(0, 2)) if day and rng.random() < 0.3 else None
    moved = rng.random() < 0.25
    report = MeetingReport(
        venue=rng.choice(VENUES),
        date=day,
        date_end=end,
        status=rng.choice(list(MeetingStatus)),
        tentative=rng.random() < 0.35,
        participants=tuple(rng.sample(("witkoff", "dmitriev", "umerov", "kushner"), 2)),
        previous_date=DAY + timedelta(days=rng.randint(-4, 4)) if moved else None,
        previous_venue=rng.choice(VENUES) if rng.random() < 0.15 else None,
        official=rng.random() < 0.3,
        # what the state shows besides its votes: a stated time, a vague period, and
        # whether the article's language was understood
        time=rng.choice((None, None, TimeOfDay(10, 0, "local"), TimeOfDay(15, 30, None))),
        period=rng.choice((None, None, Period("mid-December"), Period("next week"))),
        understood=rng.random() < 0.85,
    )
    published = NOW - timedelta(hours=rng.randint(0, 24 * 10))
    source = SourceRef(f"https://news.example/{seq}", "Outlet", "en", published, "", f"k{seq}")
    return ReportEntry(report=report, source=source, received_at=NOW, seq=seq)


PRIOR = MeetingState(
    venue="geneva",
    date=DAY - timedelta(days=1),
    date_end=None,
    status=MeetingStatus.UPCOMING,
    tentative=False,
    participants=(),
)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("prior", [None, PRIOR])
def test_tally_state_equals_the_reference_report_by_report(
    seed: int, prior: MeetingState | None
) -> None:
    rng = random.Random(seed)
    entries = [random_entry(rng, seq) for seq in range(1, rng.randint(2, 40))]
    running = tally.build(entries[:1], DEFAULT_RULES.half_life_days)
    for n in range(2, len(entries) + 1):
        so_far = entries[:n]
        ordered = sorted(so_far, key=lambda e: (e.source.published, e.received_at, e.seq))
        decider = state.fold_deciders(None, (state.Content.of(e.report) for e in ordered))[-1]
        added = tally.add(running, entries[n - 1], decider)
        running = added or tally.build(so_far, DEFAULT_RULES.half_life_days)
        expected, _ = derive_state(so_far, NOW, DEFAULT_RULES, prior)
        assert tally.derive(running, NOW, DEFAULT_RULES, prior) == expected, n
        again = tally.MeetingTally.from_json(running.to_json())
        assert tally.derive(again, NOW, DEFAULT_RULES, prior) == expected
