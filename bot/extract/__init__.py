"""Meeting extraction: who meets where and when, and what became of it.

    extractor = Extractor(watchlist)            # or Extractor(watchlist, matcher)
    extraction = extractor.extract(title, text, published, lang_hint="pl")

Steps: detect the language, find watchlist mentions, split into sentences and
clauses, read each clause's cues (``status``) and time expressions (``dates``),
turn the clauses that pass the meeting gate into events, then merge the events of
one article into meetings (same venue and day -> one meeting; an anaphoric
"the meeting was cancelled" joins the meeting it refers to).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from operator import attrgetter

from bot.extract.dates import (
    ABSOLUTE,
    RELATIVE,
    VAGUE,
    WEEKDAY,
    DateMention,
    find_time_of_day,
    month_names,
    resolve_weekdays,
    scan_dates,
    vague_period,
)
from bot.extract.fallback import unverified_meeting
from bot.extract.lexicons import Lexicon, fold, load_lexicon, word_start_spans
from bot.extract.sentences import split_clauses, split_sentences
from bot.extract.status import ClauseSignals, analyse_clause, decide_status, new_times
from bot.langdetect import detect_language
from bot.match import Matcher
from bot.models import (
    ALERT_STATUSES,
    Article,
    EntityKind,
    Extraction,
    MeetingReport,
    MeetingStatus,
    Mention,
    TimeOfDay,
    Watchlist,
)

__all__ = ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "Article", "Extractor"]

# Bounds on what is analysed: meetings are stated early; the rest costs time only.
MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
MAX_SENTENCE_CHARS = 1_500
LANG_SAMPLE_CHARS = 1_000
BATCH_SIZE = 256  # articles per step in iter_extract

# Reporting-verb attribution ("said on Friday"): a date this close to one is the
# day of the statement, not of the meeting.
_ATTRIBUTION_WORDS = 8
_NEAR_MEETING = 80  # characters from a meeting word to the venue it governs
_WORD = re.compile(r"\w+")
_DATELINE = re.compile(
    r"^[^\W\d][\w .'’-]{0,30},\s*(?:[^\W\d]{3,9}\.?\s+)?\d{1,2}(?:\.|\s+[^\W\d]{3,9}\.?)?"
    r"(?:[\s,]+\d{4})?\s*(?:\([^)]{1,40}\))?\.?\s*(?:[-–—]+|/[^/]{1,20}/\.?)\s*"
)
_CLAUSE_PUNCT = re.compile(r"[,;:–—\"«»“”()]")
_WS = re.compile(r"\s+")
_START = attrgetter("start")

_RANK = {
    MeetingStatus.UPCOMING: 1,
    MeetingStatus.HELD: 1,
    MeetingStatus.POSTPONED: 3,
    MeetingStatus.RESCHEDULED: 3,
    MeetingStatus.CANCELLED: 4,
    MeetingStatus.DENIED: 5,
}


@dataclass(slots=True)
class _Event:
    """One clause's statement about a meeting."""

    order: int
    sentence: int
    venue: str | None
    date: dt.date | None
    date_end: dt.date | None
    when_text: str | None
    status: MeetingStatus
    from_cue: bool
    tentative: bool
    confirmed: bool
    official: bool
    participants: tuple[str, ...]
    evidence: str
    anchored: bool  # names a venue or an actor
    meeting_word: bool = False
    is_title: bool = False
    near_meeting: bool = False  # the venue follows a meeting word closely ("talks in Kyiv")
    reaffirm: bool = False
    previous_date: dt.date | None = None
    previous_venue: str | None = None
    time: TimeOfDay | None = None
    # actors who only speak about the meeting here ("Peskov denied ...")
    commentators: frozenset[str] = frozenset()


@dataclass
class _Meeting:
    venue: str | None
    date: dt.date | None
    date_end: dt.date | None
    when_text: str | None
    status: MeetingStatus
    from_cue: bool
    evidence: str
    last_sentence: int
    tentative: bool = False
    from_title: bool = False
    confirmed: bool = False
    official: bool = False
    participants: dict[str, None] = field(default_factory=dict)
    previous_date: dt.date | None = None
    previous_venue: str | None = None
    time: TimeOfDay | None = None
    # participants named as more than commentators somewhere in the article
    named: dict[str, None] = field(default_factory=dict)

    published: dt.date | None = None

    @property
    def past(self) -> bool:
        return self.status is MeetingStatus.HELD

    def published_near(self, day: dt.date) -> bool:
        return self.published is not None and abs((day - self.published).days) <= 1


def _as_date(published: date | datetime | None) -> date | None:
    if isinstance(published, datetime):
        return published.date()
    return published


def _compose(title: str, text: str) -> tuple[str, int]:
    """Title and body as one text, and where the title part ends.

    A body that starts with its own title is not given the title twice; the first
    sentence then plays the title's part (headlines summarise loosely, so their
    status counts for less than the body's).
    """
    title = _WS.sub(" ", title).strip()
    if not title:
        return text, 0
    probe = title[: min(len(title), 120)].rstrip(".… ")
    head = _WS.sub(" ", text[: len(title) + 400])
    if probe and probe in head:
        first_break = text.find("\n")
        return text, (first_break if 0 <= first_break <= len(title) + 50 else len(probe))
    return f"{title}\n\n{text}", len(title)


