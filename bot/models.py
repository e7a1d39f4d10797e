"""The shared vocabulary every stage speaks.

Frozen dataclasses, named tuples and enums only: no I/O, no third-party imports. Datetimes are
always timezone-aware (UTC inside the bot); calendar days are plain ``date``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

# Fields named ``date`` shadow the type inside a class body; annotate with this alias.
Day = date


class EntityKind(StrEnum):
    ACTOR = "actor"
    VENUE = "venue"


class MeetingStatus(StrEnum):
    UPCOMING = "upcoming"
    RESCHEDULED = "rescheduled"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    HELD = "held"
    DENIED = "denied"


# Statuses that make an article worth an alert on its own (a labelled record's `alert`).
ALERT_STATUSES = frozenset(
    {
        MeetingStatus.UPCOMING,
        MeetingStatus.RESCHEDULED,
        MeetingStatus.POSTPONED,
        MeetingStatus.CANCELLED,
        MeetingStatus.DENIED,
    }
)


# --------------------------------------------------------------------------- watchlist


@dataclass(frozen=True)
class WatchEntity:
    """One tracked actor or venue from the watchlist configuration."""

    id: str
    kind: EntityKind
    name: str
    # language code ("pl", "ru", ..., or "*" for any language) -> surface forms
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # words that, near an ambiguous alias, confirm it is this entity ("Kirill", "RDIF")
    cues: tuple[str, ...] = ()
    # True when the surname is shared by other people (needs a cue or another entity)
    ambiguous: bool = False
    # phrases containing an alias that are NOT this entity ("Miami Heat")
    exclude: tuple[str, ...] = ()
    # the side an actor speaks for ("US", "Russia", "Ukraine"); names meetings in alerts
    side: str = ""
    # a venue's IANA time zone ("Europe/Budapest"): what "local time" means there
    timezone: str = ""

    def all_aliases(self) -> tuple[str, ...]:
        seen: dict[str, None] = {self.name: None}
        for forms in self.aliases.values():
            for form in forms:
                seen.setdefault(form, None)
        return tuple(seen)


@dataclass(frozen=True)
class Watchlist:
    actors: tuple[WatchEntity, ...]
    venues: tuple[WatchEntity, ...]

    def entities(self) -> tuple[WatchEntity, ...]:
        return self.actors + self.venues

    def get(self, entity_id: str) -> WatchEntity | None:
        for entity in self.entities():
            if entity.id == entity_id:
                return entity
        return None


# --------------------------------------------------------------------------- ingestion


@dataclass(frozen=True)
class FeedItem:
    """One normalised news item: plain text, UTC times, canonical link."""

    feed_id: str
    key: str  # stable dedup key (guid, else canonical link, else content hash)
    title: str
    text: str  # plain text body (summary/content), HTML stripped
    link: str | None  # canonical http(s) link or None
    published: datetime  # UTC; clamped to fetch time when missing or in the future
    outlet: str | None = None  # feed title / site name
    guid: str | None = None
    lang_hint: str | None = None  # language declared by the feed, if any
    # secondary dedup key from the canonical link ("l:<hash>"), to spot GUID churn
    link_key: str | None = None
    # hash of the normalised title and text: a known key with a new hash was updated
    content_hash: str | None = None


# --------------------------------------------------------------------------- understanding


@dataclass(frozen=True, slots=True)
class Article:
    """What extraction reads of one item: title, body, publication time and, if known,
    the language its source declares (a hint, used when the text says too little)."""

    title: str
    text: str
    published: date | datetime | None
    lang_hint: str | None = None


class Mention(NamedTuple):
    """A watchlist entity found in text: which alias matched and where.

    A named tuple, not a frozen dataclass: every article yields dozens, and a tuple
    is built several times faster."""

    entity_id: str
    kind: EntityKind
    alias: str  # the configured alias (or generated form) that matched
    surface: str  # the text as it appears in the article
    start: int  # character offsets into the analysed text
    end: int


@dataclass(frozen=True)
class Period:
    """A vague time as an article gave it ("mid-December", "next week"): a readable
    label and, when it can be worked out, the days it spans. Never a meeting day."""

    label: str
    start: Day | None = None
    end: Day | None = None


@dataclass(frozen=True)
class TimeOfDay:
    """A stated time of day ("10:00") and its zone: an IANA name, or ``LOCAL_TIME``
    for the venue's own time, or None when the article named none."""

    hour: int
    minute: int
    zone: str | None = None

    @property
    def text(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


# TimeOfDay.zone for "local time": the venue's time zone, where the watchlist knows it
LOCAL_TIME = "local"


@dataclass(frozen=True)
class MeetingReport:
    """One meeting (or talks event) as a single article states it."""

    venue: str | None  # watchlist id, "other:<Name>", or None
    date: Day | None
    date_end: Day | None
    status: MeetingStatus
    tentative: bool
    participants: tuple[str, ...] = ()
    previous_date: Day | None = None
    previous_venue: str | None = None
    when_text: str | None = None
    evidence: str = ""
    # True when the evidence attributes it to an official statement (spokesman, ministry)
    official: bool = False
    time: TimeOfDay | None = None
    period: Period | None = None  # a vague time, kept only when no day is known
    # False when the article's language has no lexicon: the report only says that a
    # tracked actor and a tracked place or a day appear together (unverified)
    understood: bool = True


@dataclass(frozen=True)
class Extraction:
    """Everything the understanding stage says about one article."""

    lang: str
    actors: tuple[str, ...]
    venues: tuple[str, ...]
    mentions: tuple[Mention, ...]
    meetings: tuple[MeetingReport, ...]

    @property
    def alert(self) -> bool:
        return any(m.status in ALERT_STATUSES for m in self.meetings)


# --------------------------------------------------------------------------- timeline


class ChangeKind(StrEnum):
    ANNOUNCED = "announced"  # a new meeting appeared
    RESCHEDULED = "rescheduled"  # day and/or venue changed
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    DENIED = "denied"
    CONFIRMED = "confirmed"  # tentative -> confirmed
    HELD = "held"  # reported as having taken place
    PRESUMED_HELD = "presumed_held"  # its day passed with no further report


@dataclass(frozen=True)
class SourceRef:
    """Where a report came from."""

    link: str | None
    outlet: str | None
    lang: str
    published: datetime
    evidence: str
    item_key: str = ""
    title: str = ""  # the article's headline


@dataclass(frozen=True)
class MeetingState:
    """The derived current state of a meeting."""

    venue: str | None
    date: Day | None
    date_end: Day | None
    status: MeetingStatus
    tentative: bool
    participants: tuple[str, ...]
    presumed_held: bool = False
    previous_date: Day | None = None
    previous_venue: str | None = None
    time: TimeOfDay | None = None
    period: Period | None = None  # only while no day is known
    # True while every report comes from an article in a language the bot has no rules
    # for: a tracked actor and a place or day named together, nothing more is known
    unverified: bool = False


@dataclass(frozen=True)
class Change:
    """A real change in a meeting's state: what alerts are made of."""

    meeting_id: int
    kind: ChangeKind
    before: MeetingState | None
    after: MeetingState
    at: datetime
    source: SourceRef | None = None
    reason: str = ""


@dataclass(frozen=True)
class MeetingView:
    """A meeting as queries and renderers see it."""

    id: int
    state: MeetingState
    sources: tuple[SourceRef, ...]
    title: str = ""  # e.g. "US–Russia–Ukraine talks"


# --------------------------------------------------------------------------- chat


class Platform(StrEnum):
    TELEGRAM = "telegram"
    SLACK = "slack"
    CONSOLE = "console"


@dataclass(frozen=True)
class ChatTarget:
    platform: Platform
    chat_id: str  # str for both platforms (Telegram ids are ints, kept as text)


@dataclass(frozen=True)
class Subscription:
    target: ChatTarget
    # empty = everything; otherwise watchlist ids (actors or venues)
    entity_ids: frozenset[str] = frozenset()
    timezone: str = "UTC"
    active: bool = True


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


class CommandStyle(StrEnum):
    """How a platform spells multi-word commands in what users type and read."""

    UNDERSCORE = "underscore"  # /next_meeting (Telegram)
    HYPHEN = "hyphen"  # /next-meeting (Slack slash commands)


# Asks the platform whether the sender administers the chat; called only when needed.
AdminCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class IncomingCommand:
    """A command as a platform adapter hands it to the platform-free core."""

    target: ChatTarget
    user_id: str
    name: str  # canonical name: "next_meeting", "subscribe", ...
    args: tuple[str, ...]
    chat_type: ChatType = ChatType.PRIVATE
    is_admin: bool = True  # may this user manage the chat's subscriptions (no admin_check)
    raw_text: str = ""
    style: CommandStyle = CommandStyle.UNDERSCORE
    # When set, the core calls it instead of reading is_admin: after the rate limit, and
    # only for a command that needs an admin, so a flood causes no platform calls.
    admin_check: AdminCheck | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MessageLink:
    label: str
    url: str


@dataclass(frozen=True)
class Message:
    """A platform-neutral message. Renderers turn it into HTML / Block Kit / text.

    All strings are plain text (unescaped); each adapter escapes for its markup.
    """

    headline: str
    lines: tuple[str, ...] = ()
    links: tuple[MessageLink, ...] = ()
    quotes: tuple[str, ...] = ()  # evidence sentences, original language
    footer: str = ""
    actions: tuple[MessageAction, ...] = ()  # buttons, where the platform offers them


@dataclass(frozen=True)
class MessageAction:
    """A button that runs a command for whoever presses it, as if they had typed it.

    Only an offer: the same command typed works everywhere (``/unsubscribe all``).
    """

    label: str
    command: str  # canonical name
    args: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The command as words: ``unsubscribe all``."""
        return " ".join((self.command, *self.args))


@dataclass(frozen=True)
class SentRef:
    """What a platform returns for a sent message, so it can be edited later."""

    target: ChatTarget
    message_id: str
