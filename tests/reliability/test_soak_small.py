"""A small run of bench/soak.py (slow: deselected by default; run with -m slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


@pytest.mark.slow
def test_small_soak_loses_nothing_and_duplicates_only_ambiguous(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SOAK),
            "--alerts",
            "400",
            "--chats",
            "40",
            "--kills",
            "2",
            "--seed",
            "3",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = result.stdout
    assert "alerts due:                     400" in out, out + result.stderr[-2000:]
    assert "rows unfinished: 0" in out
    assert "unexplained: 0" in out
    assert result.returncode == 0, out
