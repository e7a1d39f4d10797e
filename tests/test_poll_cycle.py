"""One INFO line per poll cycle: only once every feed was polled, then counting afresh."""

from __future__ import annotations

from bot.app import PollCycle
from bot.pipeline import PollReport


def test_a_cycle_is_summed_up_once_every_feed_was_polled() -> None:
    cycle = PollCycle()
    assert cycle.add(PollReport("a", "fetched", 3, []), feeds=3) is None
    assert cycle.add(PollReport("a", "unchanged", 0, []), feeds=3) is None  # a again
    assert cycle.add(PollReport("b", "failed", 0, []), feeds=3) is None
    line = cycle.add(PollReport("c", "not_modified", 0, []), feeds=3)
    assert line == (
        "poll cycle: 3 feeds, 4 polls (1 failed, 1 fetched, 1 not_modified, 1 unchanged), "
        "3 new items, 0 changes"
    )
    assert cycle.add(PollReport("a", "fetched", 1, []), feeds=3) is None  # a new cycle
