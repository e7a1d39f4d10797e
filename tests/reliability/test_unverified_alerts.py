"""An article in a language the bot has no rules for still alerts, marked unverified; an
article it understands about the same meeting is not marked. A real BotApp, real
extractor and store, the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from feedserver import FeedServer, static
from relkit import NOW, Item, Rig, rss
from strictfakes import StrictTelegram

from bot.render import UNVERIFIED_LINE

# Indonesian: no lexicon, so only the names and the place are understood.
NOT_UNDERSTOOD = Item(
    "id-1",
    "Witkoff akan bertemu Dmitriev di Abu Dhabi",
    "Utusan khusus Amerika Serikat Steve Witkoff akan bertemu dengan Kirill Dmitriev di "
    "Abu Dhabi minggu depan, menurut keterangan para pejabat kepada wartawan pada hari Minggu.",
    NOW - timedelta(hours=3),
)
UNDERSTOOD = Item(
    "en-1",
    "Witkoff and Dmitriev to meet in Geneva on December 9",
    "US envoy Steve Witkoff will meet Kirill Dmitriev in Geneva on December 9, officials said.",
    NOW - timedelta(hours=2),
)


@pytest.fixture
async def tg() -> AsyncIterator[StrictTelegram]:
    fake = StrictTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def test_unverified_meeting_alerts_and_says_so(tmp_path: Path, tg: StrictTelegram) -> None:
    async with FeedServer() as server:
        server.route("/feed", static(rss(NOT_UNDERSTOOD, UNDERSTOOD)))
        async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
            await rig.poll_all()
            await rig.drain()
            texts = rig.telegram_texts()
    by_venue = {("Abu Dhabi" if "Abu Dhabi" in t else "Geneva"): t for t in texts}
    assert set(by_venue) == {"Abu Dhabi", "Geneva"}, texts
    assert "Unverified" in by_venue["Abu Dhabi"]
    assert "Unverified" not in by_venue["Geneva"]
    assert UNVERIFIED_LINE.startswith("⚠️ Unverified")