class Extractor:
    """Turns one article into an :class:`Extraction` (pure: no I/O after init)."""

    def __init__(
        self,
        watchlist: Watchlist,
        matcher: Matcher | None = None,
        *,
        max_text_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        self._watchlist = watchlist
        self._matcher = matcher if matcher is not None else Matcher(watchlist)
        self._max_text = max_text_chars

    def extract(
        self,
        title: str,
        text: str,
        published: date | datetime | None,
        lang_hint: str | None = None,
    ) -> Extraction:
        return self.extract_many([Article(title, text, published, lang_hint)])[0]

    def extract_known(
        self, title: str, text: str, published: date | datetime | None, lang: str
    ) -> Extraction:
        """:meth:`extract` for an article whose language is known for sure (a table of
        test sentences, a feed whose language is trusted): no detection."""
        analysed, title_end = _compose(title[:MAX_TITLE_CHARS], text[: self._max_text])
        mentions = self._matcher.find(analysed, lang)
        return _analyse(analysed, title_end, lang, mentions, _as_date(published))

    def extract_many(self, articles: Sequence[Article]) -> list[Extraction]:
        """:meth:`extract` for each article, in order, with identical results.

        Faster per article than one call each: every step runs over the whole batch
        before the next starts (language detection, then matching, then sentence
        analysis), so each step's tables (the fastText model, the automaton, the
        lexicon patterns) stay in the CPU caches instead of evicting each other at
        every article. The gain grows up to batches of a few hundred.
        """
        composed = [
            _compose((a.title or "")[:MAX_TITLE_CHARS], (a.text or "")[: self._max_text])
            for a in articles
        ]
        langs = [
            detect_language(analysed[:LANG_SAMPLE_CHARS], hint=a.lang_hint)
            for (analysed, _), a in zip(composed, articles, strict=True)
        ]
        # one language after another: its lexicon's patterns are used back to back
        order = sorted(range(len(articles)), key=langs.__getitem__)
        find = self._matcher.find
        mentions = {i: find(composed[i][0], langs[i]) for i in order}
        results = {
            i: _analyse(*composed[i], langs[i], mentions[i], _as_date(articles[i].published))
            for i in order
        }
        return [results[i] for i in range(len(articles))]

    def iter_extract(
        self, articles: Iterable[Article], batch: int = BATCH_SIZE
    ) -> Iterator[Extraction]:
        """:meth:`extract_many` over a stream, ``batch`` articles at a time."""
        iterator = iter(articles)
        while chunk := list(itertools.islice(iterator, batch)):
            yield from self.extract_many(chunk)


def _analyse(
    analysed: str, title_end: int, lang: str, found: list[Mention], day: date | None
) -> Extraction:
    """The extraction of one composed text whose language and mentions are known."""
    lex = load_lexicon(lang)
    folded = fold(analysed)
    # cheap whole-text scans decide which sentences deserve the full analysis
    meeting_at = _starts(lex, "meeting", folded)
    mentions = tuple(sorted(found, key=_START))
    mention_at = [m.start for m in mentions]
    denied_at = _starts(lex, "denied", folded)
    events: list[_Event] = []
    sentences = split_sentences(analysed, lex.abbreviations, month_names(lex.key))
    for index, (start, end) in enumerate(sentences):
        end = min(end, start + MAX_SENTENCE_CHARS)
        entities = _count_in(mention_at, start, end)
        if not (_any_in(meeting_at, start, end) or entities >= 2 or _any_in(denied_at, start, end)):
            continue  # no meeting word, fewer than two entities, no denial
        sentence = _Sentence(
            index=index,
            start=start,
            end=end,
            text=analysed,
            folded=folded,
            mentions=list(mentions[_first_at(mention_at, start) : _first_at(mention_at, end)]),
            is_title=start < title_end,
            places=_place_phrases(folded, lex, start, end),
        )
        events.extend(_sentence_events(sentence, lex, day, len(events)))
    meetings = _merge(events, day)
    if _any_in(meeting_at, 0, title_end):
        placed = [
            m
            for m in mentions
            if m.start < title_end and _governed(folded[max(0, m.start - 60) : m.start], lex)
        ]
        _headline_venue(meetings, placed)
    reports = tuple(_report(m, lang, day) for m in meetings)
    if lex.partial and not any(r.status in ALERT_STATUSES for r in reports):
        # a place-less guess for a day the rules already report is that meeting
        known = {(r.venue, r.date) for r in reports} | {(None, r.date) for r in reports}
        guess = unverified_meeting(analysed, sentences, mentions, lex, day, known)
        if guess is not None:
            reports = (*reports, guess)  # the rules' past meetings stand beside it
    return Extraction(
        lang=lang,
        actors=_ids(mentions, EntityKind.ACTOR),
        venues=_ids(mentions, EntityKind.VENUE),
        mentions=mentions,
        meetings=reports,
    )


@dataclass(slots=True)
class _Sentence:
    index: int
    start: int
    end: int
    text: str  # the whole analysed text (offsets are absolute)
    folded: str
    mentions: list[Mention]
    is_title: bool
    places: list[tuple[int, str, int]]  # lexicon place phrases in this sentence


def _sentence_events(
    s: _Sentence, lex: Lexicon, published: date | None, order: int
) -> list[_Event]:
    sentence = s.folded[s.start : s.end]
    actors = [m for m in s.mentions if m.kind is EntityKind.ACTOR]
    if not actors and lex.non_talks is not None and lex.non_talks.search(sentence):
        return []  # sport, markets, weather: a venue name alone is not a meeting
    original = s.text[s.start : s.end]
    skip_to = s.start + _dateline_length(original)
    participants = tuple(dict.fromkeys(m.entity_id for m in actors))
    clauses = split_clauses(sentence, lex.clause_breaks)
    found_dates: list[DateMention] = []
    scanned = False

    def weekday_between(c0: int, c1: int) -> bool:
        # the dates are found on first need: most sentences without a cue or a
        # meeting word never ask, and yield no event whatever their dates
        nonlocal scanned
        if not scanned:
            found_dates.extend(scan_dates(original, lex.key, published, sentence))
            scanned = True
        return any(c0 <= d.start < c1 for d in found_dates if d.weekday is not None)

    analysed = [
        (c0, c1, analyse_clause(sentence[c0:c1], lex, partial(weekday_between, c0, c1)))
        for c0, c1 in clauses
    ]
    if not any(sig.cue_spans for _, _, sig in analysed):
        # every clause lacks a status cue and a meeting word (cue_spans holds both):
        # decide_status finds no status in any of them
        return []
    if not scanned:
        found_dates.extend(scan_dates(original, lex.key, published, sentence))
    sentence_dates = found_dates
    tentative = any(sig.tentative for _, _, sig in analysed)
    all_reporting = [
        (s.start + c0 + r0, s.start + c0 + r1)
        for c0, _, sig in analysed
        for r0, r1 in sig.reporting
    ]
    cue_spans = [
        (s.start + c0 + a, s.start + c0 + b) for c0, _, sig in analysed for a, b in sig.cue_spans
    ]
    meeting_spans = [
        (s.start + c0 + a, s.start + c0 + b)
        for c0, _, sig in analysed
        for a, b in sig.meeting_spans
    ]
    meeting_word = bool(meeting_spans)
    commentators: frozenset[str] | None = None  # worked out when an event needs them
    venues: list[tuple[int, str, int]] | None = None  # worked out when a clause needs them
    entity_count = len({m.entity_id for m in s.mentions})
    events: list[_Event] = []
    evidence = ""
    for c0, c1, signals in analysed:
        a0, a1 = s.start + c0, s.start + c1
        dates = resolve_weekdays(
            [d for d in sentence_dates if c0 <= d.start < c1], published, signals.direction
        )
        if c0:  # offsets relative to the clause
            dates = [replace(d, start=d.start - c0, end=d.end - c0) for d in dates]
        dates = [
            d
            for d in dates
            if a0 + d.start >= skip_to and not _attribution(d, signals, sentence[c0:c1], lex)
        ]
        status, from_cue = decide_status(signals, dates, published, sentence[c0:c1], lex.targets)
        if status is None:
            continue
        if status is MeetingStatus.HELD and signals.habitual and not any(d.date for d in dates):
            continue  # "has met Putin in Moscow six times": a series, not one meeting
        # without a meeting word a cue still counts when several watchlist entities
        # are involved; such an event may update a known meeting, not open one
        strong = from_cue and (signals.group == "denied" or entity_count >= 2)
        if not (meeting_word or strong):
            continue
        if venues is None:
            venues = _venues(s, lex, skip_to, all_reporting, cue_spans, meeting_spans)
        clause_venues = [v for v in venues if a0 <= v[0] < a1]
        if (
            signals.originally_at is not None
            and signals.group in (None, "upcoming")
            and not signals.reaffirm
        ):
            # "originally planned for 1 February" / "statt am 28. November": the day
            # right after the phrase is the old one; any other day is the new one
            origin = signals.originally_at
            first = [d for d in _pick_dates(dates, None) if 0 <= d.start - origin <= 60][:1]
            if first:
                events.append(_previous_marker(first[0], s.index, order + len(events)))
                dates = [d for d in dates if d is not first[0] and d.start > first[0].end]
                if not any(d.date for d in dates):
                    continue
        dates = _consistent(dates, status, published)
        if status is MeetingStatus.DENIED:
            # "Peskov on Wednesday denied ...": the day is the denial's
            dates = [d for d in dates if d.kind != WEEKDAY and d.kind != RELATIVE]
        anchor = (signals.cue.start + a0) if signals.cue else a0
        anchor_end = (signals.cue.end + a0) if signals.cue else a0
        previous_venue: str | None = None
        if (
            signals.originally_at is not None
            and signals.cue is not None
            and signals.originally_at < signals.cue.start
            and status in (MeetingStatus.RESCHEDULED, MeetingStatus.POSTPONED)
        ):
            # "first set for last week in Riyadh, now moved to next week"
            origin = a0 + signals.originally_at
            # (a place right after a meeting word names the talks, "rozmowy w
            # Genewie", not where they were first planned)
            old = [
                v
                for v in clause_venues
                if origin <= v[0] < anchor and not _names_the_talks(v, meeting_spans, s.folded)
            ]
            previous_venue = old[-1][1] if old else None
            clause_venues = [v for v in clause_venues if v not in old]
        chosen = _choose_venues(
            clause_venues, anchor, anchor_end, s.folded, lex.connectives.list_gap
        )
        if not chosen and signals.cue is not None and previous_venue is None:
            nearby = [v for v in venues if v[2] <= a0]
            if nearby:  # "..., but the meeting was cancelled": venue in another clause
                chosen = [min(nearby, key=lambda v: abs(v[0] - anchor))[1]]
        near = (
            set()
            if from_cue
            else {  # only tense-only statements need it
                v[1]
                for v in clause_venues
                if any(
                    a0 <= m1 <= v[0]
                    and v[0] - m1 <= _NEAR_MEETING
                    and not _has_verb(s.folded[m1 : v[0]], lex)
                    for _, m1 in meeting_spans
                )
            }
        )
        picked = _pick_dates(dates, signals.cue.start if signals.cue else None)
        previous_date: dt.date | None = None
        if status is MeetingStatus.RESCHEDULED:
            fresh = new_times(signals, dates, sentence[c0:c1], lex.targets)
            picked = [d for d in picked if d in fresh] or _pick_dates(fresh, None)
            # "moved from 28 November to 2 December", "planned for Wednesday, moved to
            # 20 April": a day that is not the new one (a weekday counts too)
            stale = [d for d in dates if d.date is not None and d.kind != VAGUE and d not in fresh]
            replaced = [d for d in stale if d.kind == ABSOLUTE] or stale
            previous_date = replaced[0].date if replaced else None
        vague = next((d for d in dates if d.kind == VAGUE), None)
        evidence = evidence or _WS.sub(" ", original).strip()
        if commentators is None:
            commentators = (
                _commentators(actors, all_reporting, analysed, s, lex) if actors else frozenset()
            )
        time = _clause_time(original, sentence, max(c0, skip_to - s.start), c1, lex.language)
        venue_options: list[str | None] = list(chosen) or [None]
        date_options: list[DateMention | None] = list(picked) or [vague]
        for venue in venue_options:
            for mention in date_options:
                events.append(
                    _Event(
                        order=order + len(events),
                        sentence=s.index,
                        venue=venue,
                        date=mention.date if mention and mention.kind != VAGUE else None,
                        date_end=mention.date_end if mention else None,
                        when_text=mention.text.strip() if mention else None,
                        status=status,
                        from_cue=from_cue,
                        tentative=tentative,
                        confirmed=signals.confirmed,
                        official=signals.official,
                        participants=participants,
                        evidence=evidence,
                        anchored=bool(chosen) or bool(participants),
                        meeting_word=meeting_word,
                        is_title=s.is_title,
                        near_meeting=venue in near,
                        reaffirm=signals.reaffirm,
                        previous_venue=previous_venue,
                        previous_date=previous_date,
                        time=time,
                        commentators=commentators,
                    )
                )
    return events


def _clause_time(original: str, folded: str, c0: int, c1: int, language: str) -> TimeOfDay | None:
    """The time of day a clause states ("at 10:00 local time"), if any."""
    if c0 >= c1:
        return None
    found = find_time_of_day(original[c0:c1], language, folded[c0:c1])
    return found[1] if found else None


def _commentators(
    actors: list[Mention],
    reporting: list[tuple[int, int]],
    analysed: list[tuple[int, int, ClauseSignals]],
    s: _Sentence,
    lex: Lexicon,
) -> frozenset[str]:
    """Actors who speak about the meeting rather than take part in it: the subject of a
    reporting verb or a denial right beside their name ("Peskov said", "Peskov on
    Wednesday denied"), or a name that closes the clause after one ("..., said Peskov.",
    "according to Peskov")."""
    denial = any(sig.group == "denied" for _, _, sig in analysed)
    hedged = any(sig.tentative for _, _, sig in analysed)
    if not actors or not (reporting or denial or hedged):
        return frozenset()  # nobody is quoted: everyone named takes part
    speech = list(reporting)
    speech.extend(
        (s.start + c0 + sig.cue.start, s.start + c0 + sig.cue.end)
        for c0, _, sig in analysed
        if sig.cue is not None and sig.group == "denied"
    )
    starts = [m.start for m in actors]
    found = {
        m.entity_id for m in actors if any(_speaks_before(m, sp, s.folded, starts) for sp in speech)
    }
    # a name closing its clause is rare: only then are the attributions looked for
    closing = [
        m
        for m in actors
        if m.entity_id not in found
        and _CLAUSE_END.match(s.folded[m.end : min(s.end, m.end + 40)]) is not None
    ]
    if closing:
        sources = list(reporting)
        if hedged and lex.hedge is not None:
            sources.extend(h.span() for h in lex.hedge.finditer(s.folded, s.start, s.end))
        found.update(
            m.entity_id for m in closing if any(_quoted_after(m, sp, s.folded) for sp in sources)
        )
    return frozenset(found)


# "Peskov, the Kremlin spokesman, said" / "Peskov, a démenti": an apposition, or the
# comma that closes one opened before the name ("le porte-parole du Kremlin, Peskov,")
_APPOSITION = re.compile(r"^\s*,(?:[^,;.:()«»“”\"]{1,60},)?")
_SPEAKER_GAP_BEFORE = 2  # words between a name and its verb: "Peskov on Wednesday denied"
_SPEAKER_GAP_AFTER = 3  # "according to Kremlin spokesman Dmitry Peskov"
_CLAUSE_END = re.compile(r"^(?:\s*\w+){0,2}\s*(?:[,;.:!?)»“”\"]|$)")


def _speaks_before(mention: Mention, span: tuple[int, int], folded: str, starts: list[int]) -> bool:
    if mention.end > span[0] or any(mention.end <= at < span[0] for at in starts):
        return False  # after the verb, or another name is nearer to it
    gap = _APPOSITION.sub(" ", folded[mention.end : span[0]], count=1)
    return not _CLAUSE_PUNCT.search(gap) and len(_WORD.findall(gap)) <= _SPEAKER_GAP_BEFORE


def _quoted_after(mention: Mention, span: tuple[int, int], folded: str) -> bool:
    if span[1] > mention.start:
        return False
    gap = folded[span[1] : mention.start]
    return not _CLAUSE_PUNCT.search(gap) and len(_WORD.findall(gap)) <= _SPEAKER_GAP_AFTER


def _names_the_talks(
    venue: tuple[int, str, int], meeting_spans: list[tuple[int, int]], folded: str
) -> bool:
    """The place follows a meeting word with at most a preposition between them."""
    return any(
        0 <= venue[0] - end <= 8 and len(folded[end : venue[0]].split()) <= 1
        for _, end in meeting_spans
    )


def _previous_marker(mention: DateMention, sentence: int, order: int) -> _Event:
    """ "Originally planned for <day>": the day a later change moves away from (the
    range and words are kept for a postponement that names no new day)."""
    return _Event(
        order=order,
        sentence=sentence,
        venue=None,
        date=None,
        date_end=mention.date_end,
        when_text=mention.text.strip(),
        status=MeetingStatus.UPCOMING,
        from_cue=False,
        tentative=False,
        confirmed=False,
        official=False,
        participants=(),
        evidence="",
        anchored=False,
        previous_date=mention.date,
    )


# --------------------------------------------------------------------------- helpers


def _place_phrases(folded: str, lex: Lexicon, start: int, end: int) -> list[tuple[int, str, int]]:
    if lex.places_any is None:
        return []
    found = []
    for match in lex.places_any.finditer(folded, start, end):
        at = match.start()
        key = next((k for k, phrase in lex.place_phrases if phrase.match(folded, at, end)), None)
        if key is not None:
            found.append((at, key, match.end()))
    return found


def _starts(lex: Lexicon, name: str, text: str) -> list[int]:
    """Where the lexicon pattern ``name`` (an attribute, or a status group) matches."""
    fast = lex.word_start.get(name)
    if fast is not None:
        return [start for start, _ in word_start_spans(fast, text)]
    pattern: re.Pattern[str] | None = lex.status[name] if name in lex.status else getattr(lex, name)
    return [m.start() for m in pattern.finditer(text)] if pattern is not None else []


def _first_at(positions: list[int], start: int) -> int:
    return bisect_left(positions, start)


def _any_in(positions: list[int], start: int, end: int) -> bool:
    index = bisect_left(positions, start)
    return index < len(positions) and positions[index] < end


def _count_in(positions: list[int], start: int, end: int) -> int:
    return bisect_left(positions, end) - bisect_left(positions, start)


def _ids(mentions: tuple[Mention, ...], kind: EntityKind) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.entity_id for m in mentions if m.kind is kind))


