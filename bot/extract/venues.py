"""Stage *venues*: which watchlist places in a sentence can host its meeting.

See docs/extraction.md, step 8: a place governed by a locative preposition, right
before a meeting word, or continuing such a list counts; a dateline, a place right
after a reporting verb and places offered as alternatives do not.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from bot.extract.datetables import SPACELESS, WORD_END
from bot.extract.lexicons import (
    ONE_WORD_GAP,
    Lexicon,
    entries_between,
    governing_words,
    languages,
    lexicon_words,
    word_start_spans,
)
from bot.match.gazetteer import (
    country_of_zone,
    gazetteer,
    is_other_place,
    other_place_id,
    region_of_city,
)
from bot.models import EntityKind, Mention, Watchlist

if TYPE_CHECKING:
    from bot.extract.merge import MeetingDraft
    from bot.extract.sentences import Sentence

# A dateline: a place (or places joined by "/"), the day, the agency, then a dash.
# Without a comma after the place ("Kyjev/Washington 7. apríla (TASR) –") the agency in
# parentheses is required and every word of the place is capitalised (*dateline without
# a comma*, `dateline_length`), so "Talks on March 5 (local time) -" is no dateline.
# A month name up to twelve letters: the Greek genitive "Σεπτεμβρίου", "Φεβρουαρίου".
_DATELINE_DAY = r"(?:[^\W\d]{3,12}\.?\s+)?\d{1,2}\.?(?:\s+[^\W\d]{3,12}\.?)?(?:[\s,]+\d{4})?"
_DATELINE_END = r"(?:[-–—]+|/[^/]{1,20}/\.?)"
_DATELINE_AGENCY = r"\([^)]{1,40}\)"
_DATELINE = re.compile(
    rf"^(?:(?P<place>[^\W\d][\w .'’/-]{{0,40}}?)(?:,\s*{_DATELINE_DAY}\s*"
    rf"(?:{_DATELINE_AGENCY})?\.?\s*{_DATELINE_END}"
    rf"|(?P<bare>\s+){_DATELINE_DAY}\s*{_DATELINE_AGENCY}\s*{_DATELINE_END})\s*"
    # a place in capitals, or any place with its agency, then a dash: "MOSZKVA –",
    # "موسكو (رويترز) -"
    r"|[A-ZÀ-ÞΑ-ΩА-ЯЁІЇЄҐ][A-ZÀ-ÞΑ-ΩА-ЯЁІЇЄҐ .'’-]{2,30}\s*(?:\([^)]{1,40}\)\s*)?[-–—]\s+"
    r"|[^\W\d][\w .'’-]{0,30}?\s*\([^)]{1,40}\)\s*[-–—]\s*"
    # a Chinese wire's: agency, place, day and 电 (cabled) - "新华社莫斯科3月4日电"
    r"|[^\W\d]{1,12}?\d{1,2}月\d{1,2}日电\s*)"
)
_DATELINE_MARK = re.compile("[-–—/电]")
# *Dateline ending in a period* (`dateline_length`): a place in capitals, a comma and a day
# closed by a period, with no dash: Lithuanian "VILNIUS, gegužės 12 d. JAV pasiuntinys …".
_DATELINE_STOP = re.compile(
    r"^[A-ZÀ-ÞΑ-ΩА-ЯЁІЇЄҐ][A-ZÀ-ÞΑ-ΩА-ЯЁІЇЄҐ .'’-]{2,30},\s*"
    rf"{_DATELINE_DAY}(?:\s+[^\W\d]{{1,2}})?\.\s+(?=[^\W\d])"
)
_SPACES = re.compile(r"\s+")
CLAUSE_PUNCT = re.compile(r"[,;:–—\"«»“”()]")
# What kind of place a candidate is: a watchlist venue, a lexicon place phrase (with
# its preposition), or a gazetteer city or country (see ``bot.match.gazetteer``).
VENUE, PHRASE, CITY, COUNTRY = "venue", "phrase", "city", "country"
Candidate = tuple[int, str, int, str]  # (start, venue id, end, kind)
COUNTRY_REACH = 32  # characters from a meeting word to a country that hosts it
# Words a locative preposition may stand before the place it governs: four for a
# watchlist venue ("in the Hungarian capital Budapest"); one for a gazetteer place
# ("in der Türkei", "в египетском Шарм-эль-Шейхе"), whose names are far more numerous.
GOVERNED_WORDS = 4
GAZETTEER_GOVERNED_WORDS = 1


def place_phrases(folded: str, lex: Lexicon, start: int, end: int) -> list[tuple[int, str, int]]:
    if lex.places_any is None:
        return []
    fast = lex.word_start.get("places_any")
    if fast is not None:  # (the look-behind form tries a match at every character)
        text = folded[start:end] if start or end < len(folded) else folded
        spans = [(start + a, start + b) for a, b in word_start_spans(fast, text)]
    else:
        spans = [m.span() for m in lex.places_any.finditer(folded, start, end)]
    found = []
    for at, stop in spans:
        key = next((k for k, phrase in lex.place_phrases if phrase.match(folded, at, end)), None)
        if key is not None:
            found.append((at, key, stop))
    return found


def dateline_length(sentence: str) -> int:
    """Length of a leading "GENEVA, Feb 17 (Xinhua) -" or "新华社莫斯科3月4日电" dateline (0
    if none): its place is the newsroom's and its day the report's."""
    head = sentence[:120]
    if _DATELINE_MARK.search(head) is None:
        # a dateline ends in a dash, an agency's slashes or 电: most sentences have none
        stop = _DATELINE_STOP.match(head) if head[:3].isupper() else None
        return 0 if stop is None else stop.end()
    match = _DATELINE.match(head)
    if match is None:
        return 0
    if match.group("bare") is not None and not all(
        word[0].isupper() for word in re.split(r"[\s/-]+", match.group("place")) if word
    ):
        return 0  # no comma: only a place of capitalised words opens a dateline
    return match.end()


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
    possibility. Places outside the watchlist (lexicon ``places`` and the gazetteer,
    see ``bot.match.gazetteer``) are used only when no watchlist venue is in the
    sentence, and a city beats its country ("in Ankara, Turkey").
    """
    rules = _HostRules(s, lex, reporting, cues, meeting_spans)
    rules.mark_cases(m for m in s.mentions if m.kind is EntityKind.VENUE)
    candidates = _candidates(s, skip_to)
    kept = rules.kept(candidates)
    if not any(not is_other_place(k[1]) for k in kept):
        with_gazetteer = _kept_with_gazetteer(rules, s, skip_to, lex, candidates)
        kept = kept if with_gazetteer is None else with_gazetteer
    return city_beats_country(other_places_only_alone(kept), lex)


