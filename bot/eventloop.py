"""The event loop the bot runs on: uvloop where it is installed (Linux and macOS), else
asyncio's own.

uvloop runs the same asyncio programs with a loop written in C: the sender's CPU per
fanned-out message falls by about a quarter (``bench/fanout.py``), and polling's
socket work with it. Windows has no uvloop, and the bot runs the same there."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's ``new_event_loop`` when uvloop can be imported, else None (asyncio's)."""
    try:
        uvloop = importlib.import_module("uvloop")
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the fastest loop available."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
