"""Stage *statements*: what each clause of a sentence says about a meeting.

A sentence that passed the sentence gate is cut into clauses (``clauses``); each
clause's cues (``status``), days (``dates``) and places (``venues``) make zero or
more :class:`Statement` s, which ``merge`` combines into the article's meetings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache, partial

from bot.extract.clauses import relative_clause_of_place, split_clauses
from bot.extract.commentators import commentators_of
from bot.extract.dates import (
    ABSOLUTE,
    RELATIVE,
    VAGUE,
    WEEKDAY,
    DateMention,
    attribution,
    consistent_days,
    day_adjective,
    days_of_a_span,
    pick_dates,
    resolve_weekdays,
    scan_dates,
)
from bot.extract.lexicons import Lexicon, alternation, entries_between, load_lexicon
from bot.extract.periods import vague_period
from bot.extract.sentences import Sentence
from bot.extract.status import (
    ClauseSignals,
    analyse_clause,
    decide_status,
    new_times,
    period_side,
)
from bot.extract.timeofday import find_time_of_day, names_an_hour
from bot.extract.venues import (
    CLAUSE_PUNCT,
    choose_venues,
    dateline_length,
    has_verb,
    names_the_talks,
    sentence_venues,
)
from bot.models import EntityKind, MeetingStatus, Mention, TimeOfDay

_NEAR_MEETING = 80  # characters from a meeting word to the venue it governs

Span = tuple[int, int]
Place = tuple[int, str, int]  # (start, venue id, end)


@dataclass(slots=True)
class Statement:
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
    moved: bool = False  # the status comes from a move cue ("postponed", "przełożone")
    past_plan: bool = False  # a change of a plan for a past time ("last weekend's talks")
    again: bool = False  # the meeting is said to happen again ("meet with them again")
    # the days a vague time spans ("early March"), when the statement has no day
    period: tuple[dt.date, dt.date] | None = None


@dataclass(slots=True)
class _SentenceReading:
    """What every clause of one sentence shares; venues and commentators are worked
    out when a clause first needs them."""

    s: Sentence
    lex: Lexicon
    published: date | None
    folded: str  # the folded sentence
    original: str  # the sentence as written
    skip_to: int  # absolute offset after a dateline
    actors: list[Mention]
    analysed: list[tuple[int, int, ClauseSignals]]
    dates: list[DateMention]
    reporting: list[Span]
    cue_spans: list[Span]
    meeting_spans: list[Span]
    venues: list[Place] | None = None
    commentators: frozenset[str] | None = None
    evidence_text: str | None = None

    @property
    def participants(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.entity_id for m in self.actors))

    @property
    def tentative(self) -> bool:
        return any(sig.tentative for _, _, sig in self.analysed)

    def evidence(self) -> str:
        """The sentence as written, on one line (the same for each of its statements)."""
        if self.evidence_text is None:
            # split() and \s cut at the same (Unicode) spaces; join is faster than re.sub
            self.evidence_text = " ".join(self.original.split())
        return self.evidence_text

    def sentence_venues(self) -> list[Place]:
        if self.venues is None:
            self.venues = sentence_venues(
                self.s, self.lex, self.skip_to, self.reporting, self.cue_spans, self.meeting_spans
            )
        return self.venues

    def speakers(self) -> frozenset[str]:
        if self.commentators is None:
            self.commentators = (
                commentators_of(self.actors, self.reporting, self.analysed, self.s, self.lex)
                if self.actors
                else frozenset()
            )
        return self.commentators


def sentence_statements(
    s: Sentence, lex: Lexicon, published: date | None, order: int
) -> list[Statement]:
    """The statements of one sentence, numbered from ``order``."""
    reading = _read_sentence(s, lex, published)
    if reading is None:
        return []
    statements: list[Statement] = []
    for c0, c1, signals in reading.analysed:
        statements.extend(clause_statements(reading, c0, c1, signals, order + len(statements)))
    return statements


def _read_sentence(s: Sentence, lex: Lexicon, published: date | None) -> _SentenceReading | None:
    """The sentence's clauses with their cues, and its days; None when no clause has a
    status cue or a meeting word, or the sentence is about sport, markets or weather."""
    sentence = s.folded[s.start : s.end]
    actors = [m for m in s.mentions if m.kind is EntityKind.ACTOR]
    if not actors and lex.non_talks is not None and lex.non_talks.search(sentence):
        return None  # sport, markets, weather: a venue name alone is not a meeting
    original = s.text[s.start : s.end]
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

    relatives = _relative_clauses(s, sentence, lex.language) if ", " in sentence else []
    analysed = [
        (c0, c1, analyse_clause(sentence[c0:c1], lex, partial(weekday_between, c0, c1)))
        for c0, c1 in split_clauses(sentence, lex.clause_breaks, relatives)
    ]
    if not any(sig.cue_spans for _, _, sig in analysed):
        # every clause lacks a status cue and a meeting word (cue_spans holds both):
        # decide_status finds no status in any of them
        return None
    if not scanned:
        found_dates.extend(scan_dates(original, lex.key, published, sentence))

    def absolute(attr: str) -> list[Span]:
        return [
            (s.start + c0 + a, s.start + c0 + b)
            for c0, _, sig in analysed
            for a, b in getattr(sig, attr)
        ]

    return _SentenceReading(
        s=s,
        lex=lex,
        published=published,
        folded=sentence,
        original=original,
        skip_to=s.start + dateline_length(original),
        actors=actors,
        analysed=analysed,
        dates=found_dates,
        reporting=absolute("reporting"),
        cue_spans=absolute("cue_spans"),
        meeting_spans=absolute("meeting_spans"),
    )


def clause_statements(
    r: _SentenceReading, c0: int, c1: int, signals: ClauseSignals, order: int
) -> list[Statement]:
    """The statements of one clause (none, one, or one per venue and day)."""
    clause = r.folded[c0:c1]
    dates, others = _others_days(r, c0, c1, signals, _clause_dates(r, c0, c1, signals))
    statements = other_place_statements(r, others, order)
    order += len(statements)
    status, from_cue = decide_status(
        signals, dates, r.published, clause, r.lex.targets, r.lex.language
    )
    if status is None or not passes_gate(r, signals, status, from_cue, dates):
        return statements
    a0, a1 = r.s.start + c0, r.s.start + c1
    clause_venues = [v for v in r.sentence_venues() if a0 <= v[0] < a1]
    clause_venues = set_aside_earlier_meetings(r, clause_venues, status, (a0, a1), statements)
    if (
        signals.originally_at is not None
        and signals.group in (None, "upcoming")
        and not signals.reaffirm
    ):
        marker, dates = originally_planned(dates, signals.originally_at)
        if marker is not None:
            statements.append(previous_marker(marker, r.s.index, order))
            if not any(d.date for d in dates):
                return statements
    dates = consistent_days(dates, status, r.published)
    if status is MeetingStatus.DENIED:
        # "Peskov on Wednesday denied ...": the day is the denial's
        dates = [d for d in dates if d.kind != WEEKDAY and d.kind != RELATIVE]
    anchor = (signals.cue.start + a0) if signals.cue else a0
    anchor_end = (signals.cue.end + a0) if signals.cue else a0
    previous_venue, clause_venues = first_planned_venue(
        r, clause_venues, signals, status, a0, anchor
    )
    chosen = choose_venues(
        clause_venues, anchor, anchor_end, r.s.folded, r.lex.connectives.list_gap
    )
    if not chosen and signals.cue is not None and previous_venue is None:
        chosen = _venue_of_earlier_clause(r, a0, anchor)
    near = set() if from_cue else talks_at_place(r, clause_venues, a0)
    picked, previous_date = _new_and_old_days(signals, dates, status, clause, r.lex)
    picked = [days_of_a_span(d, clause, signals.meeting_spans, r.lex.language) for d in picked]
    vague = next((d for d in dates if d.kind == VAGUE), None)
    stated = _clause_time(r, c0, c1)
    time = stated[1] if stated else None
    if not picked and vague is None and status is not MeetingStatus.DENIED:
        picked = time_alone(stated, r.published)
    base = Statement(
        order=0,
        sentence=r.s.index,
        venue=None,
        date=None,
        date_end=None,
        when_text=None,
        status=status,
        from_cue=from_cue,
        tentative=r.tentative,
        confirmed=signals.confirmed,
        official=signals.official,
        participants=r.participants,
        evidence=r.evidence(),
        anchored=bool(chosen) or bool(r.participants) or time_ahead(status, picked, vague, r),
        meeting_word=bool(r.meeting_spans),
        is_title=r.s.is_title,
        reaffirm=signals.reaffirm,
        previous_venue=previous_venue,
        previous_date=previous_date,
        time=time,
        commentators=r.speakers(),
        moved=signals.group == "moved",
        past_plan=change_of_past_plan(status, clause, r.lex.language),
        again=not chosen and _says_again(clause, r.lex.language),
    )
    venue_options: list[str | None] = list(chosen) or [None]
    date_options: list[DateMention | None] = list(picked) or [vague]
    span = period_days(vague, r) if not picked else None
    for venue in venue_options:
        for mention in date_options:
            statements.append(_placed(base, order + len(statements), venue, mention, near, span))
    return statements


def period_days(vague: DateMention | None, r: _SentenceReading) -> tuple[dt.date, dt.date] | None:
    """The days the clause's vague time spans ("early March": 1-10 March), when the
    publication day tells them (rule *periods apart*, ``merge._compatible_dates``)."""
    if vague is None or r.published is None:
        return None
    found = vague_period(vague.text, r.lex.language, r.published)
    if found.start is None or found.end is None:
        return None
    return found.start, found.end


def time_ahead(
    status: MeetingStatus,
    picked: list[DateMention],
    vague: DateMention | None,
    r: _SentenceReading,
) -> bool:
    """Rule *time ahead anchors a plan*: a meeting ahead that a sentence dates after
    publication - a day, or a vague period lying wholly ahead ("in the coming weeks",
    "a következő hetekben") - is one the article reports, though the sentence names no
    tracked person or place ("Washington wants to hold these talks in the coming weeks"):
    the time anchors it as a person would."""
    if status is not MeetingStatus.UPCOMING or r.published is None:
        return False
    published = r.published
    if any(d.date is not None and d.date > published for d in picked):
        return True
    return vague is not None and period_side([vague], published, r.lex.language) > 0


def set_aside_earlier_meetings(
    r: _SentenceReading,
    clause_venues: list[Place],
    status: MeetingStatus,
    clause: Span,
    statements: list[Statement],
) -> list[Place]:
    """Rule *earlier meeting*: a place that follows a meeting word governed by "after"
    (lexicon ``after_words``: "after talks in Moscow", "nach seinem Treffen mit Putin in
    Moskau", "після переговорів у росії") is that earlier meeting's, not the place of the
    plan or change the clause reports ("after talks in Moscow, Witkoff cancelled his
    meeting with Zelensky"): it is set aside, and beside a change makes a held meeting of
    its own there (no day: the clause's days are its own meeting's). A clause reporting a
    held meeting keeps it ("after the talks in Geneva ended on Tuesday"). Returns the
    clause's other venues; the earlier meetings' statements are added to ``statements``."""
    if status is MeetingStatus.HELD or not clause_venues or not r.meeting_spans:
        return clause_venues
    pattern = _after_words(r.lex.language)
    if pattern is None:
        return clause_venues
    a0, a1 = clause
    folded = r.s.folded
    earlier = [
        v
        for m0, m1 in r.meeting_spans
        if a0 <= m0 < a1 and pattern.search(folded, max(a0, m0 - 32), m0)
        for v in clause_venues
        if 0 <= v[0] - m1 <= _EARLIER_REACH
        and not CLAUSE_PUNCT.search(folded, m1, v[0])
        and not has_verb(folded[m1 : v[0]], r.lex)
    ]
    # only a change is reported after the fact: before a plan, the earlier talks may
    # still be ahead too ("after the talks in Geneva, Witkoff will meet Zelensky")
    changed = status is not MeetingStatus.UPCOMING
    for venue in dict.fromkeys(v[1] for v in earlier if changed):
        statements.append(
            side_meeting(r, len(statements), venue, MeetingStatus.HELD, None, near_meeting=True)
        )
    return [v for v in clause_venues if v not in earlier]


def side_meeting(
    r: _SentenceReading,
    order: int,
    venue: str,
    status: MeetingStatus,
    mention: DateMention | None,
    *,
    near_meeting: bool = False,
) -> Statement:
    """A meeting the clause mentions beside the one its cues are about (another place's
    day, an earlier meeting): its status from the day or the rule, not from a cue."""
    return Statement(
        order=order,
        sentence=r.s.index,
        venue=venue,
        date=mention.date if mention else None,
        date_end=mention.date_end if mention else None,
        when_text=mention.text.strip() if mention else None,
        status=status,
        from_cue=False,
        tentative=r.tentative,
        confirmed=False,
        official=False,
        participants=r.participants,
        evidence=r.evidence(),
        anchored=True,
        meeting_word=True,
        is_title=r.s.is_title,
        near_meeting=near_meeting,
    )


_EARLIER_REACH = 40  # characters from the earlier meeting's word to its place


def _after_words(language: str) -> re.Pattern[str] | None:
    """ "After" with up to two words before the meeting word it governs ("after his")."""
    return entries_between(language, "after_words", r"(?<!\w)", r"\s+(?:[\w']+\s+){0,2}$")


def _placed(
    base: Statement,
    order: int,
    venue: str | None,
    mention: DateMention | None,
    near: set[str],
    period: tuple[dt.date, dt.date] | None = None,
) -> Statement:
    """``base`` with its number, one of its venues and one of its days. (Written out:
    ``dataclasses.replace`` looks the fields up on every call, and this runs for every
    statement.)"""
    b = base
    return Statement(
        order,
        b.sentence,
        venue,
        mention.date if mention and mention.kind != VAGUE else None,
        mention.date_end if mention else None,
        mention.text.strip() if mention else None,
        b.status,
        b.from_cue,
        b.tentative,
        b.confirmed,
        b.official,
        b.participants,
        b.evidence,
        b.anchored,
        b.meeting_word,
        b.is_title,
        venue in near,
        b.reaffirm,
        b.previous_date,
        b.previous_venue,
        b.time,
        b.commentators,
        b.moved,
        b.past_plan,
        b.again,
        period,
    )


def _venue_of_earlier_clause(r: _SentenceReading, a0: int, anchor: int) -> list[str]:
    """ "..., but the meeting was cancelled": the venue is in an earlier clause."""
    nearby = [v for v in r.sentence_venues() if v[2] <= a0]
    return [min(nearby, key=lambda v: abs(v[0] - anchor))[1]] if nearby else []


_PLACE_REACH = 25  # characters between a day and the place it stands beside


def _others_days(
    r: _SentenceReading, c0: int, c1: int, signals: ClauseSignals, dates: list[DateMention]
) -> tuple[list[DateMention], list[tuple[DateMention, str]]]:
    """The clause's days apart from those of another place's meeting (rule *day of
    another place*, judged against the venue the clause's cue points to), and those."""
    if not dates:
        return dates, []
    a0, a1 = r.s.start + c0, r.s.start + c1
    places = [v for v in r.sentence_venues() if a0 <= v[0] < a1]
    if len(places) < 2:
        return dates, []
    anchor = (signals.cue.start + a0) if signals.cue else a0
    anchor_end = (signals.cue.end + a0) if signals.cue else a0
    chosen = choose_venues(places, anchor, anchor_end, r.s.folded, r.lex.connectives.list_gap)
    kept: list[DateMention] = []
    others: list[tuple[DateMention, str]] = []
    for mention in dates:
        other = day_of_another_place(mention, a0, places, chosen)
        if other is None:
            kept.append(mention)
        elif mention.kind == ABSOLUTE and mention.date is not None:
            others.append((mention, other))
    return kept, others


def day_of_another_place(
    mention: DateMention, a0: int, clause_venues: list[Place], chosen: list[str]
) -> str | None:
    """Rule *day of another place*: in "the second round in Rome, after the first on 12
    April in Oman" the day stands right beside Oman, not beside the place the clause's
    meeting is in: it dates Oman's meeting, not Rome's. Returns that other place."""
    if not chosen or len(clause_venues) < 2:
        return None
    start, end = a0 + mention.start, a0 + mention.end

    def gap(place: Place) -> int:
        return max(place[0] - end, start - place[2], 0)

    nearest = min(clause_venues, key=gap)
    if nearest[1] in chosen or gap(nearest) > _PLACE_REACH:
        return None
    if all(gap(v) > gap(nearest) for v in clause_venues if v[1] in chosen):
        return nearest[1]
    return None


def other_place_statements(
    r: _SentenceReading, others: list[tuple[DateMention, str]], order: int
) -> list[Statement]:
    """The meetings that another place's days date (rule *day of another place*): held
    when the day is past, upcoming when it is ahead, by the day alone (the clause's cues
    are about its own meeting)."""
    if r.published is None or not r.meeting_spans:
        return []
    statements: list[Statement] = []
    for mention, venue in others:
        assert mention.date is not None
        if mention.date == r.published:
            continue
        past = mention.date < r.published
        status = MeetingStatus.HELD if past else MeetingStatus.UPCOMING
        statements.append(side_meeting(r, order + len(statements), venue, status, mention))
    return statements


def _clause_dates(
    r: _SentenceReading, c0: int, c1: int, signals: ClauseSignals
) -> list[DateMention]:
    """The clause's days (offsets relative to the clause), weekdays resolved by its
    tense, without a dateline's day, the day of a statement (rule *attribution*) or
    an adjective of a day that qualifies no meeting word (rule *day adjectives*).
    Rule *day of the journey*: a weekday beside a past journey to meet ("flew to Miami on
    Tuesday for talks") is the journey's, in the past, though the meeting is ahead."""
    a0 = r.s.start + c0
    meetings = [(m0 - r.s.start, m1 - r.s.start) for m0, m1 in r.meeting_spans]
    direction = -1 if signals.journey_ahead else signals.direction
    dates = resolve_weekdays(
        [d for d in r.dates if c0 <= d.start < c1 and day_adjective(d, r.folded, meetings)],
        r.published,
        direction,
    )
    if c0:  # offsets relative to the clause
        dates = [replace(d, start=d.start - c0, end=d.end - c0) for d in dates]
    clause = r.folded[c0:c1]
    return [
        d for d in dates if a0 + d.start >= r.skip_to and not attribution(d, signals, clause, r.lex)
    ]


def passes_gate(
    r: _SentenceReading,
    signals: ClauseSignals,
    status: MeetingStatus,
    from_cue: bool,
    dates: list[DateMention],
) -> bool:
    """Rule *gate*: a statement needs a meeting word in its sentence, or a status cue
    with at least two watchlist entities (or a denial); a past meeting said to recur
    with no day that pins one down is a series, not a meeting (rule *repetition*), and
    a plan for a past day no meeting ahead (rule *plan for a past day*)."""
    if status is MeetingStatus.HELD and signals.habitual and not any(d.date for d in dates):
        return False  # "has met Putin in Moscow six times": a series, not one meeting
    if plan_for_a_past_day(signals, dates, status, r.published):
        return False  # a plan whose day has passed is no meeting ahead
    # without a meeting word a cue still counts when several watchlist entities
    # are involved; such an event may update a known meeting, not open one
    entity_count = len({m.entity_id for m in r.s.mentions})
    strong = from_cue and (signals.group == "denied" or entity_count >= 2)
    return bool(r.meeting_spans) or strong


def plan_for_a_past_day(
    signals: ClauseSignals, dates: list[DateMention], status: MeetingStatus, published: date | None
) -> bool:
    """Rule *plan for a past day*: a planning cue followed only by days before
    publication ("tiene planeada una reunión el viernes 31 de enero" published on 1
    February) reports a plan whose day has passed, not a meeting ahead: the clause opens
    no upcoming meeting (whether it took place, the text does not say)."""
    cue = signals.cue
    if status is not MeetingStatus.UPCOMING or cue is None or published is None:
        return False
    if cue.group != "upcoming" or signals.originally_at is not None:
        return False
    days = [d for d in dates if d.date is not None and d.start >= cue.start]
    return (
        bool(days)
        and all(d.kind == ABSOLUTE for d in days)
        and all((d.date_end or d.date) < published for d in days if d.date is not None)
        and not any(d.date >= published for d in dates if d.date is not None)
    )


def change_of_past_plan(status: MeetingStatus, clause: str, language: str) -> bool:
    """A cancellation or postponement in a clause that names a past time ("the talks
    planned for last weekend did not go ahead"): the plan it changes was for a time
    already gone (see ``merge.earlier_plan_called_off``)."""
    if status not in (MeetingStatus.CANCELLED, MeetingStatus.POSTPONED):
        return False
    pattern = _last_modifiers(language)
    return pattern is not None and pattern.search(clause) is not None


def _says_again(clause: str, language: str) -> bool:
    pattern = _again_words(language)
    return pattern is not None and pattern.search(clause) is not None


@lru_cache(maxsize=64)
def _again_words(language: str) -> re.Pattern[str] | None:
    return alternation(load_lexicon(language).raw["again"])


def _relative_clauses(s: Sentence, sentence: str, language: str) -> list[int]:
    """Where relative clauses of the sentence's places start and end (rule *relative
    clause of a place*)."""
    pronouns = _relative_pronouns(language)
    if pronouns is None:
        return []
    ends = [m.end - s.start for m in s.mentions if m.kind is EntityKind.VENUE]
    ends.extend(end - s.start for _, _, end in s.places)
    return relative_clause_of_place(sentence, ends, pronouns) if ends else []


def _relative_pronouns(language: str) -> re.Pattern[str] | None:
    """A comma and a relative pronoun right after a place (the place's word may run on
    in an ending: "Genewie, gdzie")."""
    return entries_between(language, "relative_pronouns", r"[\w']*\s*,\s+", r"(?!\w)")


@lru_cache(maxsize=64)
def _last_modifiers(language: str) -> re.Pattern[str] | None:
    return alternation(load_lexicon(language).raw["weekday_modifiers"]["last"])


def originally_planned(
    dates: list[DateMention], origin: int
) -> tuple[DateMention | None, list[DateMention]]:
    """Rule *originally planned*: in "originally planned for 1 February" / "statt am
    28. November" the day right after the phrase is the old one; any other day (after
    it, or before it: "am Mittwoch und nicht wie ursprünglich geplant am Sonntag") is
    the new one. Returns the old day, if any, and the days left."""
    first = [d for d in pick_dates(dates, None) if 0 <= d.start - origin <= 60][:1]
    if not first:
        return _contrasted_before(dates, origin)
    old = first[0]
    return old, [d for d in dates if d is not old]


def _contrasted_before(
    dates: list[DateMention], origin: int
) -> tuple[DateMention | None, list[DateMention]]:
    """ "Resume on Wednesday, not on Sunday as originally planned" / "w środę, a nie w
    niedzielę, jak pierwotnie planowano": with no day after the phrase, the day right
    before it is the old one when another day precedes it (the new one)."""
    days = [d for d in dates if d.date is not None or d.kind == WEEKDAY]
    before = [d for d in days if d.end <= origin and origin - d.end <= 30]
    if not before or before[-1] is days[0]:
        return None, dates
    old = before[-1]
    return old, [d for d in dates if d is not old and d.end <= old.start]


def first_planned_venue(
    r: _SentenceReading,
    clause_venues: list[Place],
    signals: ClauseSignals,
    status: MeetingStatus,
    a0: int,
    anchor: int,
) -> tuple[str | None, list[Place]]:
    """Rule *previous venue*: "first set for last week in Riyadh, now moved to next
    week": the place between the planning phrase and the move cue is the old one.
    Returns it (or None) and the clause's other venues."""
    if not (
        signals.originally_at is not None
        and signals.cue is not None
        and signals.originally_at < signals.cue.start
        and status in (MeetingStatus.RESCHEDULED, MeetingStatus.POSTPONED)
    ):
        return None, clause_venues
    origin = a0 + signals.originally_at
    # (a place right after a meeting word names the talks, "rozmowy w Genewie", not
    # where they were first planned)
    old = [
        v
        for v in clause_venues
        if origin <= v[0] < anchor and not names_the_talks(v, r.meeting_spans, r.s.folded)
    ]
    previous_venue = old[-1][1] if old else None
    return previous_venue, [v for v in clause_venues if v not in old]


def talks_at_place(r: _SentenceReading, clause_venues: list[Place], a0: int) -> set[str]:
    """Rule *talks in a place*: venues right after a meeting word with no verb between
    ("talks in Kyiv"); a tense-only statement may open a meeting with one."""
    return {
        v[1]
        for v in clause_venues
        if any(
            a0 <= m1 <= v[0]
            and v[0] - m1 <= _NEAR_MEETING
            and not has_verb(r.s.folded[m1 : v[0]], r.lex)
            for _, m1 in r.meeting_spans
        )
    }


def _new_and_old_days(
    signals: ClauseSignals,
    dates: list[DateMention],
    status: MeetingStatus,
    clause: str,
    lex: Lexicon,
) -> tuple[list[DateMention], dt.date | None]:
    """The clause's meeting days and, for a rescheduled meeting, the day it moved from
    ("moved from 28 November to 2 December", "planned for Wednesday, moved to 20
    April": a day that is not the new one; a weekday counts too)."""
    picked = pick_dates(dates, signals.cue.start if signals.cue else None)
    if status is not MeetingStatus.RESCHEDULED:
        return picked, None
    fresh = new_times(signals, dates, clause, lex.targets)
    picked = [d for d in picked if d in fresh] or pick_dates(fresh, None)
    stale = [d for d in dates if d.date is not None and d.kind != VAGUE and d not in fresh]
    replaced = [d for d in stale if d.kind == ABSOLUTE] or stale
    return picked, (replaced[0].date if replaced else None)


def time_alone(stated: tuple[bool, TimeOfDay] | None, published: date | None) -> list[DateMention]:
    """Rule *time of day alone*: a clause that gives its meeting an hour but no day
    ("after 15:00", "о 17:00", "um 14 Uhr") speaks of the publication day; a count
    of hours ("lasted 5 hours") is no hour of a day."""
    if stated is None or not stated[0] or published is None:
        return []
    time = stated[1]
    text = f"{time.hour:02d}:{time.minute:02d}"
    return [DateMention(0, 0, text, RELATIVE, published)]


def _clause_time(r: _SentenceReading, c0: int, c1: int) -> tuple[bool, TimeOfDay] | None:
    """Rule *time of day*: the time a clause states ("at 10:00 local time"), if any,
    and whether it names an hour of a day (not a count of hours)."""
    c0 = max(c0, r.skip_to - r.s.start)
    if c0 >= c1:
        return None
    folded = r.folded[c0:c1]
    found = find_time_of_day(r.original[c0:c1], r.lex.language, folded)
    if found is None:
        return None
    return names_an_hour(folded, found[0], r.lex.language), found[1]


def previous_marker(mention: DateMention, sentence: int, order: int) -> Statement:
    """ "Originally planned for <day>": the day a later change moves away from (the
    range and words are kept for a postponement that names no new day)."""
    return Statement(
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