def _kept_with_gazetteer(
    rules: _HostRules, s: Sentence, skip_to: int, lex: Lexicon, candidates: list[Candidate]
) -> list[tuple[int, str, int]] | None:
    """The places the rules keep once the gazetteer's are added; None when it has none."""
    found = gazetteer_mentions(s, skip_to, lex)
    if not found:
        return None
    rules.mark_cases(found)
    return rules.kept(sorted(candidates + gazetteer_candidates(found)))


def other_places_of_the_sentence(
    s: Sentence,
    lex: Lexicon,
    skip_to: int,
    reporting: list[tuple[int, int]],
    cues: list[tuple[int, int]],
    meeting_spans: list[tuple[int, int]],
) -> list[tuple[int, str, int]]:
    """The places outside the watchlist that :func:`sentence_venues` would keep in the
    sentence if it named no watchlist venue (the gazetteer is read for them)."""
    rules = _HostRules(s, lex, reporting, cues, meeting_spans)
    rules.mark_cases(m for m in s.mentions if m.kind is EntityKind.VENUE)
    kept = _kept_with_gazetteer(rules, s, skip_to, lex, _candidates(s, skip_to))
    return [k for k in city_beats_country(kept, lex) if is_other_place(k[1])] if kept else []


class _HostRules:
    """The rules a candidate place passes to host the sentence's meeting."""

    def __init__(
        self,
        s: Sentence,
        lex: Lexicon,
        reporting: list[tuple[int, int]],
        cues: list[tuple[int, int]],
        meeting_spans: list[tuple[int, int]],
    ) -> None:
        self.s, self.lex, self.reporting, self.cues = s, lex, reporting, cues
        self.meeting_spans = meeting_spans
        self.case_marked: set[int] = set()  # starts of places in a locative case

    def mark_cases(self, mentions: Iterable[Mention]) -> None:
        folded, lex = self.s.folded, self.lex
        if lex.locative_endings or lex.locative_particles:
            self.case_marked.update(
                m.start for m in mentions if locative_case(folded, m.start, m.end, lex)
            )

    def kept(self, candidates: list[Candidate]) -> list[tuple[int, str, int]]:
        folded, lex = self.s.folded, self.lex
        kept: list[tuple[int, str, int]] = []
        previous_ok: tuple[int, str, int] | None = None
        for start, key, end, kind in candidates:
            item = (start, key, end)
            if any(k[0] <= start < k[2] for k in kept):
                continue
            before = folded[max(self.s.start, start - 60) : start]
            if kind == PHRASE:
                pass  # a place phrase includes its preposition
            elif kind == COUNTRY:
                if not country_hosts_meeting(
                    item, folded, lex, previous_ok, self.meeting_spans, start in self.case_marked
                ):
                    continue
            elif start in self.case_marked:
                pass  # "Genevessä", "Ankara'da", "비슈케크에서": the case says "in"
            elif not hosts_meeting(
                item,
                before,
                folded,
                lex,
                self.meeting_spans,
                previous_ok,
                GOVERNED_WORDS if kind == VENUE else GAZETTEER_GOVERNED_WORDS,
            ):
                continue
            if (
                (
                    place_of_speaking(start, self.reporting, self.cues, folded, lex.language)
                    and not qualifies_the_talks(end, self.meeting_spans, folded)
                )
                or (
                    place_before_speaking(folded, end, lex)
                    and not follows_the_talks(item, self.meeting_spans, folded, lex.language)
                )
                or alternative_place(end, before, folded, lex)
                or topic_place(before, lex)
                or topic_named_after(folded, end, lex)
                or returned_to(folded, start, end, lex.language)
            ):
                continue
            kept.append(item)
            previous_ok = item
        return kept


