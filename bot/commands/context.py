"""What a command runs against: the queries, the subscriptions, the watchlist, the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.commands.limiter import CommandRateLimiter
from bot.models import Watchlist
from bot.ports import MeetingQueries, SubscriptionRepository


@dataclass
class CommandContext:
    meetings: MeetingQueries
    subscriptions: SubscriptionRepository
    watchlist: Watchlist
    now: datetime
    limiter: CommandRateLimiter | None = None
    default_timezone: str = "UTC"
