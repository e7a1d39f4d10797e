"""The reliability suite lives in its own folder; its helpers import like the rest of
tests/ (top-level modules such as ``feedserver`` and ``fakes``), so put both folders on
``sys.path`` whatever the import mode."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # python-telegram-bot 22 warns on every RetryAfter unless told to use timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
