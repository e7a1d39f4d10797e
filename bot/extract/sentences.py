"""Sentence and clause splitting that survives abbreviations and numeric dates.

A period ends a sentence only when what follows does not start in lower case and
what precedes it is not an abbreviation ("m.in.", "U.S.", "gen."), an initial
("D. C."), or a short number ("14.02.", "9. Februar"). Line breaks always end a
sentence: headlines, captions and paragraphs are separate statements.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import lru_cache

# Candidate boundary: sentence punctuation, optional closing quotes, whitespace.
# (both branches start with a fixed character set, which keeps the scan fast)
_BOUNDARY = re.compile(r"[.!?…]+[\"»”'’)\]]*[ \t]+|\n\s*")
_LAST_TOKEN = re.compile(r"([\w.]{1,12})\.?$")
_SHORT_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})?$")
_NEXT_WORD = re.compile(r"\w+")
_ABBREVIATION_WINDOW = 14  # characters before a period that the abbreviation test reads

Span = tuple[int, int]


def _is_abbreviation(
    before: str, after: str, abbreviations: frozenset[str], months: frozenset[str]
) -> bool:
    match = _LAST_TOKEN.search(before[-_ABBREVIATION_WINDOW:])
    if match is None:
        return False
    token = match.group(1).lower().rstrip(".")
    if not token:
        return False
    if token in abbreviations:
        return True
    if len(token) == 1 and token.isalpha():  # an initial: "D. C.", "J. Smith"
        return True
    if "." in token and all(len(part) <= 2 for part in token.split(".")):
        return True  # "m.in.", "u.s.", "14.02."
    if token[0].isdecimal() and _SHORT_NUMBER.match(token):
        # "am 9. Februar": an ordinal day before a month name; "on February 1. The"
        # is a sentence end
        following = _NEXT_WORD.match(after)
        return following is not None and following.group(0).lower() in months
    return False


def split_sentences(
    text: str,
    abbreviations: frozenset[str] = frozenset(),
    months: frozenset[str] = frozenset(),
) -> list[Span]:
    """Character spans of the sentences in ``text`` (whitespace trimmed).

    ``abbreviations``: lower-case tokens (without the final period) that never end
    a sentence; ``months``: lower-case month names that a "9." before them turns
    into an ordinal day rather than a sentence end.
    """
    spans: list[Span] = []
    start = 0
    plain_word = _plain_word_length(abbreviations)
    for match in _BOUNDARY.finditer(text):
        end, after = match.span()
        found = match.group()
        if "\n" not in found:
            following = text[after : after + 1]
            if following and following.islower():
                continue
            # only the last 14 characters before the period matter to the test
            if (
                found[0] == "."
                and not (
                    plain_word is not None
                    and end - plain_word >= start
                    and text[end - plain_word : end].isalpha()
                )
                and _is_abbreviation(
                    text[max(start, end - _ABBREVIATION_WINDOW) : end],
                    text[after : after + 16],
                    abbreviations,
                    months,
                )
            ):
                continue
            end += len(found.rstrip())
        span = _trimmed(text, start, end)
        if span is not None:
            spans.append(span)
        start = after
    span = _trimmed(text, start, len(text))
    if span is not None:
        spans.append(span)
    return spans


@lru_cache(maxsize=64)
def _plain_word_length(abbreviations: frozenset[str]) -> int | None:
    """How many letters before a period make it a sentence end without the full
    abbreviation test (no abbreviation, initial or number is that long); None when
    the longest abbreviation does not fit the test's window."""
    length = max(map(len, abbreviations), default=0) + 1
    return length if length <= _ABBREVIATION_WINDOW - 2 else None


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_clauses(folded_sentence: str, breaks: Iterable[str]) -> list[Span]:
    """Clause spans inside one (folded, lower-cased) sentence.

    A clause starts at a contrastive connective (", but", ", ale", ", но", ";"),
    so "X was planned, but it was cancelled" yields two clauses whose statuses are
    judged separately and then combined by the extractor.
    """
    breaks = tuple(breaks)
    if not any(char in folded_sentence for char in _first_chars(breaks)):
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
def _first_chars(breaks: tuple[str, ...]) -> frozenset[str]:
    """The characters the connectives start with (",", ";"): a sentence with none of
    them has a single clause."""
    return frozenset(marker[0] for marker in breaks if marker)
