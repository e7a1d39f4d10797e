"""Stage *clauses*: a sentence cut before its contrastive connectives.

"X was to meet in Brussels, but the meeting was cancelled" yields two clauses,
whose statements are judged separately and combined later. The connectives are
each lexicon's ``clause_breaks``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import lru_cache

Span = tuple[int, int]


def split_clauses(
    folded_sentence: str, breaks: Iterable[str], extra_cuts: Iterable[int] = ()
) -> list[Span]:
    """Clause spans inside one (folded, lower-cased) sentence.

    A clause starts at a contrastive connective (", but", ", ale", ", но", ";"),
    so "X was planned, but it was cancelled" yields two clauses whose statuses are
    judged separately and then combined by the extractor.
    """
    breaks = tuple(breaks)
    cuts: set[int] = set(extra_cuts)
    if not cuts and _first_chars(breaks).search(folded_sentence) is None:
        return [(0, len(folded_sentence))] if folded_sentence else []  # no connective
    for marker in breaks:
        if not marker:
            continue
        index = folded_sentence.find(marker)
        while index != -1:
            # the connective itself belongs to the following clause
            cut = index + (1 if marker[0] in ",;" else 0)
            cuts.add(cut)
            index = folded_sentence.find(marker, index + len(marker))
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(folded_sentence)), len(folded_sentence)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


@lru_cache(maxsize=64)
def _first_chars(breaks: tuple[str, ...]) -> re.Pattern[str]:
    """The characters the connectives start with (",", ";"), as one character class: a
    sentence with none of them has a single clause. (One search in C beats a test per
    character.)"""
    chars = sorted({marker[0] for marker in breaks if marker})
    return re.compile(f"[{''.join(map(re.escape, chars))}]" if chars else "(?!)")


def relative_clause_of_place(
    folded_sentence: str, place_ends: Iterable[int], pronouns: re.Pattern[str] | None
) -> list[int]:
    """Rule *relative clause of a place*: a relative clause set off by a comma right
    after a place ("in Geneva, which hosted talks in recent weeks", "a Ginevra, che ha
    ospitato colloqui", lexicon ``relative_pronouns``) speaks of that place, not of the
    meeting the sentence is about: it is a clause of its own, up to the next comma (its
    place is the one before it). Returns where such clauses start and end."""
    if pronouns is None:
        return []
    cuts: list[int] = []
    for end in place_ends:
        found = pronouns.match(folded_sentence, end)
        if found is None:
            continue
        cuts.append(folded_sentence.index(",", end) + 1)
        close = folded_sentence.find(",", found.end())
        if close != -1:
            cuts.append(close + 1)
    return cuts


_PREDICATE_GAP = 16  # characters between "and" and the cue of its own predicate
_PLACED_PREDICATE_GAP = 32  # the same when a venue of its own stands between them


def coordinated_predicates(
    folded_sentence: str,
    joiners: re.Pattern[str],
    before: list[tuple[int, int]],
    cues: list[tuple[int, int]],
    verb_final: bool = False,
    venues: tuple[int, ...] = (),
) -> list[int]:
    """Rule *coordinated meetings*: "and" followed by a status cue of its own, with a
    cue before it ("met Putin in Moscow on Monday and will meet Umerov in Miami on
    Saturday", "traf Putin in Moskau und trifft am Samstag Umerow in Miami"), starts a
    second clause: two meetings, each with its own place, day and status. "Witkoff and
    Kushner met" joins two names, not two predicates. ``before``: the cues and meeting
    words that may make the first predicate; ``cues``: the status cues that may open
    the second; ``verb_final``: the language puts the verb last ("… görüştü ve cumartesi
    günü Miami'de Umerov ile görüşecek"), so the second cue may stand anywhere after
    "and". *Second predicate's own place* (``venues``: where watchlist venues start): a
    venue between "and" and the cue lets a day and the place stand before it ("a vo
    štvrtok sa v Miami stretne s Umerovom"). Returns where such clauses start."""
    cuts: list[int] = []
    for found in joiners.finditer(folded_sentence):
        start, end = found.start(), found.end()
        if not any(c1 <= start for _, c1 in before):
            continue
        reach = len(folded_sentence) if verb_final else end + _PREDICATE_GAP
        if any(end <= c0 <= reach for c0, _ in cues) or _placed_predicate(
            folded_sentence, end, cues, venues
        ):
            cuts.append(start + len(found.group()) - len(found.group().lstrip(" ,")))
    for found in _COMMA.finditer(folded_sentence):
        start, end = found.start(), found.end()
        # with no "and", the first predicate too names its own place after its cue
        first_placed = any(c1 <= v < start for _, c1 in before for v in venues)
        if first_placed and _placed_predicate(folded_sentence, end, cues, venues):
            cuts.append(end)
    return sorted(set(cuts))


_COMMA = re.compile(r", ")


def _placed_predicate(
    folded_sentence: str, end: int, cues: list[tuple[int, int]], venues: tuple[int, ...]
) -> bool:
    """A status cue soon after ``end``, in a stretch up to the next comma that names a
    venue of its own."""
    comma = folded_sentence.find(",", end)
    stop = len(folded_sentence) if comma < 0 else comma
    reach = end + _PLACED_PREDICATE_GAP
    return any(end <= v < stop for v in venues) and any(end <= c0 <= reach for c0, _ in cues)