def _candidates(s: Sentence, skip_to: int) -> list[Candidate]:
    """Watchlist venues and lexicon place phrases after the dateline, in order, with
    their kind (a place phrase includes its preposition)."""
    raw: list[Candidate] = [
        (m.start, m.entity_id, m.end, VENUE)
        for m in s.mentions
        if m.kind is EntityKind.VENUE and m.start >= skip_to
    ]
    raw.extend((start, key, end, PHRASE) for start, key, end in s.places if start >= skip_to)
    raw.sort()
    return raw


def prepare_gazetteer() -> None:
    """Build the gazetteer of every lexicon's language now rather than on first need."""
    gazetteer(languages())


def gazetteer_mentions(s: Sentence, skip_to: int, lex: Lexicon) -> list[Mention]:
    """Places of the gazetteer in the sentence (after the dateline), except where a
    watchlist name stands ("Washington" is the watchlist's, not the state); offsets
    into the whole text."""
    start = max(s.start, skip_to)
    if start >= s.end:
        return []
    taken = [(m.start, m.end) for m in s.mentions]
    taken += seat_of_government(s.folded, lex, start, s.end)
    out: list[Mention] = []
    for m in gazetteer(languages()).find(s.text[start : s.end], lex.key):
        at, end = start + m.start, start + m.end
        if not any(t0 < end and at < t1 for t0, t1 in taken):
            out.append(m._replace(start=at, end=end))
    return out


def seat_of_government(folded: str, lex: Lexicon, start: int, end: int) -> list[tuple[int, int]]:
    """Rule *seat of government*: a government or office the lexicon names as a source
    (``official``: "Casa Branca", "Kremlin", "ministry") is no gazetteer place, though a
    city shares its name ("segundo a Casa Branca" is the White House, not Casablanca)."""
    if lex.official is None:
        return []
    return [(m.start(), m.end()) for m in lex.official.finditer(folded, start, end)]


def gazetteer_candidates(found: list[Mention]) -> list[Candidate]:
    places = gazetteer(languages())
    out: list[Candidate] = []
    for m in found:
        place = places.place(m.entity_id)
        kind = COUNTRY if place is not None and place.is_country else CITY
        out.append((m.start, m.entity_id, m.end, kind))
    return out


def country_hosts_meeting(
    item: tuple[int, str, int],
    folded: str,
    lex: Lexicon,
    previous_ok: tuple[int, str, int] | None,
    meeting_spans: list[tuple[int, int]],
    case_marked: bool = False,
) -> bool:
    """Rule *country venue*: a country hosts a meeting only under a locative
    preposition ("in Turkey", "w Turcji"), or as the subject of a verb of hosting ("Oman
    hosted", rule *hosting place*), with a meeting word a few words away in the
    same clause ("talks … in Oman", "in Turkey … talks"), or in a list that does. Next
    to a meeting word without one it names a side or a topic ("Russia talks",
    "Turkey's position"); far from one it is where something else happens ("the war
    in …")."""
    start, _, end = item
    if folded.startswith(("'s", "’s"), end):
        return False
    if previous_ok is not None and lex.connectives.list_gap.match(folded[previous_ok[2] : start]):
        return True
    before = folded[max(0, start - 60) : start]
    return (
        case_marked
        or governed(before, lex, GAZETTEER_GOVERNED_WORDS)
        or visited(before, lex)
        or hosting_place(folded, end, lex.language)  # "Oman hosted the previous round"
    ) and near_meeting_word(start, end, folded, meeting_spans)


def near_meeting_word(
    start: int, end: int, folded: str, meeting_spans: list[tuple[int, int]]
) -> bool:
    """A meeting word ends at most ``COUNTRY_REACH`` characters before the place, or
    starts at most half that after it, with no clause punctuation between."""
    for m0, m1 in meeting_spans:
        if 0 <= start - m1 <= COUNTRY_REACH:
            if not CLAUSE_PUNCT.search(folded, m1, start):
                return True
        elif 0 <= m0 - end <= COUNTRY_REACH // 2 and not CLAUSE_PUNCT.search(folded, end, m0):
            return True
    return False


