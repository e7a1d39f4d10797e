"""The adapters' cache of admin answers: per chat and user, for a while, one call at a time."""

from __future__ import annotations

import asyncio

import pytest

from bot.chat.base import AdminCache


class Asker:
    def __init__(self, *answers: bool | None, delay: float = 0.0) -> None:
        self.answers = list(answers)
        self.delay = delay
        self.calls = 0

    async def __call__(self) -> bool | None:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return self.answers.pop(0)


@pytest.mark.parametrize(
    ("answers", "asked_at", "expected", "calls"),
    [
        # (platform answers in order, seconds at which the bot asks, what it gets, calls made)
        ((True,), (0, 30, 59.9), [True, True, True], 1),
        ((False, True), (0, 60), [False, True], 2),  # a promotion shows after the ttl
        ((None, True), (0, 1), [False, True], 2),  # a failed check is not remembered
        ((None, None), (0, 0), [False, False], 2),
    ],
)
async def test_answers_are_kept_for_the_ttl(
    answers: tuple[bool | None, ...], asked_at: tuple[float, ...], expected: list[bool], calls: int
) -> None:
    now = [0.0]
    cache = AdminCache(ttl=60, clock=lambda: now[0])
    ask = Asker(*answers)
    got = []
    for at in asked_at:
        now[0] = at
        got.append(await cache.is_admin("chat", "user", ask))
    assert got == expected
    assert ask.calls == calls


async def test_keys_are_chat_and_user() -> None:
    cache = AdminCache(ttl=60, clock=lambda: 0.0)
    ask = Asker(True, False, False)
    assert await cache.is_admin("c1", "u1", ask) is True
    assert await cache.is_admin("c1", "u2", ask) is False
    assert await cache.is_admin("c2", "u1", ask) is False
    assert ask.calls == 3


async def test_a_burst_shares_one_call() -> None:
    cache = AdminCache(ttl=60)
    ask = Asker(False, delay=0.05)
    answers = await asyncio.gather(*(cache.is_admin("c", "u", ask) for _ in range(50)))
    assert answers == [False] * 50
    assert ask.calls == 1


async def test_capacity_bounds_memory() -> None:
    cache = AdminCache(ttl=60, capacity=2, clock=lambda: 0.0)
    ask = Asker(True, True, True, True)
    for user in ("a", "b", "c", "a"):
        await cache.is_admin("c", user, ask)
    assert ask.calls == 4  # "a" was evicted by "c"
