"""Words → watchlist entities: ids, names and aliases in any case, longest match first."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from bot.models import WatchEntity, Watchlist
from bot.text import clean_text

MAX_ARGS = 20  # more words than this is not a real request
MAX_PHRASE_WORDS = 4  # longest alias in words ("Mar a Lago Palm Beach" is 4+)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", clean_text(text)).casefold()
    text = re.sub(r"[-_.,;:!?\"'“”«»()\[\]]+", " ", text)
    return " ".join(text.split())


def alias_index(watchlist: Watchlist) -> dict[str, WatchEntity]:
    """Normalised id / name / alias → entity. Earlier entities win on a clash."""
    index: dict[str, WatchEntity] = {}
    for entity in watchlist.entities():
        forms = [entity.id, entity.name, entity.name.split(" (")[0], *entity.all_aliases()]
        for form in forms:
            key = normalise(form)
            if key:
                index.setdefault(key, entity)
    return index


@dataclass(frozen=True)
class Resolution:
    entities: tuple[WatchEntity, ...]
    unknown: tuple[str, ...]


def resolve_entities(args: tuple[str, ...], watchlist: Watchlist) -> Resolution:
    """Words → watchlist entities; multi-word names matched longest first."""
    index = alias_index(watchlist)
    words = [w for w in normalise(" ".join(args[:MAX_ARGS])).split() if w]
    found: list[WatchEntity] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + MAX_PHRASE_WORDS), i, -1):
            entity = index.get(" ".join(words[i:j]))
            if entity is not None:
                if entity not in found:
                    found.append(entity)
                i = j
                break
        else:
            if words[i] not in ("and", "or", "&"):
                unknown.append(words[i])
            i += 1
    return Resolution(tuple(found), tuple(unknown))


def suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word.casefold(), choices, n=1, cutoff=0.6)
    return close[0] if close else None
