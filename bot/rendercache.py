"""Alerts rendered once per (change, chat time zone, local day), not once per chat.

A fan-out sends one change to thousands of chats, most of them in a handful of time
zones; the words of an alert depend only on the change, the chat's zone and which day
it is there ("tomorrow"), so chats that share those share one rendered message.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.models import Change, Message

Render = Callable[[Change, str, datetime], Message]


def local_day(now: datetime, tz_name: str) -> date:
    """The calendar day at ``now`` in the zone (UTC for an unknown zone, as rendering)."""
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


class AlertCache:
    """The last ``size`` rendered alerts, keyed by what their words depend on."""

    def __init__(self, render: Render, size: int = 256) -> None:
        self._render = render
        self._size = size
        self._messages: OrderedDict[tuple[Change, str, date], Message] = OrderedDict()

    def message(self, change: Change, tz_name: str, now: datetime) -> Message:
        key = (change, tz_name, local_day(now, tz_name))
        found = self._messages.get(key)
        if found is not None:
            self._messages.move_to_end(key)
            return found
        message = self._render(change, tz_name, now)
        self._messages[key] = message
        if len(self._messages) > self._size:
            self._messages.popitem(last=False)
        return message
