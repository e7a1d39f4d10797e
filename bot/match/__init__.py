"""Multilingual matching of watchlist actors and venues in article text.

matcher = Matcher(watchlist)          # builds the automaton once
mentions = matcher.find(text, "pl")   # -> list[Mention], offsets into text
actor_ids(mentions), venue_ids(mentions)
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.match.matcher import Matcher
from bot.match.normalize import normalize_phrase, normalize_token
from bot.models import EntityKind, Mention

__all__ = [
    "Matcher",
    "actor_ids",
    "entity_ids",
    "normalize_phrase",
    "normalize_token",
    "venue_ids",
]


def entity_ids(mentions: Iterable[Mention], kind: EntityKind | None = None) -> list[str]:
    """Sorted unique entity ids of ``mentions`` (of one kind, if given)."""
    return sorted({m.entity_id for m in mentions if kind is None or m.kind is kind})


def actor_ids(mentions: Iterable[Mention]) -> list[str]:
    return entity_ids(mentions, EntityKind.ACTOR)


def venue_ids(mentions: Iterable[Mention]) -> list[str]:
    return entity_ids(mentions, EntityKind.VENUE)
