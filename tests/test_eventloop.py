"""The bot's commands run on uvloop when it is installed, on asyncio's loop otherwise."""

from __future__ import annotations

import asyncio
import importlib
import sys
from types import CoroutineType, ModuleType
from typing import Any

import pytest

from bot import eventloop


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not run on Windows")
def test_runs_on_uvloop_when_installed() -> None:
    assert eventloop.run(loop_module()).startswith("uvloop")


def test_runs_on_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def without_uvloop(name: str, package: str | None = None) -> ModuleType:
        if name == "uvloop":
            raise ImportError("no uvloop here")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_uvloop)
    assert eventloop.loop_factory() is None
    assert eventloop.run(loop_module()).startswith("asyncio")


def test_the_cli_runs_its_commands_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import cli

    seen: list[str] = []

    def fake_run(main: CoroutineType[Any, Any, int]) -> int:
        seen.append(main.cr_code.co_qualname)
        main.close()
        return 0

    monkeypatch.setattr(eventloop, "run", fake_run)
    assert cli.main(["health"]) == 0
    assert seen == ["run"]  # bot.cli.health.run, an async command
