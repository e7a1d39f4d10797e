"""Shared fixtures data for the chat-side tests: a small watchlist, meetings, a context."""

from __future__ import annotations

from datetime import UTC, date, datetime

from memports import MemMeetings, MemSubscriptions

from bot.commands import CommandContext, handle
from bot.models import (
    EntityKind,
    IncomingCommand,
    MeetingState,
    MeetingStatus,
    MeetingView,
    Message,
    SourceRef,
    WatchEntity,
    Watchlist,
)

NOW = datetime(2026, 1, 30, 9, 0, tzinfo=UTC)


def watchlist() -> Watchlist:
    def actor(eid: str, name: str, side: str, *aliases: str) -> WatchEntity:
        return WatchEntity(eid, EntityKind.ACTOR, name, {"*": (name, *aliases)}, side=side)

    def venue(eid: str, name: str, *aliases: str) -> WatchEntity:
        return WatchEntity(eid, EntityKind.VENUE, name, {"*": (name, *aliases)})

    return Watchlist(
        actors=(
            actor("witkoff", "Steve Witkoff", "US", "Witkoff", "Уиткофф"),
            actor("kushner", "Jared Kushner", "US", "Kushner"),
            actor("dmitriev", "Kirill Dmitriev", "Russia", "Dmitriev", "Дмитриев"),
            actor("umerov", "Rustem Umerov", "Ukraine", "Umerov"),
        ),
        venues=(
            venue("abu-dhabi", "Abu Dhabi", "Абу-Даби"),
            venue("miami", "Miami"),
            venue("anchorage", "Anchorage (Alaska)", "Alaska"),
        ),
    )


def source(
    evidence: str = "The next round is planned for 4 February in Abu Dhabi.", **kw: object
) -> SourceRef:
    data: dict[str, object] = {
        "link": "https://news.example/a",
        "outlet": "Example News",
        "lang": "en",
        "published": datetime(2026, 1, 29, 18, 30, tzinfo=UTC),
        "evidence": evidence,
    }
    data.update(kw)
    return SourceRef(**data)  # type: ignore[arg-type]


def state(**kw: object) -> MeetingState:
    data: dict[str, object] = {
        "venue": "abu-dhabi",
        "date": date(2026, 2, 4),
        "date_end": date(2026, 2, 5),
        "status": MeetingStatus.UPCOMING,
        "tentative": True,
        "participants": ("witkoff", "dmitriev", "umerov"),
    }
    data.update(kw)
    return MeetingState(**data)  # type: ignore[arg-type]


def view(meeting_id: int = 7, **kw: object) -> MeetingView:
    return MeetingView(id=meeting_id, state=state(**kw), sources=(source(),))


class Core:
    """The platform-free core wired to in-memory ports: what app.py does for real."""

    def __init__(self) -> None:
        self.meetings = MemMeetings([view()])
        self.subscriptions = MemSubscriptions()
        self.watchlist = watchlist()
        self.commands: list[IncomingCommand] = []

    async def on_command(self, cmd: IncomingCommand) -> Message:
        self.commands.append(cmd)
        ctx = CommandContext(self.meetings, self.subscriptions, self.watchlist, NOW)
        return await handle(cmd, ctx)
