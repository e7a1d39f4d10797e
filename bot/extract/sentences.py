"""Stage *sentences*: splitting that survives abbreviations and numeric dates.

A period ends a sentence only when what follows does not start in lower case and
what precedes it is not an abbreviation ("m.in.", "U.S.", "gen."), an initial
("D. C."), or a short number ("14.02.", "9. Februar"). Line breaks always end a
sentence: headlines, captions and paragraphs are separate statements.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from bot.extract.datetables import month_names
from bot.extract.lexicons import Lexicon, word_start_spans
from bot.extract.venues import place_phrases
from bot.match.gazetteer import is_other_place
from bot.models import Mention

# Candidate boundary: sentence punctuation, optional closing quotes, whitespace; or a
# line break and the whitespace after it. Written to start with one character set (the
# line-break branch checks its first character by look-behind) so that the regex
# engine skips in C to the next candidate character instead of trying every position.
# Full-width ends ("。", "！", "？") need no space after them (unless a closing quote
# follows: 「…。」と述べた is one sentence), nor does a "." run into a Hangul, kana or Han
# letter ("보도했습니다.우크라이나"): no abbreviation is written so. The Devanagari and
# Bengali danda "।", the Urdu full stop "۔" and the Armenian one "։" end a sentence as
# "。" does (rule *full stops of other scripts*).
_BOUNDARY = re.compile(
    r"[.!?…\n。！？।۔։](?:(?<=\n)\s*|(?<=[。！？।۔։])(?![」』）”\"])\s*|[.!?…]*[\"»”'’)\]]*[ \t]+"
    r"|(?<=[.!?])(?=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3])"
    r"|(?<=[^\W\d_]{3}[.!?])(?=[^\W\d_]{2}))"
)
_RUN_TOGETHER = frozenset(".!?")  # a boundary of one character: no space after it
_LAST_TOKEN = re.compile(r"([\w.]{1,12})\.?$")
_SHORT_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})?$")
_NEXT_WORD = re.compile(r"\w+")
_ABBREVIATION_WINDOW = 14  # characters before a period that the abbreviation test reads

Span = tuple[int, int]
MAX_SENTENCE_CHARS = 1_500  # meetings are stated early in a sentence too


@dataclass(slots=True)
class Sentence:
    """One sentence worth reading, with what the whole-text scans found in it."""

    index: int
    start: int
    end: int
    text: str  # the whole analysed text (offsets are absolute)
    folded: str
    mentions: list[Mention]
    is_title: bool
    places: list[tuple[int, str, int]]  # lexicon place phrases in this sentence

    # Written out, not generated: see Statement.__init__ (bot/extract/statements.py).
    def __init__(
        self,
        index: int,
        start: int,
        end: int,
        text: str,
        folded: str,
        mentions: list[Mention],
        is_title: bool,
        places: list[tuple[int, str, int]],
    ) -> None:
        self.index = index
        self.start = start
        self.end = end
        self.text = text
        self.folded = folded
        self.mentions = mentions
        self.is_title = is_title
        self.places = places


# Rule *ordinal day range*: in "10. – 11. března" the first ordinal day of a range is no
# sentence end either: the dash and the second day are passed over to find the month.
_ORDINAL_RANGE_END = re.compile(r"^[-–—]\s*[0-3]?\d\.\s*")


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
        following = _NEXT_WORD.match(_ORDINAL_RANGE_END.sub("", after, count=1))
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
            if starts_in_lower_case(text[after : after + 1]):
                continue
            if found in _RUN_TOGETHER and not run_together(text, end, after):
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
        else:
            end += full_stop_before_a_break(found)
        span = _trimmed(text, start, end)
        if span is not None:
            spans.append(span)
        start = after
    span = _trimmed(text, start, len(text))
    if span is not None:
        spans.append(span)
    return spans


# Georgian Mkhedruli: Unicode files its letters as lower case (Mtavruli are their
# capitals), but running text is written in them alone.
_CASELESS_LOWER = re.compile(r"[\u10d0-\u10ff]")


def starts_in_lower_case(following: str) -> bool:
    """Whether the character after a period is lower case, so that the period ends no
    sentence. Rule *caseless script*: a script written without capitals (Georgian, whose
    letters Unicode files as lower case) starts every sentence so, and a period before it
    ends one ("... თქვა. შეხვედრა ...")."""
    return following.islower() and _CASELESS_LOWER.match(following) is None


def run_together(text: str, end: int, after: int) -> bool:
    """Rule *sentence ends without a space*: a period with no space after it ends a
    sentence before a Hangul, kana or Han letter ("만났습니다.위트코프는"), and between a
    lower-case word and a capitalised one ("kullandı.Reuters", "said.The"), as feeds that
    lose a paragraph break write it; an acronym on either side ("U.S.Army", "talks.NATO")
    or a lower-case word after it ("axios.com") keeps it inside the sentence."""
    following = text[after : after + 2]
    if following[:1] > "\u3000":
        return True  # the Hangul, kana or Han branch of _BOUNDARY
    return text[end - 1].islower() and following[:1].isupper() and following[1:].islower()


@lru_cache(maxsize=64)
def _plain_word_length(abbreviations: frozenset[str]) -> int | None:
    """How many letters before a period make it a sentence end without the full
    abbreviation test (no abbreviation, initial or number is that long); None when
    the longest abbreviation does not fit the test's window. An initial is one letter,
    so one letter is never enough (*initials without a list*: Lithuanian "gegužės 20 d.
    Abu Dabyje", day 20 in Abu Dhabi, in a lexicon that lists no abbreviation)."""
    length = max(1, max(map(len, abbreviations), default=0)) + 1
    return length if length <= _ABBREVIATION_WINDOW - 2 else None


def full_stop_before_a_break(found: str) -> int:
    """Rule *full stop before a line break*: a full-width end followed by a line break
    ("会面？\n", a headline's question mark) stays in its sentence, as it does before
    a space, so the cues written with it ("？", "する。") are read; its length."""
    return len(found.split("\n", 1)[0].rstrip())


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


class Selection(NamedTuple):
    spans: list[Span]  # every sentence
    sentences: list[Sentence]  # those read further
    title_has_meeting_word: bool


def sentences_worth_reading(
    analysed: str, folded: str, title_end: int, lex: Lexicon, mentions: Sequence[Mention]
) -> Selection:
    """Rule *sentence gate*: every sentence span, and the sentences read further.

    Only a sentence with a meeting word, a denial, or two watchlist entities can state
    a meeting; cheap whole-text scans find them, which keeps the throughput up.
    ``mentions`` are sorted by start.
    """
    meeting_at = word_starts(lex, "meeting", folded)
    mention_at = [m.start for m in mentions]
    phrase_at = place_phrases_named_apart(folded, lex, mention_at)
    denied_at = word_starts(lex, "denied", folded)
    spans = split_sentences(analysed, lex.abbreviations, month_names(lex.key))
    chosen: list[Sentence] = []
    for index, (start, end) in enumerate(spans):
        end = min(end, start + MAX_SENTENCE_CHARS)
        entities = count_in(mention_at, start, end) + count_in(phrase_at, start, end)
        if not (any_in(meeting_at, start, end) or entities >= 2 or any_in(denied_at, start, end)):
            continue  # no meeting word, fewer than two entities, no denial
        chosen.append(
            Sentence(
                index=index,
                start=start,
                end=end,
                text=analysed,
                folded=folded,
                mentions=list(
                    mentions[bisect_left(mention_at, start) : bisect_left(mention_at, end)]
                ),
                is_title=start < title_end,
                places=place_phrases(folded, lex, start, end),
            )
        )
    return Selection(spans, chosen, any_in(meeting_at, 0, title_end))


def place_phrases_named_apart(folded: str, lex: Lexicon, mention_at: list[int]) -> list[int]:
    """Rule *place phrase at the gate*: a lexicon place phrase that names a watchlist
    venue without its watchlist name ("v Kremli", "в Кремлі", "at the Kremlin") counts as
    a watchlist entity at the sentence gate, so "the Americans met Putin in the Kremlin
    on 2 October" is read; a phrase around a watchlist name ("у москві") is that name,
    and one of a place outside the watchlist ("to Turkey") counts for nothing."""
    return [
        start
        for start, key, end in place_phrases(folded, lex, 0, len(folded))
        if not is_other_place(key) and not any_in(mention_at, start, end)
    ]


def word_starts(lex: Lexicon, name: str, text: str) -> list[int]:
    """Where the lexicon pattern ``name`` (an attribute, or a status group) matches."""
    fast = lex.word_start.get(name)
    if fast is not None:
        return [start for start, _ in word_start_spans(fast, text)]
    pattern: re.Pattern[str] | None = lex.status[name] if name in lex.status else getattr(lex, name)
    return [m.start() for m in pattern.finditer(text)] if pattern is not None else []


def any_in(positions: list[int], start: int, end: int) -> bool:
    index = bisect_left(positions, start)
    return index < len(positions) and positions[index] < end


def count_in(positions: list[int], start: int, end: int) -> int:
    return bisect_left(positions, end) - bisect_left(positions, start)
