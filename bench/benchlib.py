"""Small helpers shared by the benchmark scripts: targets, percentiles, synthetic text.

Not a test module and not part of the package: the scripts add the repository root to
``sys.path`` themselves so they run from a checkout as ``python bench/<name>.py``.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def start_server(cmd: list[str], what: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start a fake server process that prints one JSON line (its ports) when ready."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise SystemExit(f"the {what} did not start")
    return proc, dict(json.loads(line))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def cpu_seconds() -> float:
    """User + system CPU time of this process (not its children)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Report:
    """Figures and targets; ``print`` shows them and PASS/FAIL per target."""

    title: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    targets: list[tuple[str, str, bool]] = field(default_factory=list)

    def figure(self, name: str, value: str) -> None:
        self.figures.append((name, value))

    def target(self, name: str, measured: str, ok: bool) -> None:
        self.targets.append((name, measured, ok))

    @property
    def passed(self) -> bool:
        return all(ok for _, _, ok in self.targets)

    def print(self) -> None:
        print(f"\n== {self.title} ==")
        width = max((len(n) for n, _ in self.figures), default=0)
        for name, value in self.figures:
            print(f"  {name:<{width}}  {value}")
        if self.targets:
            print("  targets:")
            twidth = max(len(n) for n, _, _ in self.targets)
            for name, measured, ok in self.targets:
                print(f"    [{'PASS' if ok else 'FAIL'}] {name:<{twidth}}  measured: {measured}")


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


# --------------------------------------------------------------------------- synthetic text

VENUES = (
    ("Geneva", "geneva"),
    ("Istanbul", "istanbul"),
    ("Riyadh", "riyadh"),
    ("Abu Dhabi", "abu-dhabi"),
    ("Doha", "doha"),
    ("Jeddah", "jeddah"),
    ("Berlin", "berlin"),
    ("Budapest", "budapest"),
    ("Paris", "paris"),
    ("Miami", "miami"),
    ("Moscow", "moscow"),
    ("Brussels", "brussels"),
)
ACTORS = (
    ("Steve Witkoff", "witkoff"),
    ("Kirill Dmitriev", "dmitriev"),
    ("Rustem Umerov", "umerov"),
    ("Jared Kushner", "kushner"),
    ("Yuri Ushakov", "ushakov"),
    ("Marco Rubio", "rubio"),
)
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

FILLER = (
    "Officials familiar with the preparations said the agenda was still being discussed "
    "and that delegations would bring technical experts on energy, prisoners and security "
    "guarantees. Analysts cautioned that previous rounds had ended without a joint "
    "statement, and that the sides still disagree on the sequencing of a ceasefire. "
)
NEUTRAL = (
    ("Markets close higher as investors weigh rate outlook",
     "Shares in Frankfurt and London rose on Friday as investors shrugged off weak "
     "industrial data and bet on lower borrowing costs next year."),
    ("Heavy rain disrupts rail traffic in the north",
     "Several regional lines were suspended after heavy rain flooded tracks overnight, "
     "the rail operator said, advising passengers to postpone non-essential trips."),
    ("City council approves new budget",
     "The council approved a budget that raises spending on schools and public transport "
     "while freezing property taxes for a second year."),
    ("Champions League: late goal settles tight match",
     "A header in stoppage time gave the visitors a narrow win in a match dominated by "
     "the hosts for most of the evening."),
)  # fmt: skip


def day_text(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"


def meeting_story(rng: random.Random, today: date) -> tuple[str, str]:
    """An English wire story about a planned, moved, postponed or held meeting."""
    venue, _ = rng.choice(VENUES)
    (a, _), (b, _) = rng.sample(ACTORS, 2)
    day = today + timedelta(days=rng.randint(2, 80))
    kind = rng.random()
    if kind < 0.55:
        title = f"{a} and {b} to meet in {venue} on {day_text(day)}"
        text = f"{a} will meet {b} in {venue} on {day_text(day)}, officials said on Monday."
    elif kind < 0.75:
        new = day + timedelta(days=rng.randint(1, 6))
        title = f"{venue} talks moved to {day_text(new)}"
        text = (
            f"The meeting between {a} and {b} in {venue} has been rescheduled from "
            f"{day_text(day)} to {day_text(new)}, the foreign ministry said."
        )
    elif kind < 0.9:
        title = f"{venue} talks postponed"
        text = (
            f"The meeting between {a} and {b} planned in {venue} on {day_text(day)} "
            "has been postponed, a spokesman said."
        )
    else:
        title = f"{a} and {b} held talks in {venue}"
        text = f"{a} and {b} held talks in {venue} on Monday, both sides said afterwards."
    return title, text + " " + FILLER


def neutral_story(rng: random.Random) -> tuple[str, str]:
    title, text = rng.choice(NEUTRAL)
    return title, text + " " + FILLER