def city_beats_country(
    kept: list[tuple[int, str, int]], lex: Lexicon
) -> list[tuple[int, str, int]]:
    """Rule *city beats country*: "in Ankara, Turkey" and "in Muscat in Oman" name one
    venue, the city; a country stays when no city of it is named."""
    if len(kept) < 2:
        return kept
    others = [k for k in kept if is_other_place(k[1])]
    if len(others) < 2:
        return kept
    places = gazetteer(languages())
    found = [places.place(k[1]) for k in others]
    city_countries = {p.country for p in found if p is not None and not p.is_country}
    dropped = {
        p.id for p in found if p is not None and p.is_country and p.country in city_countries
    }
    return [k for k in kept if k[1] not in dropped]


def hosts_meeting(
    item: tuple[int, str, int],
    before: str,
    folded: str,
    lex: Lexicon,
    meeting_spans: list[tuple[int, int]],
    previous_ok: tuple[int, str, int] | None,
    reach: int = GOVERNED_WORDS,
) -> bool:
    """Rule *venue governed*: a locative preposition governs the place (at most
    ``reach`` words before it), or its own locative case ending does ("Genevessä",
    "Cenevre'de"), it stands right before a meeting word ("the Budapest summit") or after
    one with a genitive link ("the talks of Geneva"), or it continues a list of places
    that qualify."""
    start, _, end = item
    links = lex.connectives
    # each test only when the ones before it fail (all are pure)
    return bool(
        governed(before, lex, reach)
        or visited(before, lex)
        or visited_before_the_verb(folded, end, lex)
        or capital_apposition(before, lex)
        or locative_case(folded, start, end, lex)
        or hosting_place(folded, end, lex.language)
        or any(0 <= c0 - end <= 2 and not has_verb(folded[c0:c1], lex) for c0, c1 in meeting_spans)
        or any(
            links.genitive_link.fullmatch(folded[c1:start])
            for _, c1 in meeting_spans
            if c1 <= start
        )
        or (previous_ok is not None and links.list_gap.match(folded[previous_ok[2] : start]))
    )


def place_of_speaking(
    start: int,
    reporting: list[tuple[int, int]],
    cues: list[tuple[int, int]],
    folded: str = "",
    language: str | None = None,
) -> bool:
    """Rule *place of speaking*: a place shortly after a reporting verb, with no cue
    between ("told journalists at the White House"), is where somebody spoke; not when a
    complementizer stands between them ("announced that the delegation met in Geneva":
    the place is in what was reported, lexicon ``complementizers``)."""
    return any(
        0 <= start - r1 <= 45
        and not _between(cues, r1, start)
        and not reported_between(folded, r1, start, language)
        for _, r1 in reporting
    )


def reported_between(folded: str, start: int, end: int, language: str | None) -> bool:
    """A complementizer ("that", "dass", "hogy", "что") stands between two offsets."""
    pattern = lexicon_words(language, "complementizers") if language else None
    return pattern is not None and pattern.search(folded, start, end) is not None


def place_before_speaking(folded: str, end: int, lex: Lexicon) -> bool:
    """Rule *place of speaking*, the other way round: a place a reporting verb follows
    right away, one word between at most and no punctuation ("в Кремле заявили", "у
    Білому домі заявили", in the Kremlin they said), is where somebody spoke.
    Rule *second predicate*: not when "and" comes between ("met Dmitriev in Miami and
    said", "se reunió con Dmitriev en Miami y dijo"): the verb is the subject's next
    predicate, and the place stays with the first one."""
    if lex.reporting is None or lex.connectives.joiner_after.match(folded, end) is not None:
        return False
    # the verb right after the place, or after one word: both are tried, since a gap of
    # one word would swallow the verb itself ("v Moskvě označil schůzku")
    for gap in (_SPACES.match(folded, end), ONE_WORD_GAP.match(folded, end)):
        if gap is not None and lex.reporting.match(folded, gap.end()) is not None:
            return True
    return False


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
    watch = [k for k in kept if not is_other_place(k[1])]
    if watch:
        return watch
    return kept


_WORD_END = re.compile(r"[\w']*")


def locative_case(folded: str, start: int, end: int, lex: Lexicon) -> bool:
    """Rule *locative case*: in a language that says "in" with a case ending, a
    postposition or a particle (lexicon ``locative_endings``: Finnish "-ssa", Turkish
    "'de", Hungarian "-ban", Japanese "で", Korean "에서", Georgian "ში"; lexicon
    ``locative_particles``: Chinese "在"), the place is governed as if by a preposition
    when its word ends in one ("Genevessä", "Ankara'da"), one follows it right away
    where words run together or the ending is written apart ("ジュネーブで",
    "제네바에서"), or a particle stands right before it ("在圣彼得堡")."""
    endings = lex.locative_endings
    if endings:
        tail = _WORD_END.match(folded, end)
        word = folded[start : tail.end() if tail else end]
        # the place's own letters before the ending: "제네바로", not a bare "로"
        if any(word.endswith(e) and len(word) > len(e) + 1 for e in endings):
            return True
        if folded.startswith(endings, end):
            return True
    particles = lex.locative_particles
    return bool(particles) and folded[max(0, start - 2) : start].strip().endswith(particles)