def _dateline_length(sentence: str) -> int:
    """Length of a leading "GENEVA, Feb 17 (Xinhua) -" dateline (0 if none)."""
    match = _DATELINE.match(sentence[:120])
    return match.end() if match else 0


def _venues(
    s: _Sentence,
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
    links = lex.connectives
    raw: list[tuple[int, str, int, bool]] = [
        (m.start, m.entity_id, m.end, False)
        for m in s.mentions
        if m.kind is EntityKind.VENUE and m.start >= skip_to
    ]
    for start, key, end in s.places:
        if start >= skip_to:
            raw.append((start, key, end, True))  # the phrase includes its preposition
    raw.sort()
    kept: list[tuple[int, str, int]] = []
    previous_ok: tuple[int, str, int] | None = None
    for start, key, end, phrase in raw:
        item = (start, key, end)
        if any(k[0] <= start < k[2] for k in kept):
            continue
        before = folded[max(s.start, start - 60) : start]
        # each test only when the ones before it fail (all three are pure)
        ok = (
            phrase
            or _governed(before, lex)
            or any(0 <= c0 - end <= 2 for c0, _ in meeting_spans)
            or any(
                links.genitive_link.fullmatch(folded[c1:start])
                for _, c1 in meeting_spans
                if c1 <= start
            )
            or (previous_ok is not None and links.list_gap.match(folded[previous_ok[2] : start]))
        )
        if not ok:
            continue
        if any(0 <= start - r1 <= 45 and not _between(cues, r1, start) for _, r1 in reporting):
            continue
        if links.alternative_after.match(folded, end) or links.alternative_before.search(
            before[-24:]
        ):
            continue  # "in Switzerland or Turkey": candidates, not the venue
        kept.append(item)
        previous_ok = item
    watch = [k for k in kept if not k[1].startswith("other:")]
    if watch:
        return [k for k in kept if k[1] in {w[1] for w in watch} or not k[1].startswith("other:")]
    return kept


def _governed(before: str, lex: Lexicon) -> bool:
    """A locative preposition at most four words before, with no clause punctuation,
    meeting word or other place in between ("in the Hungarian capital Budapest" yes,
    "в ОАЭ переговоры Москвы" no)."""
    if lex.locatives is None:
        return False
    tail = _CLAUSE_PUNCT.split(before)[-1]
    matches = list(lex.locatives.finditer(tail))
    if not matches:
        return False
    rest = tail[matches[-1].end() :]
    if len(rest.split()) > 4:
        return False
    return not (lex.meeting is not None and lex.meeting.search(rest))


def _between(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start <= c0 and c1 <= end for c0, c1 in spans)


def _choose_venues(
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


def _attribution(mention: DateMention, signals: ClauseSignals, clause: str, lex: Lexicon) -> bool:
    """True for the day of a statement: "said on Friday", "2 March Zelensky reported"."""
    if mention.kind == VAGUE:
        return False
    for r_start, r_end in signals.reporting:
        if r_end <= mention.start:
            gap = clause[r_end : mention.start]
            if len(_WORD.findall(gap)) <= _ATTRIBUTION_WORDS and not _has_cue(gap, lex):
                return True
        elif mention.end <= r_start:
            gap = clause[mention.end : r_start]
            lead = clause[: mention.start]
            if len(_WORD.findall(gap)) <= 3 and not _has_cue(gap, lex) and not _has_cue(lead, lex):
                return True
    return False


def _consistent(
    dates: list[DateMention], status: MeetingStatus, published: date | None
) -> list[DateMention]:
    """Drop days that contradict the status: a held meeting is not in the future, an
    expected one not in the past (such a day dates something else, e.g. the
    announcement in "had announced last Thursday a meeting within two weeks")."""
    if published is None:
        return dates
    if status is MeetingStatus.HELD:
        return [d for d in dates if d.date is None or d.date <= published]
    if status in (MeetingStatus.UPCOMING, MeetingStatus.RESCHEDULED):
        return [d for d in dates if d.date is None or (d.date_end or d.date) >= published]
    return dates


def _has_verb(text: str, lex: Lexicon) -> bool:
    """A status cue or a tensed verb form: the text is more than a noun phrase."""
    if any(p is not None and p.search(text) for p in lex.status.values()):
        return True
    return any(p is not None and p.search(text) for p in (lex.past, lex.future))


def _has_cue(text: str, lex: Lexicon) -> bool:
    if lex.meeting is not None and lex.meeting.search(text):
        return True
    return any(p is not None and p.search(text) for p in lex.status.values())


def _pick_dates(dates: list[DateMention], cue: int | None) -> list[DateMention]:
    """Day-precise dates of a clause: every absolute one, else the relative one nearest the cue."""
    absolute = [d for d in dates if d.kind == ABSOLUTE and d.date is not None]
    if absolute:
        return list({(d.date, d.date_end): d for d in absolute}.values())
    relative = [d for d in dates if d.kind in (RELATIVE, WEEKDAY) and d.date is not None]
    if not relative:
        return []
    if cue is None:
        return [relative[0]]
    return [min(relative, key=lambda d: abs(d.start - cue))]


# --------------------------------------------------------------------------- merging


def _compatible_dates(meeting: _Meeting, event: _Event) -> bool:
    if meeting.date is None or event.date is None:
        return True
    if meeting.date == event.date:
        return True
    m_end = meeting.date_end or meeting.date
    e_end = event.date_end or event.date
    return meeting.date <= e_end and event.date <= m_end


def _same_class(meeting: _Meeting, event: _Event) -> bool:
    return meeting.past == (event.status is MeetingStatus.HELD)


_CHANGES = frozenset(
    {
        MeetingStatus.CANCELLED,
        MeetingStatus.DENIED,
        MeetingStatus.POSTPONED,
        MeetingStatus.RESCHEDULED,
    }
)


def _target(meetings: list[_Meeting], event: _Event) -> _Meeting | None:
    """The meeting an event talks about, if it is one already known."""
    candidates: list[_Meeting] = []
    for meeting in meetings:
        if not _same_class(meeting, event):
            if _restates_title(meeting, event) or (
                not event.from_cue
                and event.venue is not None
                and meeting.venue == event.venue
                and _compatible_dates(meeting, event)
            ):
                # a tense-only statement is too weak to start a second meeting
                # at a place that already has one
                candidates.append(meeting)
            continue
        if event.venue is not None:
            if meeting.venue == event.venue and _compatible_dates(meeting, event):
                candidates.append(meeting)
            elif (
                meeting.venue is None
                and _compatible_dates(meeting, event)
                and (
                    (event.date is not None and meeting.date == event.date)
                    or set(event.participants) & set(meeting.participants)
                )
            ):
                candidates.append(meeting)  # the same meeting, now with its place
        elif event.status in _CHANGES or _compatible_dates(meeting, event):
            candidates.append(meeting)
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.last_sentence)


def _restates_title(meeting: _Meeting, event: _Event) -> bool:
    """A body statement about the headline's meeting, whose status it corrects
    ("X to meet in Florida" over a report that the meeting began there today)."""
    return (
        meeting.from_title
        and not event.is_title
        and event.venue is not None
        and meeting.venue == event.venue
        and meeting.date is None
        and event.date is not None
        and meeting.published_near(event.date)
    )


def _merge(events: list[_Event], published: date | None) -> list[_Meeting]:
    meetings: list[_Meeting] = []
    planned: _Event | None = None  # the last unused "originally planned for <day>" marker
    for event in events:
        if event.previous_date is not None and event.evidence == "":
            planned = event
            continue
        target = _target(meetings, event)
        if target is None:
            if not _may_open(event):
                continue
            target = _Meeting(
                venue=event.venue,
                date=event.date,
                date_end=event.date_end,
                when_text=event.when_text,
                status=event.status,
                from_cue=event.from_cue,
                evidence=event.evidence,
                last_sentence=event.sentence,
                tentative=event.tentative,
                from_title=event.is_title,
                previous_venue=event.previous_venue,
                previous_date=event.previous_date,
                published=published,
            )
            meetings.append(target)
        else:
            _combine(target, event)
        target.confirmed = target.confirmed or event.confirmed
        target.official = target.official or event.official
        for actor in event.participants:
            target.participants.setdefault(actor)
            if actor not in event.commentators:
                target.named.setdefault(actor)
        if event.time is not None and (target.time is None or target.date == event.date):
            target.time = event.time
        target.last_sentence = event.sentence
        if planned is None or planned.previous_date is None:
            continue
        if event.sentence - planned.sentence > 2 or target.past:
            continue
        if target.date is not None and target.date != planned.previous_date:
            target.previous_date = planned.previous_date
            if target.status in (MeetingStatus.UPCOMING, MeetingStatus.POSTPONED):
                target.status = MeetingStatus.RESCHEDULED  # a new day replaces the old
            planned = None
        elif (
            target.date is None
            and event.sentence > planned.sentence
            and event.status in (MeetingStatus.POSTPONED, MeetingStatus.CANCELLED)
        ):
            # "was planned for 5-9 March ... the meeting is postponed": no new day, so
            # the meeting keeps the day it was planned for
            target.date, target.date_end = planned.previous_date, planned.date_end
            target.when_text = planned.when_text
            planned = None
    return _fold_placeless(meetings)


def _fold_placeless(meetings: list[_Meeting]) -> list[_Meeting]:
    """A meeting without a place joins the article's only meeting with one when both
    say the same ("talks postponed" in the headline, "the Abu Dhabi talks were
    postponed" in the body)."""
    placed = [m for m in meetings if m.venue is not None]
    if len(placed) != 1 or len(placed) == len(meetings):
        return meetings
    host = placed[0]
    kept: list[_Meeting] = []
    for meeting in meetings:
        # not people of their own ("before the summit, Lavrov will meet Rubio")
        other_people = (
            bool(meeting.participants)
            and bool(host.participants)
            and meeting.participants.keys().isdisjoint(host.participants)
        )
        if (
            meeting.venue is None
            and meeting.status is host.status
            and (meeting.date is None or (host.date is not None and meeting.date == host.date))
            and not other_people
        ):
            for actor in meeting.participants:
                host.participants.setdefault(actor)
            for actor in meeting.named:
                host.named.setdefault(actor)
            host.time = host.time or meeting.time
            host.tentative = host.tentative or meeting.tentative
            host.confirmed = host.confirmed or meeting.confirmed
            host.official = host.official or meeting.official
            continue
        kept.append(meeting)
    return kept


def _headline_venue(meetings: list[_Meeting], title_mentions: list[Mention]) -> None:
    """Rule *headline venue*: a headline about talks that places them in one venue
    (a locative preposition governs it: "Talks in Geneva") gives it to the article's
    only meeting when the body names none ("Witkoff and Umerov will meet next week")."""
    venues = {m.entity_id for m in title_mentions if m.kind is EntityKind.VENUE}
    if len(venues) != 1 or len(meetings) != 1 or meetings[0].venue is not None:
        return
    meetings[0].venue = venues.pop()


def _may_open(event: _Event) -> bool:
    """Whether an event that joins no known meeting starts a new one.

    It needs a meeting word (or a venue and an actor with a cue) and something to
    hang on: a venue, or - for a place-less meeting - an explicit status cue.
    """
    if not event.meeting_word and not (event.venue is not None and event.participants):
        return False
    if not event.from_cue:
        # tense alone is weak evidence: it needs a place plus a day or "talks in <place>"
        return event.venue is not None and (event.date is not None or event.near_meeting)
    if event.venue is not None:
        return True
    if event.status is MeetingStatus.HELD:
        return event.anchored and event.date is not None
    return event.anchored or event.status is not MeetingStatus.UPCOMING


def _set_status(meeting: _Meeting, event: _Event) -> None:
    # a denial answers a report: the report's hedging stays with the meeting
    inherited = meeting.tentative and event.status is MeetingStatus.DENIED
    meeting.status, meeting.evidence = event.status, event.evidence
    meeting.tentative = event.tentative or inherited
    meeting.from_title = event.is_title
    meeting.from_cue = meeting.from_cue or event.from_cue


def _combine(meeting: _Meeting, event: _Event) -> None:
    if not _same_class(meeting, event):
        if not _restates_title(meeting, event):
            return  # a weak statement about a meeting of the other kind adds nothing
        _set_status(meeting, event)
        meeting.date, meeting.date_end = event.date, event.date_end
        meeting.when_text = event.when_text or meeting.when_text
        return
    if meeting.venue is None and event.venue is not None:
        meeting.venue = event.venue
    if meeting.previous_venue is None and event.previous_venue is not None:
        meeting.previous_venue = event.previous_venue
    if meeting.previous_date is None and event.previous_date is not None:
        meeting.previous_date = event.previous_date
    moved = event.status in (MeetingStatus.RESCHEDULED, MeetingStatus.POSTPONED)
    if event.date is not None:
        if meeting.date is None:
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text = event.when_text
            # the day comes from this statement: its hedging is the meeting's
            meeting.tentative = meeting.tentative or event.tentative
        elif meeting.date != event.date and moved:
            meeting.previous_date = meeting.date
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text = event.when_text
        elif meeting.date_end is None and event.date_end is not None:
            meeting.date_end = event.date_end
    elif meeting.when_text is None and event.when_text:
        meeting.when_text = event.when_text
    if event.reaffirm and event.status is MeetingStatus.UPCOMING:
        if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.POSTPONED):
            _set_status(meeting, event)
        return
    if not event.from_cue:
        if not meeting.from_cue and event.tentative:
            meeting.tentative = True
        return
    if meeting.from_title and not event.is_title:
        both_moved = {event.status, meeting.status} == {
            MeetingStatus.POSTPONED,
            MeetingStatus.RESCHEDULED,
        }
        if event.status is meeting.status or both_moved:
            meeting.from_title = False  # the body confirms its headline
            # headlines drop attributions: the body's "according to Axios" hedges it
            meeting.tentative = meeting.tentative or event.tentative
            if (
                meeting.status is MeetingStatus.POSTPONED
                and event.status is MeetingStatus.RESCHEDULED
                and event.date is not None
            ):
                _set_status(meeting, event)  # ... and names the new day
            return
        if event.status in _CHANGES:
            # the body states a change more precisely than its headline
            # ("cancelled" over a body saying "postponed indefinitely")
            _set_status(meeting, event)
            return
    if event.is_title and not meeting.from_title and meeting.from_cue:
        return
    if _RANK[event.status] > _RANK[meeting.status] or not meeting.from_cue:
        _set_status(meeting, event)
    elif (
        meeting.status is MeetingStatus.POSTPONED
        and event.status is MeetingStatus.RESCHEDULED
        and event.date is not None
    ):
        _set_status(meeting, event)  # "moved; the new date is 2 December"


def _only_vague(when_text: str, lang: str, published: date | None) -> bool:
    """The words name a vague time ("next week"), not a day that was set aside."""
    found = scan_dates(when_text, lang, published)
    return bool(found) and all(d.kind == VAGUE for d in found)


def _report(meeting: _Meeting, lang: str, published: date | None) -> MeetingReport:
    period = None
    if (
        meeting.date is None
        and meeting.when_text
        and _only_vague(meeting.when_text, lang, published)
    ):
        period = vague_period(meeting.when_text, lang, published)
    return MeetingReport(
        venue=meeting.venue,
        date=meeting.date,
        date_end=meeting.date_end,
        status=meeting.status,
        tentative=meeting.tentative and not meeting.confirmed,
        participants=tuple(p for p in meeting.participants if p in meeting.named),
        previous_date=meeting.previous_date,
        previous_venue=meeting.previous_venue,
        when_text=meeting.when_text,
        evidence=meeting.evidence,
        official=meeting.official,
        time=meeting.time,
        period=period,
    )
