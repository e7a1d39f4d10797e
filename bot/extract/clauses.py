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


def split_clauses(folded_sentence: str, breaks: Iterable[str]) -> list[Span]:
    """Clause spans inside one (folded, lower-cased) sentence.

    A clause starts at a contrastive connective (", but", ", ale", ", но", ";"),
    so "X was planned, but it was cancelled" yields two clauses whose statuses are
    judged separately and then combined by the extractor.
    """
    breaks = tuple(breaks)
    if _first_chars(breaks).search(folded_sentence) is None:
        return [(0, len(folded_sentence))] if folded_sentence else []  # no connective
    cuts: set[int] = set()
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