def after_last(pattern: re.Pattern[str], before: str) -> str | None:
    """What follows the last match of ``pattern`` in the clause that ends ``before``
    (None when the clause has none)."""
    tail = CLAUSE_PUNCT.split(before)[-1]
    ends = [match.end() for match in pattern.finditer(tail)]
    return tail[ends[-1] :] if ends else None


def governed(before: str, lex: Lexicon, reach: int = GOVERNED_WORDS) -> bool:
    """A locative preposition at most ``reach`` words before, with no clause
    punctuation, meeting word, verb or other place in between ("in the Hungarian
    capital Budapest" yes, "в ОАЭ переговоры Москвы" no, ``has_verb``)."""
    if lex.locatives is None:
        return False
    rest = after_last(lex.locatives, before)
    if rest is None or len(rest.split()) > reach:
        return False
    if not rest.strip():
        return True
    return not (lex.meeting is not None and lex.meeting.search(rest)) and not has_verb(rest, lex)


def topic_place(before: str, lex: Lexicon) -> bool:
    """Rule *topic's place*: a place governed right after a word for what the talks are
    about (lexicon ``topic_words``: "peace in Gaza", "мира в Газе", "útok v Dauhe", "the
    war in …") is where that happens, not where anyone meets; a meeting word between
    them ("peace talks in Geneva") makes it the talks' place again."""
    if lex.topics is None or lex.locatives is None:
        return False
    rest = after_last(lex.topics, before)
    return rest is not None and (
        len(rest.split()) <= 2
        and lex.locatives.search(rest) is not None
        and (lex.meeting is None or lex.meeting.search(rest) is None)
    )


def capital_apposition(before: str, lex: Lexicon) -> bool:
    """Rule *capital in apposition*: a place named right after a comma that closes
    "<preposition> the capital of …" (lexicon ``capital_words``: "in the capital of Oman,
    Muscat", "w stolicy Omanu, Maskacie", "do stolicy ZEA, Abu Zabi") is the city the
    preposition governs."""
    if lex.capitals is None:
        return False
    pieces = CLAUSE_PUNCT.split(before)
    if len(pieces) < 2 or pieces[-1].strip():
        return False
    found = list(lex.capitals.finditer(pieces[-2]))
    if not found:
        return False
    head = pieces[-2][: found[-1].start()]
    return len(pieces[-2][found[-1].end() :].split()) <= 3 and governed(head, lex, 2)


# a hyphen or space, after a case suffix written with an apostrophe ("Ukrayna'daki savaş")
_JOIN = re.compile(r"(?:'\w+)?[ -]?")


def topic_named_after(folded: str, end: int, lex: Lexicon) -> bool:
    """Rule *topic's place*, the other way round: a place that qualifies a word for
    what talks are about ("due to the Iran war", "the Gaza ceasefire", "Ukraine-Krieg")
    names the topic, not a venue."""
    if lex.topics is None:
        return False
    gap = _JOIN.match(folded, end)
    return lex.topics.match(folded, gap.end() if gap else end) is not None


def names_a_topic(folded: str, start: int, end: int, lex: Lexicon) -> bool:
    """Rule *topic's place* where no statement is read (rule *unverified meeting*): a
    place right after a topic word or qualifying one ("útok v Dauhe", an attack in
    Doha) is no venue, whatever else the sentence says."""
    before = folded[max(0, start - 60) : start]
    return topic_place(before, lex) or topic_named_after(folded, end, lex)


def visited(before: str, lex: Lexicon) -> bool:
    """Rule *place visited*: the object of a verb of visiting (lexicon ``visit_verbs``:
    "will visit Miami", "відвідає Маямі", "odwiedzi Moskwę") is where the visitor's
    talks are, as if a preposition governed it; at most one word between them."""
    if lex.visits is None:
        return False
    tail = CLAUSE_PUNCT.split(before)[-1]
    found = list(lex.visits.finditer(tail))
    return bool(found) and len(tail[found[-1].end() :].split()) <= 1


_OBJECT_GAP = re.compile(r"[\w']*\s+")
_ONE_WORD = re.compile(r"\w+\s+")


def visited_before_the_verb(folded: str, end: int, lex: Lexicon) -> bool:
    """Rule *place visited*, verb last: a place that a verb of visiting follows, its
    case ending and at most one word between ("wird Moskau besuchen", "Moskova'yı
    ziyaret edecek"), is its object as well."""
    if lex.visits is None:
        return False
    gap = _OBJECT_GAP.match(folded, end)
    if gap is None:
        return False
    if lex.visits.match(folded, gap.end()) is not None:
        return True
    word = _ONE_WORD.match(folded, gap.end())
    return word is not None and lex.visits.match(folded, word.end()) is not None


