"""The "outdated" edit of an earlier alert keeps that alert's words after a restart: they
are rebuilt from the stored change it told of, not from a process's memory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from feedserver import FeedServer, static
from relkit import NOW, Item, Rig, meeting_item, rss
from strictfakes import StrictTelegram

MOVED = Item(
    "moved-1",
    "Abu Dhabi round pushed back to December 5, officials say",
    "Talks between Steve Witkoff and Kirill Dmitriev, originally expected on December 3, "
    "will now take place in Abu Dhabi on December 5, two officials said.",
    NOW - timedelta(hours=1),
)


async def test_outdated_edit_after_a_restart_keeps_the_earlier_alert(tmp_path: Path) -> None:
    tg = StrictTelegram()
    await tg.start()
    try:
        async with FeedServer() as server:
            server.route("/feed", static(rss(meeting_item("first", 3, "Abu Dhabi"))))
            async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
                await rig.poll_all()
                await rig.drain()
            assert len(tg.sent) == 1 and "3 Dec" in str(tg.sent[0]["text"])
            # a new process: nothing of the first send is remembered in memory
            server.route("/feed", static(rss(meeting_item("first", 3, "Abu Dhabi"), MOVED)))
            async with Rig(tmp_path, {"wire": server.url("/feed")}, tg=tg) as rig:
                await rig.poll_all()
                await rig.drain()
        edits = tg.calls_to("editMessageText")
        assert len(edits) == 1, tg.sent
        text = str(edits[0]["text"])
        assert "OUTDATED" in text
        assert "Announced" in text and "3 Dec" in text  # the earlier alert, still readable
    finally:
        await tg.close()
