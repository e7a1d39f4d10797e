"""Stage *venues*: which watchlist places in a sentence can host its meeting.

See docs/extraction.md, step 8: a place governed by a locative preposition, right
before a meeting word, or continuing such a list counts; a dateline, a place right
after a reporting verb and places offered as alternatives do not.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from bot.extract.lexicons import Lexicon
from bot.models import EntityKind, Mention

if TYPE_CHECKING:
    from bot.extract.merge import Meeting
    from bot.extract.sentences import Sentence

_DATELINE = re.compile(
    r"^[^\W\d][\w .'’-]{0,30},\s*(?:[^\W\d]{3,9}\.?\s+)?\d{1,2}(?:\.|\s+[^\W\d]{3,9}\.?)?"
    r"(?:[\s,]+\d{4})?\s*(?:\([^)]{1,40}\))?\.?\s*(?:[-–—]+|/[^/]{1,20}/\.?)\s*"
)
CLAUSE_PUNCT = re.compile(r"[,;:–—\"«»“”()]")


def place_phrases(folded: str, lex: Lexicon, start: int, end: int) -> list[tuple[int, str, int]]:
    if lex.places_any is None:
        return []
    found = []
    for match in lex.places_any.finditer(folded, start, end):
        at = match.start()
        key = next((k for k, phrase in lex.place_phrases if phrase.match(folded, at, end)), None)
        if key is not None:
            found.append((at, key, match.end()))
    return found


def dateline_length(sentence: str) -> int:
    """Length of a leading "GENEVA, Feb 17 (Xinhua) -" dateline (0 if none)."""
    match = _DATELINE.match(sentence[:120])
    return match.end() if match else 0


def sentence_venues(
    s: Sentence,
    lex: Lexicon,
    skip_to: int,
    reporting: list[tuple[int, int]],
    cues: list[tuple[int, int]],
    meeting_spans: list[tuple[int, int]],
) -> list[tuple[int, str, int]]:
    """(start, venue id, end) of the places in a sentence that can host a meeting.

    A watchlist venue counts when it is governed by a locative preposition ("in
    Geneva", "w Moskwie", "à Moscou"), stands right next to a meeting word ("the
    Budapest summit"), or continues a list that does. This drops the capital used
    for its government ("Moscow's demand", "mediated by Washington"). A place named
    right after a reporting verb ("told journalists at the White House") is where
    somebody spoke, and a place after a modal ("could be in Switzerland") is only a
    possibility. Named places outside the watchlist (lexicon ``places``) are used
    only when no watchlist venue is in the sentence.
    """
    folded = s.folded
    kept: list[tuple[int, str, int]] = []
    previous_ok: tuple[int, str, int] | None = None
    for start, key, end, phrase in _candidates(s, skip_to):
        item = (start, key, end)
        if any(k[0] <= start < k[2] for k in kept):
            continue
        before = folded[max(s.start, start - 60) : start]
        if not (phrase or hosts_meeting(item, before, folded, lex, meeting_spans, previous_ok)):
            continue
        if place_of_speaking(start, reporting, cues) or alternative_place(end, before, folded, lex):
            continue
        kept.append(item)
        previous_ok = item
    return other_places_only_alone(kept)


def _candidates(s: Sentence, skip_to: int) -> list[tuple[int, str, int, bool]]:
    """Watchlist venues and lexicon place phrases after the dateline, in order; the
    flag marks a place phrase (which includes its preposition)."""
    raw: list[tuple[int, str, int, bool]] = [
        (m.start, m.entity_id, m.end, False)
        for m in s.mentions
        if m.kind is EntityKind.VENUE and m.start >= skip_to
    ]
    raw.extend((start, key, end, True) for start, key, end in s.places if start >= skip_to)
    raw.sort()
    return raw


def hosts_meeting(
    item: tuple[int, str, int],
    before: str,
    folded: str,
    lex: Lexicon,
    meeting_spans: list[tuple[int, int]],
    previous_ok: tuple[int, str, int] | None,
) -> bool:
    """Rule *venue governed*: a locative preposition governs the place, or its own
    locative case ending does ("Genevessä", "Cenevre'de"), it stands right before a
    meeting word ("the Budapest summit") or after one with a genitive link ("the talks
    of Geneva"), or it continues a list of places that qualify."""
    start, _, end = item
    links = lex.connectives
    # each test only when the ones before it fail (all are pure)
    return bool(
        governed(before, lex)
        or locative_case(folded, start, end, lex)
        or locative_ending(folded, end, lex)
        or any(0 <= c0 - end <= 2 for c0, _ in meeting_spans)
        or any(
            links.genitive_link.fullmatch(folded[c1:start])
            for _, c1 in meeting_spans
            if c1 <= start
        )
        or (previous_ok is not None and links.list_gap.match(folded[previous_ok[2] : start]))
    )


def locative_ending(folded: str, end: int, lex: Lexicon) -> bool:
    """Rule *postposition*: where words run together or the ending is written apart from
    the name (Japanese "ジュネーブで", Korean "제네바에서", Georgian "ჟენევაში"), a locative
    ending (lexicon ``locative_endings``) right after the place governs it too."""
    after = folded[end : end + 6]
    return bool(lex.locative_endings) and after.startswith(lex.locative_endings)


def place_of_speaking(
    start: int, reporting: list[tuple[int, int]], cues: list[tuple[int, int]]
) -> bool:
    """Rule *place of speaking*: a place shortly after a reporting verb, with no cue
    between ("told journalists at the White House"), is where somebody spoke."""
    return any(0 <= start - r1 <= 45 and not _between(cues, r1, start) for _, r1 in reporting)


def alternative_place(end: int, before: str, folded: str, lex: Lexicon) -> bool:
    """Rule *alternatives*: "in Switzerland or Turkey" names candidates, not the venue
    (the lexicon's ``alternatives`` words)."""
    links = lex.connectives
    return bool(
        links.alternative_after.match(folded, end) or links.alternative_before.search(before[-24:])
    )


def other_places_only_alone(kept: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """Rule *place phrases*: a place outside the watchlist ("in Florida") counts only
    when no watchlist venue is in the sentence."""
    watch = [k for k in kept if not k[1].startswith("other:")]
    if watch:
        return [k for k in kept if k[1] in {w[1] for w in watch} or not k[1].startswith("other:")]
    return kept


_WORD_END = re.compile(r"[\w']*")


def locative_case(folded: str, start: int, end: int, lex: Lexicon) -> bool:
    """Rule *locative case*: in a language that marks place with a case ending
    (lexicon ``locative_endings``: Finnish "-ssa", Turkish "'de", Hungarian "-ban"),
    a place whose word ends in one is governed as if by "in"."""
    endings = lex.locative_endings
    if not endings:
        return False
    tail = _WORD_END.match(folded, end)
    word = folded[start : tail.end() if tail else end]
    return word.endswith(endings) and len(word) > max(map(len, endings)) + 1


def governed(before: str, lex: Lexicon) -> bool:
    """A locative preposition at most four words before, with no clause punctuation,
    meeting word or other place in between ("in the Hungarian capital Budapest" yes,
    "в ОАЭ переговоры Москвы" no)."""
    if lex.locatives is None:
        return False
    tail = CLAUSE_PUNCT.split(before)[-1]
    matches = list(lex.locatives.finditer(tail))
    if not matches:
        return False
    rest = tail[matches[-1].end() :]
    if len(rest.split()) > 4:
        return False
    return not (lex.meeting is not None and lex.meeting.search(rest))


def _between(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start <= c0 and c1 <= end for c0, c1 in spans)


def choose_venues(
    venues: list[tuple[int, str, int]],
    anchor: int,
    anchor_end: int,
    folded: str,
    list_gap: re.Pattern[str],
) -> list[str]:
    """One venue, or all of them when they form a list ("in Kyiv, Geneva and Abu Dhabi")."""
    if not venues:
        return []
    ids = list(dict.fromkeys(v[1] for v in venues))
    if len(ids) == 1:
        return ids
    is_list = all(
        list_gap.match(folded[a[2] : b[0]]) is not None for a, b in itertools.pairwise(venues)
    )
    if is_list:
        return ids

    # nearest to the cue; a venue after it reads more naturally ("meet in Brussels")
    def distance(v: tuple[int, str, int]) -> int:
        return v[0] - anchor_end if v[0] >= anchor_end else anchor - v[2] + 12

    return [min(venues, key=distance)[1]]


def names_the_talks(
    venue: tuple[int, str, int], meeting_spans: list[tuple[int, int]], folded: str
) -> bool:
    """The place follows a meeting word with at most a preposition between them."""
    return any(
        0 <= venue[0] - end <= 8 and len(folded[end : venue[0]].split()) <= 1
        for _, end in meeting_spans
    )


def headline_venue(meetings: list[Meeting], title_mentions: list[Mention]) -> None:
    """Rule *headline venue*: a headline about talks that places them in one venue
    (a locative preposition governs it: "Talks in Geneva") gives it to the article's
    only meeting when the body names none ("Witkoff and Umerov will meet next week")."""
    venues = {m.entity_id for m in title_mentions if m.kind is EntityKind.VENUE}
    if len(venues) != 1 or len(meetings) != 1 or meetings[0].venue is not None:
        return
    meetings[0].venue = venues.pop()