_RETURN_REACH = 4  # words between a verb of returning and the place it governs


def returned_to(folded: str, start: int, end: int, language: str) -> bool:
    """Rule *return journey*: a place someone went back to ("returned to Kyiv", "flew
    back to Washington", "вернулся в Киев", "wrócił do Kijowa"; verb last: "nach Kiew
    zurückgekehrt", "Kiova palasi") is their home, not a meeting's place: a verb of
    returning (lexicon ``return_verbs``) at most four words before it in the clause, or
    (``return_verbs_last``) at most two words after it (in Han and kana, right after
    it and its particle: "ワシントンに戻った")."""
    before = _return_before(language)
    window = folded[max(0, start - 60) : start]
    if before is not None and before.search(window) is not None:
        tail = CLAUSE_PUNCT.split(window)[-1]
        found = list(before.finditer(tail))
        if found and len(tail[found[-1].end() :].split()) <= _RETURN_REACH:
            return True
    after = _return_after(language)
    return after is not None and after.match(folded, end) is not None


def _return_before(language: str) -> re.Pattern[str] | None:
    return entries_between(language, "return_verbs", r"(?<!\w)", r"(?!\w)")


# Han and kana run words together: a verb of returning follows the place with at most
# a couple of hiragana particles and no space ("ワシントンに戻った")
_SPACELESS_GAP = f"(?<=[{SPACELESS}])[\u3040-\u309f]{{0,2}}"


def _return_after(language: str) -> re.Pattern[str] | None:
    return entries_between(
        language,
        "return_verbs_last",
        rf"(?:[\w']*\s+(?:\w+\s+){{0,2}}|{_SPACELESS_GAP})",
        WORD_END,
    )


def hosting_place(folded: str, end: int, language: str) -> bool:
    """Rule *hosting place*: a place that a verb of hosting follows right away ("Geneva
    hosted talks", "Женева уже принимала переговоры", lexicon ``host_verbs``) is where
    the talks are, as if a preposition governed it."""
    pattern = _host_verbs(language)
    return pattern is not None and pattern.match(folded, end) is not None


def _host_verbs(language: str) -> re.Pattern[str] | None:
    return entries_between(language, "host_verbs", r"[\w']*\s+", r"(?!\w)")


def has_verb(text: str, lex: Lexicon) -> bool:
    """Rule *governed through modifiers only*: a status cue or a tensed verb form
    between a preposition and a place ("в нем приняли участие представители Москвы",
    "in it took part envoys of Moscow") means the preposition heads another phrase."""
    if any(p is not None and p.search(text) for p in lex.status.values()):
        return True
    return any(p is not None and p.search(text) for p in (lex.past, lex.future))


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


def qualifies_the_talks(end: int, meeting_spans: list[tuple[int, int]], folded: str) -> bool:
    """Rule *place before the talks*: a place a meeting word follows at once ("said the
    Geneva talks will resume", "the Istanbul meeting", "Genfer Gespräche") names those
    talks, even right after a reporting verb: it is not where somebody spoke."""
    return any(
        0 <= start - end <= 2 and not folded[end:start].strip(" -") for start, _ in meeting_spans
    )


_TALKS_PHRASE_WORDS = 4  # words from a meeting word to its place ("talks on Saturday in")


def follows_the_talks(
    venue: tuple[int, str, int], meeting_spans: list[tuple[int, int]], folded: str, language: str
) -> bool:
    """Rule *place of speaking*, its exception: a place in the phrase of a meeting word
    governed by "after", "during" or "before" (lexicon ``after_words``, ``during_words``,
    ``before_words``; a few
    words after the meeting word, no punctuation between: "Po rozmowach w Miami Witkoff
    powiedział", "Nach den Gesprächen am Samstag in Miami sagte Witkoff") is the talks'
    place, though a reporting verb follows it. Where "after" follows the meeting word
    ("회담 후 모스크바에서 말했다"), the place is outside the phrase: where it was said."""
    governing = [
        p
        for key in ("after_words", "during_words", "before_words")
        if (p := governing_words(language, key))
    ]
    return any(
        venue[0] >= end
        and len(folded[end : venue[0]].split()) <= _TALKS_PHRASE_WORDS
        and not CLAUSE_PUNCT.search(folded, end, venue[0])
        and any(p.search(folded, max(0, start - 32), start) for p in governing)
        for start, end in meeting_spans
    )


def names_the_talks(
    venue: tuple[int, str, int], meeting_spans: list[tuple[int, int]], folded: str
) -> bool:
    """The place follows a meeting word with at most a preposition between them."""
    return any(
        0 <= venue[0] - end <= 8 and len(folded[end : venue[0]].split()) <= 1
        for _, end in meeting_spans
    )


