"""The long-running bot's first round records every feed's backlog in one publication
order, whichever server answers first: a reschedule served fast never reaches the
timeline before the slower feed's earlier announcement of the same meeting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from feedserver import FeedServer, slow, static
from relkit import NOW, Clock, Item, base_env, meeting_item, rss, write_config

from bot.app import BotApp, RunOptions
from bot.config import load_config

ANNOUNCED = meeting_item("announce", 3, "Abu Dhabi")  # published two hours before NOW
MOVED = Item(
    "moved",
    "Abu Dhabi round pushed back to December 9, officials say",
    "Talks between Steve Witkoff and Kirill Dmitriev, originally expected on December 3, "
    "will now take place in Abu Dhabi on December 9, two officials said.",
    NOW - timedelta(hours=1),
)


async def test_first_round_records_backlogs_in_publication_order(tmp_path: Path) -> None:
    async with FeedServer() as server:
        server.route("/announce", slow(rss(ANNOUNCED), delay=0.01, chunk=64))  # answers last
        server.route("/moved", static(rss(MOVED)))
        config_dir = write_config(
            tmp_path, {"announce": server.url("/announce"), "moved": server.url("/moved")}
        )
        config = load_config(config_dir, env=base_env(BOT_POLLING_JITTER_SECONDS="0"))
        db = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        app = BotApp(config, RunOptions(database_url=db, clock=Clock()))
        await app.open()
        stop = asyncio.Event()
        task = asyncio.create_task(app.run_forever(stop))
        try:
            assert app.store is not None
            for _ in range(200):
                states = await app.store.feeds.all()
                if len(states) == 2 and all(s.items_seen for s in states.values()):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the first round did not finish")
            meetings = await app.store.meetings.upcoming(NOW, frozenset())
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
            await app.close()
    at_abu_dhabi = [m for m in meetings if m.state.venue == "abu-dhabi"]
    assert len(at_abu_dhabi) == 1, [m.state for m in meetings]
    (meeting,) = at_abu_dhabi
    assert meeting.state.date is not None and meeting.state.date.day == 9
    assert meeting.state.previous_date is not None and meeting.state.previous_date.day == 3