def headline_venue(meetings: list[MeetingDraft], title_mentions: list[Mention]) -> None:
    """Rule *headline venue*: a headline about talks that places them in one venue
    (a locative preposition governs it: "Talks in Geneva") gives it to the article's
    only meeting when the body names none ("Witkoff and Umerov will meet next week")."""
    venues = {m.entity_id for m in title_mentions if m.kind is EntityKind.VENUE}
    if len(venues) != 1 or len(meetings) != 1 or meetings[0].venue is not None:
        return
    meetings[0].venue = venues.pop()


@dataclasses.dataclass(frozen=True, slots=True)
class VenueArea:
    """Where a watchlist venue lies: its country (ISO 3166 code, from its time zone)
    and the names to look its first-level division up by (``region``)."""

    country: str
    names: tuple[str, ...]

    @property
    def region(self) -> str:
        return region_of_city(self.country, self.names)


def article_venue(
    meetings: list[MeetingDraft],
    mentions: Iterable[Mention],
    folded: str,
    lex: Lexicon,
    text: str | None = None,
) -> None:
    """Rule *one place in the article*: when the article's only meeting has no venue and
    every watchlist venue the article places something in ("will travel to Washington",
    "the visit in Washington": a preposition, a case ending or a verb of visiting
    governs it) is one and the same, that is the meeting's venue."""
    if len(meetings) != 1 or meetings[0].venue is not None:
        return
    placed = {m.entity_id for m in mentions if places_something(m, folded, lex)}
    if len(placed) == 1:
        meetings[0].venue = placed.pop()
    elif not placed and text is not None:
        meetings[0].venue = one_place_outside_watchlist(text, folded, lex, mentions)


def places_something(m: Mention, folded: str, lex: Lexicon) -> bool:
    """A watchlist venue the text places something in ("will travel to Washington", "the
    visit in Washington": a preposition, a case ending or a verb of visiting governs it),
    not where someone only speaks nor what the talks are about."""
    return (
        m.kind is EntityKind.VENUE
        and (
            governed(folded[max(0, m.start - 60) : m.start], lex)
            or visited(folded[max(0, m.start - 60) : m.start], lex)
            or locative_case(folded, m.start, m.end, lex)
        )
        and not speakers_place(folded, m.start, m.end, lex)
        and not names_a_topic(folded, m.start, m.end, lex)  # "útok v Dauhe": no venue
    )


def last_place_before(
    mentions: Sequence[Mention], folded: str, lex: Lexicon, position: int
) -> str | None:
    """The last watchlist venue the text places something in before ``position`` (rule
    *the same place*: "had arrived in Miami. … in the city")."""
    for m in reversed(mentions):
        if m.start < position and places_something(m, folded, lex):
            return m.entity_id
    return None


_SENTENCE_END = re.compile(r"[.!?。！？\n]")


def speakers_place(folded: str, start: int, end: int, lex: Lexicon) -> bool:
    """Rule *one place in the article*, where people only speak: a place in a sentence
    with a reporting verb and no meeting word ("said in an interview in Davos", "gave the
    interview on the sidelines of the forum in Davos"), or one a reporting verb follows
    right away ("в Белом доме сообщили", *place of speaking*), is where someone spoke,
    not where the article's meeting is."""
    if lex.reporting is None:
        return False
    if place_before_speaking(folded, end, lex):
        return True
    head = max(
        (m.end() for m in _SENTENCE_END.finditer(folded, max(0, start - 400), start)), default=0
    )
    found = _SENTENCE_END.search(folded, start)
    sentence = folded[head : found.start() if found else len(folded)]
    return lex.reporting.search(sentence) is not None and (
        lex.meeting is None or lex.meeting.search(sentence) is None
    )


def one_place_outside_watchlist(
    text: str, folded: str, lex: Lexicon, mentions: Iterable[Mention]
) -> str | None:
    """Rule *one place in the article*, for places outside the watchlist: the one city
    (or else country) of the gazetteer the article places something in ("the meeting
    took place in St Petersburg ... his third visit to Russia": St Petersburg), or None
    when it places things in several (a country counts with its own city as one)."""
    places = gazetteer(languages())
    taken = [(m.start, m.end) for m in mentions]
    taken += seat_of_government(folded, lex, 0, len(folded))
    found: set[str] = set()
    for m in places.find(text, lex.key):
        if any(t0 < m.end and m.start < t1 for t0, t1 in taken):
            continue
        before = folded[max(0, m.start - 60) : m.start]
        if (
            governed(before, lex, GAZETTEER_GOVERNED_WORDS)
            or visited(before, lex)
            or locative_case(folded, m.start, m.end, lex)
        ) and not names_a_topic(folded, m.start, m.end, lex):
            found.add(m.entity_id)
    known = [p for p in map(places.place, found) if p is not None]
    cities = {p.id for p in known if not p.is_country and not p.is_region}
    return cities.pop() if len(cities) == 1 else None


def venue_countries(watchlist: Watchlist) -> dict[str, VenueArea]:
    """The country of each watchlist venue, from its time zone, and its names."""
    out: dict[str, VenueArea] = {}
    for venue in watchlist.venues:
        country = country_of_zone(venue.timezone) if venue.timezone else None
        if country is not None:
            names = (venue.name, *(a for aliases in venue.aliases.values() for a in aliases))
            out[venue.id] = VenueArea(country, tuple(dict.fromkeys(names)))
    return out


def watchlist_city(
    meetings: list[MeetingDraft], venues: Mapping[str, VenueArea]
) -> list[MeetingDraft]:
    """Rule *watchlist city by another name*: a gazetteer city that is a watchlist venue,
    named by an exonym the watchlist lacks ("deslocou-se a Moscovo" read as
    other:Moscow), is that venue. ``venues``: the watchlist venues, their names first."""
    if not any(
        (m.venue is not None and is_other_place(m.venue))
        or (m.previous_venue is not None and is_other_place(m.previous_venue))
        for m in meetings
    ):
        return meetings  # (the same names recur: the table below is built only when asked)
    ids = {other_place_id(area.names[0]): venue for venue, area in venues.items()}
    for meeting in meetings:
        if meeting.venue is not None and meeting.venue in ids:
            meeting.venue = ids[meeting.venue]
        if meeting.previous_venue is not None and meeting.previous_venue in ids:
            meeting.previous_venue = ids[meeting.previous_venue]
    return meetings


def countries_beaten_by_cities(
    meetings: list[MeetingDraft], venues: Mapping[str, VenueArea]
) -> list[MeetingDraft]:
    """Rule *city beats country* (article): a meeting placed only in a country, or in a
    region of one (a US state), that another meeting of the article of the same kind
    (past or expected) and compatible days places in one of its cities ("meeting in
    Hungary" beside "the Budapest summit", "talks in Florida" beside "talks in Miami")
    is that meeting, or a vaguer report of it; it is dropped. A past meeting in a city
    does not beat a planned one in its country (held in Istanbul, cancelled in Turkey).
    ``venues``: where the watchlist venues lie."""
    if not any(m.venue is not None and is_other_place(m.venue) for m in meetings):
        return meetings
    places = gazetteer(languages())
    found = {id(m): places.place(m.venue) for m in meetings if m.venue and is_other_place(m.venue)}
    areas = {  # meeting (by identity) placed in a country or a region -> (country, region)
        key: (p.country, p.region if p.is_region else "")
        for key, p in found.items()
        if p is not None and (p.is_country or p.is_region)
    }
    regional = any(region for _, region in areas.values())
    cities: list[tuple[MeetingDraft, str, str]] = []  # (meeting, country, region)
    for meeting in meetings:
        place = found.get(id(meeting))
        if place is not None:  # a region beats its country, as a city does
            cities.append((meeting, place.country, place.region))
        elif meeting.venue is not None and meeting.venue in venues:
            area = venues[meeting.venue]  # a GeoNames look-up only when a region is named
            cities.append((meeting, area.country, area.region if regional else ""))
    kept = []
    for m in meetings:
        city = next(
            (
                city
                for city, country, region in cities
                if id(m) in areas
                and city is not m
                and areas[id(m)] in ((country, ""), (country, region))
                and same_meeting(m, city)
            ),
            None,
        )
        if city is None:
            kept.append(m)
        else:
            city_takes_the_day(city, m)
    return kept


def city_takes_the_day(city: MeetingDraft, country: MeetingDraft) -> None:
    """Rule *city beats country*: the city's meeting with no day takes the day of the
    country's that it replaces ("in Riyadh" beside "on 18 February in Saudi Arabia"), and
    so does one dated only by the journey there (rule *journey's day*)."""
    if country.date is not None and (city.date is None or journey_before(city, country)):
        city.date, city.date_end = country.date, country.date_end
        city.when_text, city.journey_day = country.when_text, False


def same_meeting(a: MeetingDraft, b: MeetingDraft) -> bool:
    """Two meetings of the same kind (past or expected) with compatible days (equal,
    overlapping, or one unknown) may be one."""
    if a.past != b.past:
        return False
    if a.date is None or b.date is None:
        return True
    if journey_before(a, b) or journey_before(b, a):
        return True
    return a.date <= (b.date_end or b.date) and b.date <= (a.date_end or a.date)


_JOURNEY_DAYS = 2  # days a trip may take place before the meeting it is for


def journey_before(trip: MeetingDraft, meeting: MeetingDraft) -> bool:
    """Rule *journey's day*: an expected meeting dated only by a journey there, a clause
    with no meeting word ("today Lavrov and Ushakov fly to Riyadh"), is the trip to the
    meeting that the article dates a day or two later in that place or its country ("will
    meet the US delegation in Saudi Arabia on 18 February"); the meeting's day is its day."""
    if not trip.journey_day or meeting.journey_day or trip.past or meeting.past:
        return False
    if trip.date is None or meeting.date is None:
        return False
    return 0 < (meeting.date - trip.date).days <= _JOURNEY_DAYS
