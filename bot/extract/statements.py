"""Stage *statements*: what each clause of a sentence says about a meeting.

A sentence that passed the sentence gate is cut into clauses (``clauses``); each
clause's cues (``status``), days (``dates``) and places (``venues``) make zero or
more :class:`Statement` s, which ``merge`` combines into the article's meetings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache, partial
from itertools import product

from bot.extract.clauses import coordinated_predicates, relative_clause_of_place, split_clauses
from bot.extract.commentators import commentators_of
from bot.extract.dates import (
    ABSOLUTE,
    RELATIVE,
    VAGUE,
    WEEKDAY,
    DateMention,
    attribution,
    begun_then_ended,
    closed_report,
    consistent_days,
    day_adjective,
    days_of_a_span,
    pick_dates,
    resolve_weekdays,
    scan_dates,
)
from bot.extract.lexicons import (
    Lexicon,
    alternation,
    entries_between,
    fold,
    governing_words,
    lexicon_words,
    load_lexicon,
    words_in,
)
from bot.extract.periods import vague_period
from bot.extract.sentences import Sentence
from bot.extract.status import (
    PRECEDENCE as CUE_GROUPS,
)
from bot.extract.status import (
    ClauseSignals,
    Cue,
    a_question,
    analyse_clause,
    day_before_the_word,
    decide_status,
    new_times,
    period_side,
    target_marked,
)
from bot.extract.timeofday import find_time_of_day, names_an_hour
from bot.extract.venues import (
    CLAUSE_PUNCT,
    choose_venues,
    dateline_length,
    has_verb,
    names_the_talks,
    other_places_of_the_sentence,
    reported_between,
    sentence_venues,
)
from bot.match.gazetteer import is_other_place
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
    quoted_day: bool = False  # the day is "today"/"tomorrow" in direct speech
    another: bool = False  # the clause speaks of another meeting ("the next round", "again")
    # the days a vague time spans ("early March"), when the statement has no day
    period: tuple[dt.date, dt.date] | None = None
    journey: bool = False  # a trip "to meet" in its clause: its day may be the journey's

    # Written out, not generated: the compiled build (setup.py) compiles a written
    # __init__ to native code but runs the generated one interpreted, and statements,
    # sentences, dates and candidates are made by the dozen for every article.
    def __init__(
        self,
        order: int,
        sentence: int,
        venue: str | None,
        date: dt.date | None,
        date_end: dt.date | None,
        when_text: str | None,
        status: MeetingStatus,
        from_cue: bool,
        tentative: bool,
        confirmed: bool,
        official: bool,
        participants: tuple[str, ...],
        evidence: str,
        anchored: bool,
        meeting_word: bool = False,
        is_title: bool = False,
        near_meeting: bool = False,
        reaffirm: bool = False,
        previous_date: dt.date | None = None,
        previous_venue: str | None = None,
        time: TimeOfDay | None = None,
        commentators: frozenset[str] = frozenset(),
        moved: bool = False,
        past_plan: bool = False,
        again: bool = False,
        quoted_day: bool = False,
        another: bool = False,
        period: tuple[dt.date, dt.date] | None = None,
        journey: bool = False,
    ) -> None:
        self.order = order
        self.sentence = sentence
        self.venue = venue
        self.date = date
        self.date_end = date_end
        self.when_text = when_text
        self.status = status
        self.from_cue = from_cue
        self.tentative = tentative
        self.confirmed = confirmed
        self.official = official
        self.participants = participants
        self.evidence = evidence
        self.anchored = anchored
        self.meeting_word = meeting_word
        self.is_title = is_title
        self.near_meeting = near_meeting
        self.reaffirm = reaffirm
        self.previous_date = previous_date
        self.previous_venue = previous_venue
        self.time = time
        self.commentators = commentators
        self.moved = moved
        self.past_plan = past_plan
        self.again = again
        self.quoted_day = quoted_day
        self.another = another
        self.period = period
        self.journey = journey


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
    other_places: list[Place] | None = None

    # Written out, not generated: see Statement.__init__ (bot/extract/statements.py).
    def __init__(
        self,
        s: Sentence,
        lex: Lexicon,
        published: date | None,
        folded: str,
        original: str,
        skip_to: int,
        actors: list[Mention],
        analysed: list[tuple[int, int, ClauseSignals]],
        dates: list[DateMention],
        reporting: list[Span],
        cue_spans: list[Span],
        meeting_spans: list[Span],
        venues: list[Place] | None = None,
        commentators: frozenset[str] | None = None,
        evidence_text: str | None = None,
        other_places: list[Place] | None = None,
    ) -> None:
        self.s = s
        self.lex = lex
        self.published = published
        self.folded = folded
        self.original = original
        self.skip_to = skip_to
        self.actors = actors
        self.analysed = analysed
        self.dates = dates
        self.reporting = reporting
        self.cue_spans = cue_spans
        self.meeting_spans = meeting_spans
        self.venues = venues
        self.commentators = commentators
        self.evidence_text = evidence_text
        self.other_places = other_places

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

    def places_outside_watchlist(self) -> list[Place]:
        """The sentence's places outside the watchlist, even beside a watchlist venue."""
        if self.other_places is None:
            self.other_places = other_places_of_the_sentence(
                self.s, self.lex, self.skip_to, self.reporting, self.cue_spans, self.meeting_spans
            )
        return self.other_places

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
    plans: list[Statement] = []
    for c0, c1, signals in reading.analysed:
        made = clause_statements(reading, c0, c1, signals, order + len(statements))
        if plans and old_plans_clause(plans, made):
            statements = [st for st in statements if all(st is not p for p in plans)]
        if made or signals.cue is not None:  # a clause that states nothing keeps the plan
            plans = made if signals.originally_at is not None else []
        statements.extend(made)
    return statements


def old_plans_clause(plans: list[Statement], made: list[Statement]) -> bool:
    """Rule *old plan's clause*: a clause that tells only where a meeting was first
    planned, with no day ("…, которая должна была пройти в Женеве,", "…, която трябваше
    да се проведе в Женева,"), and the next clause's meeting ahead at another place ("…
    состоится в Майами в пятницу") are one meeting moved from there: the next clause's is
    rescheduled with that place as its previous venue, and the plan is no meeting of its
    own. Returns whether ``made`` took the plan over."""
    old = {p.venue for p in plans if p.date is None and p.status in _PLAN_READINGS}
    if len(old) != 1 or len(plans) != 1 or None in old:
        return False
    ahead = [
        m
        for m in made
        if m.status is MeetingStatus.UPCOMING and m.venue is not None and m.venue not in old
    ]
    if not ahead:
        return False
    for m in ahead:
        m.status = MeetingStatus.RESCHEDULED
        m.previous_venue = m.previous_venue or plans[0].venue
    return True


# how a clause of an earlier plan alone reads: ahead, or past by its past tense
_PLAN_READINGS = (MeetingStatus.UPCOMING, MeetingStatus.HELD)


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

    def sentence_dates() -> list[DateMention]:
        # the dates are found on first need: most sentences without a cue or a
        # meeting word never ask, and yield no event whatever their dates
        nonlocal scanned
        if not scanned:
            found_dates.extend(scan_dates(original, lex.key, published, sentence))
            scanned = True
        return found_dates

    def dates_between(c0: int, c1: int) -> list[DateMention]:
        return [d for d in sentence_dates() if c0 <= d.start < c1]

    def weekday_between(c0: int, c1: int) -> bool:
        return any(c0 <= d.start < c1 for d in sentence_dates() if d.weekday is not None)

    relatives = (
        _relative_clauses(s, sentence, lex.language, dates_between) if ", " in sentence else []
    )
    relatives.extend(_coordinated(s, sentence, lex))
    relatives.extend(participle_phrase(s, sentence, lex))
    ahead = talks_ahead_phrases(s, sentence, lex, sentence_dates)
    relatives.extend(cut for span in ahead for cut in span)
    analysed = [
        (c0, c1, analyse_clause(sentence[c0:c1], lex, partial(weekday_between, c0, c1)))
        for c0, c1 in split_clauses(sentence, lex.clause_breaks, relatives)
    ]
    if not any(sig.cue_spans for _, _, sig in analysed):
        # every clause lacks a status cue and a meeting word (cue_spans holds both):
        # decide_status finds no status in any of them
        return None
    if ahead:
        starts = {start for start, _ in ahead}
        analysed = [
            (c0, c1, talks_ahead(sig, dates_between(c0, c1), published) if c0 in starts else sig)
            for c0, c1, sig in analysed
        ]
    if a_question(sentence, lex):
        analysed = [(c0, c1, sig._replace(tentative=True)) for c0, c1, sig in analysed]
    sentence_dates()

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


_INTERVIEW_AFTER = 3  # words from an interview word to the place it was given in
_INTERVIEW_BEFORE = 2  # words from the place to an interview word after it


def interview_place(
    venues: list[Place], folded: str, start: int, end: int, language: str
) -> list[Place]:
    """Rule *interview's place*: a place beside a word for an interview (lexicon
    ``interview_words``: "in an interview in Washington", "在华盛顿接受采访",
    "ワシントンでのインタビュー", "워싱턴에서 가진 인터뷰") is where someone spoke, not where
    talks are: it is set aside. ``start``/``end``: the clause in ``folded``."""
    pattern = lexicon_words(language, "interview_words")
    if pattern is None or not venues:
        return venues
    spans = [(m.start(), m.end()) for m in pattern.finditer(folded, start, end)]
    if not spans:
        return venues

    def spoken(place: Place) -> bool:
        return any(
            (e <= place[0] and words_in(folded[e : place[0]]) <= _INTERVIEW_AFTER)
            or (place[2] <= s and words_in(folded[place[2] : s]) <= _INTERVIEW_BEFORE)
            for s, e in spans
        )

    return [v for v in venues if not spoken(v)]


# "is in Moscow", "перебуває в Москві": the place right after the words of being there,
# or after a preposition of up to three letters
_TO_THE_PLACE = re.compile(r"\s+(?:\w{1,3}\s+)?")
_SPACE = re.compile(r"\s+")


def presence_on_the_day(r: _SentenceReading, signals: ClauseSignals, c0: int, c1: int) -> bool:
    """Rule *presence on the day*: someone said to be in a place (lexicon
    ``presence_words``: "is", "перебуває", "находится", "je" before the place) with a
    meeting word after the place and no status cue but that of rule *presence for talks*
    ("Witkoff is in Moscow for talks with Putin", "Віткофф перебуває в Москві на
    переговорах") states a meeting under way there: held, on the publication day unless
    the clause names another."""
    pattern = lexicon_words(r.lex.language, "presence_words")
    if pattern is None or not signals.meeting_spans:
        return False
    if signals.cue is not None and not signals.presence:
        return False
    a0 = r.s.start + c0
    for found in pattern.finditer(r.folded, c0, c1):
        space = _SPACE.match(r.folded, found.end())
        gap = _TO_THE_PLACE.match(r.folded, found.end())
        # the place, or its phrase with the preposition ("в москві"), starts there
        places_at = {r.s.start + m.end() for m in (space, gap) if m is not None}
        for start, _, end in r.sentence_venues():
            if start in places_at and any(m0 >= end - a0 for m0, _ in signals.meeting_spans):
                return True
    return False


def only_today(dates: list[DateMention], published: date | None) -> bool:
    """No day in the clause but the publication day: "is in Moscow for talks next week"
    is a stay ahead, not a meeting under way."""
    return all(d.date is not None and d.date == published for d in dates)


def publication_day(present: bool, published: date | None) -> list[DateMention]:
    """The publication day as the day of a meeting under way (rule *presence on the day*)."""
    if not present or published is None:
        return []
    return [DateMention(0, 0, "", RELATIVE, published)]


def deniers_place(
    venues: list[tuple[int, str, int]], cue_start: int, cue_end: int, folded: str
) -> list[tuple[int, str, int]]:
    """Rule *denier's place*: in a denial that names two places, one right beside the
    denial verb ("У Кремлі заперечили …", "the Kremlin denied …") names who denies; the
    meeting denied is at the other ("… зустрічі Путіна і Зеленського в Стамбулі"). When
    both stand beside the verb, neither is set aside."""
    if len({v[1] for v in venues}) < 2:
        return venues

    def beside(venue: tuple[int, str, int]) -> bool:
        if venue[2] <= cue_start:
            return not folded[venue[2] : cue_start].strip()
        return venue[0] >= cue_end and len(folded[cue_end : venue[0]].split()) <= 1

    apart = [v for v in venues if not beside(v)]
    return apart if apart and len(apart) < len(venues) else venues


def denial_day(dates: list[DateMention], published: dt.date | None) -> list[DateMention]:
    """Rule *denial's day*: a denial answers a report of a meeting planned ahead, so a
    weekday, a relative day or a day not after publication beside it is the denial's
    ("Peskov on Wednesday denied ...", "佩斯科夫8日否认"), not the meeting's."""
    return [
        d
        for d in dates
        if d.kind != WEEKDAY
        and d.kind != RELATIVE
        and (published is None or d.date is None or d.date > published)
    ]


def clause_statements(
    r: _SentenceReading, c0: int, c1: int, signals: ClauseSignals, order: int
) -> list[Statement]:
    """The statements of one clause (none, one, or one per venue and day)."""
    clause = r.folded[c0:c1]
    all_dates = _clause_dates(r, c0, c1, signals)
    signals, old_period = old_plans_period(signals, all_dates, clause)
    if old_period is not None:
        all_dates = [d for d in all_dates if d is not old_period]
    dates, others = _others_days(r, c0, c1, signals, all_dates)
    statements = other_place_statements(r, others, order)
    order += len(statements)
    dates = day_before_an_earlier_meeting(r, dates, c0, c1)
    signals = plan_then_another_day(signals, dates, clause, r.lex.language)
    status, from_cue = decide_status(signals, dates, r.published, clause, r.lex.targets, r.lex.key)
    if old_period is not None and status is MeetingStatus.UPCOMING:
        status = MeetingStatus.RESCHEDULED
    present = presence_on_the_day(r, signals, c0, c1) and only_today(dates, r.published)
    if present:
        status, from_cue = MeetingStatus.HELD, True
    talks = _talks_instead_of_a_status(r, signals, (c0, c1), order, status, from_cue)
    if talks is not None or status is None:
        return statements + (talks or [])
    if not passes_gate(r, signals, status, from_cue, dates):
        return statements
    if status is MeetingStatus.HELD and journey_without_purpose(r, signals, c0, c1):
        return statements
    a0, a1 = r.s.start + c0, r.s.start + c1
    clause_venues = [v for v in r.sentence_venues() if a0 <= v[0] < a1]
    clause_venues = set_aside_earlier_meetings(r, clause_venues, status, (a0, a1), statements)
    clause_venues = place_of_a_clause_of_its_own(r, clause_venues, (a0, a1))
    clause_venues = place_before_the_relative(r, clause_venues, c0)
    clause_venues = occasion_of_statement(r, clause_venues, signals, (c0, c1), statements)
    left = _after_the_old_plan(r, signals, dates, order, statements)
    if left is None:
        return statements
    dates = consistent_days(left, status, r.published)
    dates = earlier_meeting_day(r, dates, status, c0, c1)
    dates = day_after_the_meeting(r, dates, c0, c1)
    if status is MeetingStatus.DENIED:
        dates = denial_day(dates, r.published)
    anchor = (signals.cue.start + a0) if signals.cue else a0
    anchor_end = (signals.cue.end + a0) if signals.cue else a0
    status, previous_venue, clause_venues = _venues_of_the_clause(
        r, clause_venues, signals, status, (a0, a1), (anchor, anchor_end)
    )
    chosen = choose_venues(
        clause_venues, anchor, anchor_end, r.s.folded, r.lex.connectives.list_gap
    )
    if not chosen and previous_venue is None and _earlier_place(signals, clause, r.lex):
        chosen = _venue_of_earlier_clause(r, a0, anchor)
    near = set() if from_cue else talks_at_place(r, clause_venues, a0)
    place_moved = previous_venue is not None and not move_in_two_steps(r, c1)
    picked, previous_date = _new_and_old_days(signals, dates, status, clause, r.lex, place_moved)
    picked = [days_of_a_span(d, clause, signals.meeting_spans, r.lex.language) for d in picked]
    if status is MeetingStatus.HELD:
        picked = begun_then_ended(picked, dates, clause, r.lex.language)
    vague = next((d for d in dates if d.kind == VAGUE), None)
    stated = _clause_time(r, c0, c1)
    time = stated[1] if stated else None
    if not picked and vague is None and status is not MeetingStatus.DENIED:
        picked = time_alone(stated, r.published) or publication_day(
            present or presence_cue(signals, status, r), r.published
        )
    if continued_without_time(status, bool(chosen or picked or vague), clause, r.lex.language):
        return statements
    base = _clause_statement(
        r,
        signals,
        (status, from_cue),
        (chosen, picked, vague),
        (previous_venue, previous_date, time),
        (clause, clause_venues, a0),
    )
    days = (picked, vague)
    statements.extend(
        _one_per_place_and_day(r, base, (c0, c1), order + len(statements), chosen, days, near)
    )
    return statements


def _clause_statement(
    r: _SentenceReading,
    signals: ClauseSignals,
    decided: tuple[MeetingStatus, bool],
    found: tuple[list[str], list[DateMention], DateMention | None],
    before: tuple[str | None, dt.date | None, TimeOfDay | None],
    where: tuple[str, list[Place], int],
) -> Statement:
    """The clause's statement before it is split by place and day: its status (and
    whether a cue gave it), what anchors it (rule *someone tracked* and the rules that
    stand in for a name), its old place and day, and the clause's own flags."""
    status, from_cue = decided
    chosen, picked, vague = found
    previous_venue, previous_date, time = before
    clause, clause_venues, a0 = where
    return Statement(
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
        anchored=bool(chosen)
        or bool(r.participants)
        or time_ahead(status, picked, vague, r)
        or their_last_meeting(status, clause, r.lex.language)
        or the_sides(clause, r.lex.language),
        meeting_word=bool(r.meeting_spans) or one_receives_another(r, clause),
        is_title=r.s.is_title,
        reaffirm=signals.reaffirm,
        previous_venue=previous_venue,
        previous_date=previous_date,
        time=time,
        commentators=r.speakers(),
        moved=signals.group == "moved",
        past_plan=change_of_past_plan(status, clause, r.lex.language),
        again=not chosen and _says_again(clause, r.lex.language),
        journey=trip_to_meet(signals, clause_venues, a0),
    )


def continued_without_time(
    status: MeetingStatus, placed_or_dated: bool, clause: str, language: str
) -> bool:
    """Rule *continuation without a time*: a clause saying only that the talks will go on
    (lexicon ``continue_words``: "θα συνεχιστεί", "jatkuvat", "fortsätter"), with no
    place, day or period, states no meeting ahead ("the discussion was useful and will
    continue", said after it): it opens none. "Will continue next week in Geneva" is a
    meeting ahead."""
    if status is not MeetingStatus.UPCOMING or placed_or_dated:
        return False
    pattern = lexicon_words(language, "continue_words")
    return pattern is not None and pattern.search(clause) is not None


def _after_the_old_plan(
    r: _SentenceReading,
    signals: ClauseSignals,
    dates: list[DateMention],
    order: int,
    statements: list[Statement],
) -> list[DateMention] | None:
    """Rule *originally planned* in a clause of a plan: the old day named after the
    phrase becomes a marker statement (in ``statements``) for the change that follows;
    returns the clause's other days, or None when it has no day left."""
    if signals.originally_at is None or signals.group not in (None, "upcoming"):
        return dates
    if signals.reaffirm:
        return dates
    marker, left = originally_planned(dates, signals.originally_at, after=signals.originally_after)
    if marker is None:
        return left
    statements.append(previous_marker(marker, r.s.index, order))
    return left if any(d.date for d in left) else None


def old_plans_period(
    signals: ClauseSignals, dates: list[DateMention], clause: str
) -> tuple[ClauseSignals, DateMention | None]:
    """Rule *old plan's period*: "inizialmente in programma a Riad a metà maggio, si terrà
    invece a Ginevra il 4 e 5 maggio": a vague time right after the words of an earlier
    plan, with a day and a planning cue after it, is the old plan's time, not a meeting of
    its own; the cue after it reports the meeting, moved to that day (and, by *previous
    venue*, from the old place). Returns the signals with that cue, and the old time."""
    if signals.originally_at is None or signals.originally_after or signals.reaffirm:
        return signals, None
    if signals.group not in (None, "upcoming"):
        return signals, None
    old = next(
        (
            d
            for d in dates
            if d.kind == VAGUE and 0 <= d.start - signals.originally_at <= _ORIGINAL_DAY_REACH
        ),
        None,
    )
    if old is None or not any(d.date is not None and d.start > old.start for d in dates):
        return signals, None
    new_cue = next(((a, b) for a, b in signals.planned_spans if a >= old.end), None)
    if new_cue is None:
        return signals, None
    cue = Cue("upcoming", new_cue[0], new_cue[1], clause[new_cue[0] : new_cue[1]])
    return signals._replace(cue=cue), old


def _venues_of_the_clause(
    r: _SentenceReading,
    clause_venues: list[Place],
    signals: ClauseSignals,
    status: MeetingStatus,
    clause: Span,
    cue: Span,
) -> tuple[MeetingStatus, str | None, list[Place]]:
    """The clause's status, previous venue and places once the rules of a change's old
    place, an interview's place, a denier's place and a move to a place have read them."""
    a0, a1 = clause
    anchor, anchor_end = cue
    planned = clause_venues
    previous_venue, clause_venues = first_planned_venue(
        r, clause_venues, signals, status, a0, anchor
    )
    clause_venues = interview_place(clause_venues, r.s.folded, a0, a1, r.lex.language)
    if status is MeetingStatus.DENIED:
        clause_venues = deniers_place(clause_venues, anchor, anchor_end, r.s.folded)
    if status is MeetingStatus.POSTPONED and signals.group == "moved":
        status, previous_venue, clause_venues = moved_to_a_place(
            r, clause_venues, status, a0, previous_venue
        )
    previous_venue, clause_venues = put_off_where_planned(
        status, previous_venue, clause_venues, planned
    )
    if status is MeetingStatus.UPCOMING and clause_venues:
        status, previous_venue, clause_venues = instead_of_a_place(
            r, clause_venues, status, a0, previous_venue
        )
    return status, previous_venue, clause_venues


def put_off_where_planned(
    status: MeetingStatus, previous_venue: str | None, left: list[Place], planned: list[Place]
) -> tuple[str | None, list[Place]]:
    """Rule *put off where planned*: a meeting put off that names no other place ("原定本周四在
    阿布扎比举行的会谈将推迟", the talks planned for Thursday in Abu Dhabi are put off) stays
    where it was planned: the place rule *previous venue* read as the old one is its venue,
    not a previous one."""
    if previous_venue is None or left or status is not MeetingStatus.POSTPONED:
        return previous_venue, left
    return None, [v for v in planned if v[1] == previous_venue]


def instead_of_a_place(
    r: _SentenceReading,
    clause_venues: list[Place],
    status: MeetingStatus,
    a0: int,
    previous: str | None,
) -> tuple[MeetingStatus, str | None, list[Place]]:
    """Rule *instead of a place*: a meeting ahead "in Miami instead of Geneva" ("вместо
    Женевы", ", а не в Женеве", "замість Женеви", lexicon ``instead_words``) has been
    moved there from that place: rescheduled, with the place after the word (in this
    clause or the next) as its previous venue."""
    instead = entries_between(
        r.lex.language, "instead_words", r"(?<!\w)(?:", r")\s+(?:\w{1,2}\s+)?$"
    )
    if instead is None:
        return status, previous, clause_venues
    folded = r.s.folded
    old = next(
        (
            m.entity_id
            for m in r.s.mentions
            if m.kind is EntityKind.VENUE
            and a0 <= m.start < r.s.end
            and instead.search(folded, max(a0, m.start - 20), m.start) is not None
        ),
        None,
    )
    new = [v for v in clause_venues if v[1] != old]
    if old is None or not new:
        return status, previous, clause_venues
    return MeetingStatus.RESCHEDULED, old, new


def _one_per_place_and_day(
    r: _SentenceReading,
    base: Statement,
    span: Span,
    order: int,
    chosen: list[str],
    days: tuple[list[DateMention], DateMention | None],
    near: set[str],
) -> list[Statement]:
    """One statement per chosen place and picked day (``days``: the picked days and the
    vague time), numbered from ``order``."""
    c0, c1 = span
    clause = r.folded[c0:c1]
    picked, vague = days
    status = base.status
    venue_options: list[str | None] = list(chosen) or [None]
    period = period_days(vague, r) if not picked else None
    if held_period_ahead(status, period, r.published):
        vague, period = None, None
    date_options: list[DateMention | None] = list(picked) or [vague]
    another = (
        speaks_of_another(clause, r.lex.language)
        if status is MeetingStatus.UPCOMING
        else status is MeetingStatus.HELD and last_time(clause, r.lex.language)
    )
    out: list[Statement] = []
    for venue in venue_options:
        for mention in date_options:
            statement = _placed(base, order + len(out), venue, mention, near, period)
            if mention is not None and quoted_relative_day(r.original, c0, mention):
                statement.quoted_day = True
            statement.another = another
            out.append(statement)
    return out


def same_place(
    statements: list[Statement],
    language: str,
    places_before: Callable[[int], str | None] | None = None,
) -> None:
    """Rule *the same place*: a statement with no place of its own whose sentence says it
    was "in the same city" or "in the city" (lexicon ``same_place``: "nella stessa città",
    "στην ίδια πόλη", "in der Stadt") is at the place of the last statement before it
    that names one ("the previous round was held in the same city on 29 September");
    with none, at the last watchlist venue the text places something in before its
    sentence (``places_before``, by sentence index: "had arrived in Miami on Saturday.
    The delegations sat together in a hotel in the city")."""
    pattern = lexicon_words(language, "same_place")
    if pattern is None:
        return
    last: str | None = None
    for statement in statements:
        if statement.venue is not None:
            last = statement.venue
        elif pattern.search(fold(statement.evidence)) is None:
            continue
        elif last is not None:
            statement.venue, statement.anchored = last, True
        elif places_before is not None and (place := places_before(statement.sentence)):
            statement.venue, statement.anchored = place, True


def there_a_sentence_on(
    statements: list[Statement],
    spans: Sequence[tuple[int, int]],
    mentions: Sequence[Mention],
    language: str,
) -> None:
    """Rule *there, a sentence on*: a statement with no place of its own whose sentence
    says "there" (lexicon ``there_words``: "Allí, las delegaciones se reunieron el lunes",
    "Acolo, delegațiile s-au reunit luni") is at the last watchlist venue the sentence
    before it names ("Witkoff viajó a Ginebra"), as *there* reads it inside one sentence."""
    pattern = entries_between(language, "there_words", r"(?<!\w)(?:", r")(?!\w)")
    if pattern is None:
        return
    for statement in statements:
        if statement.venue is not None or not 0 < statement.sentence < len(spans):
            continue
        if pattern.search(fold(statement.evidence)) is None:
            continue
        start, end = spans[statement.sentence - 1]
        named = [
            m.entity_id for m in mentions if m.kind is EntityKind.VENUE and start <= m.start < end
        ]
        if named:
            statement.venue, statement.anchored = named[-1], True


def speaks_of_another(clause: str, language: str) -> bool:
    """The clause calls its meeting another one (lexicon ``another_words`` and ``again``:
    "the next round", "a new meeting", "meet again"): rule *begun today* does not take
    it for the day's meeting."""
    pattern = lexicon_words(language, "another_words")
    return (pattern is not None and pattern.search(clause) is not None) or _says_again(
        clause, language
    )


def last_time(clause: str, language: str) -> bool:
    """Rule *last time*: a past meeting the clause calls the last one before (lexicon
    ``last_time``: "last met", "востаннє", "legutóbb", "en son") is an earlier meeting,
    not the one planned or changed at the same place that the article reports."""
    pattern = lexicon_words(language, "last_time")
    return pattern is not None and pattern.search(clause) is not None


_QUOTES = frozenset('"„“”«»')


def quoted_relative_day(original: str, c0: int, mention: DateMention) -> bool:
    """Rule *quoted relative day*: "today", "tomorrow" or "yesterday" inside direct
    speech ("Witkoff told Fox News: 'we have a big meeting tomorrow at the White
    House'") counts from the day the words were spoken, which the article need not
    give: the day may be one off the publication's reckoning. ``original`` is the
    sentence as written, ``c0`` where the clause of ``mention`` starts in it."""
    if mention.kind != RELATIVE or mention.date is None:
        return False
    start = c0 + mention.start
    return sum(1 for ch in original[:start] if ch in _QUOTES) % 2 == 1


def held_period_ahead(
    status: MeetingStatus, period: tuple[dt.date, dt.date] | None, published: dt.date | None
) -> bool:
    """Rule *consistent days* for vague times: a held meeting's clause whose vague time
    lies wholly after publication ("jednali v Miami, další kolo příští týden": met in
    Miami, next round next week) dates something else, not the meeting held."""
    return (
        status is MeetingStatus.HELD
        and period is not None
        and published is not None
        and period[0] > published
    )


def period_days(vague: DateMention | None, r: _SentenceReading) -> tuple[dt.date, dt.date] | None:
    """The days the clause's vague time spans ("early March": 1-10 March), when the
    publication day tells them (rule *periods apart*, ``merge._compatible_dates``)."""
    if vague is None or r.published is None:
        return None
    found = vague_period(vague.text, r.lex.key, r.published)  # key: the locale's months
    if found.start is None or found.end is None:
        return None
    return found.start, found.end


def one_receives_another(r: _SentenceReading, clause: str) -> bool:
    """Rule *one receives another*: a verb of receiving a visitor (lexicon
    ``receive_verbs``: "will receive", "примет", "przyjmie", "empfangen") between two
    tracked people who are not only speaking ("Putin will receive Witkoff on Friday")
    states their meeting as a meeting word would, though no place is named. A call or a
    talk between them is no such verb: leaders who talk often do so by phone."""
    if len(set(r.participants) - r.speakers()) < 2:
        return False
    pattern = lexicon_words(r.lex.language, "receive_verbs")
    return pattern is not None and pattern.search(clause) is not None


def the_sides(clause: str, language: str) -> bool:
    """Rule *the sides*: "the two sides held talks", "стороны провели переговоры",
    "osapuolet tapasivat", "parterna träffades", "a felek találkoztak" (lexicon
    ``sides_words``: the sides, the parties, the delegations) speaks of the people the
    article follows, though it names none of them: it anchors the meeting as their names
    would, so the day it gives is kept and its place may come from the article (rule *one
    place in the article*: "the parties met on Tuesday", after the envoys' arrival in
    Geneva, met there)."""
    pattern = lexicon_words(language, "sides_words")
    return pattern is not None and pattern.search(clause) is not None


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
    return vague is not None and period_side([vague], published, r.lex.key) > 0


_WORD_RUN = re.compile(r"[\w']*")


def place_before_the_relative(
    r: _SentenceReading, clause_venues: list[Place], c0: int
) -> list[Place]:
    """Rule *place of a relative clause*: a relative clause of a place with no place of
    its own (", where it held talks with Witkoff", ", gdzie prowadziła rozmowy", ", где
    провела переговоры", lexicon ``relative_pronouns``) meets at the watchlist venue right
    before its comma, governed or not ("returned from Miami, where it held talks")."""
    if clause_venues or c0 == 0 or r.folded[c0 - 1] != ",":
        return clause_venues
    pattern = _relative_pronoun_at(r.lex.language)
    if pattern is None or pattern.match(r.folded, c0) is None:
        return clause_venues
    comma = r.s.start + c0 - 1
    for m in reversed(r.s.mentions):
        if m.kind is EntityKind.VENUE and m.end <= comma:
            run = _WORD_RUN.match(r.s.folded, m.end)
            return [(m.start, m.entity_id, m.end)] if run and run.end() == comma else []
    return clause_venues


@lru_cache(maxsize=64)
def _relative_pronoun_at(language: str) -> re.Pattern[str] | None:
    return entries_between(language, "relative_pronouns", r"\s*(?:", r")(?!\w)")


def place_of_a_clause_of_its_own(
    r: _SentenceReading, clause_venues: list[Place], clause: Span
) -> list[Place]:
    """Rule *place of a clause of its own*: a clause that names no watchlist venue (none,
    or only earlier meetings' set aside) may meet at a place outside the watchlist though
    another clause of the sentence names one ("met Putin in Moscow on Tuesday and will
    meet Umerov in Florida on Thursday", "after talks in Moscow, Witkoff will travel to
    Ankara to meet Zelensky"): the sentence's places outside the watchlist in the clause
    are its places. (A sentence with no watchlist venue has them already.)"""
    if clause_venues or not any(
        m.kind is EntityKind.VENUE and m.start >= r.skip_to for m in r.s.mentions
    ):
        return clause_venues
    a0, a1 = clause
    return [v for v in r.places_outside_watchlist() if a0 <= v[0] < a1]


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


def earlier_meeting_day(
    r: _SentenceReading, dates: list[DateMention], status: MeetingStatus, c0: int, c1: int
) -> list[DateMention]:
    """Rule *earlier meeting's day*: when every place of a past clause follows a meeting
    word governed by "after" (lexicon ``after_words``: "the meeting was confirmed on
    Friday, after talks in the Kremlin", "confirmado na sexta-feira, após conversas no
    Kremlin"), those talks came before what the clause reports, and a day standing before
    the "after" phrase is that later event's, not theirs: it is dropped. A day inside or
    after the phrase ("after talks in Moscow on Thursday") stays, and so do the days of a
    clause that places something else too. ``dates`` have offsets in the clause."""
    if status is not MeetingStatus.HELD or not dates or not r.meeting_spans:
        return dates
    pattern = _after_words(r.lex.language)
    if pattern is None:
        return dates
    a0, a1 = r.s.start + c0, r.s.start + c1
    places = [v for v in r.sentence_venues() if a0 <= v[0] < a1]
    folded = r.s.folded
    openings: dict[Place, int] = {}
    for m0, m1 in r.meeting_spans:
        found = pattern.search(folded, max(a0, m0 - 32), m0) if a0 <= m0 < a1 else None
        if found is None:
            continue
        for v in places:
            if 0 <= v[0] - m1 <= _EARLIER_REACH and not CLAUSE_PUNCT.search(folded, m1, v[0]):
                openings.setdefault(v, found.start() - a0)
    if not places or len(openings) < len(places):
        return dates
    opening = min(openings.values())
    return [d for d in dates if d.end > opening]


_BEFORE_AFTER_REACH = 16  # characters from a day to the "after" phrase it stands before


def day_before_an_earlier_meeting(
    r: _SentenceReading, dates: list[DateMention], c0: int, c1: int
) -> list[DateMention]:
    """Rule *day before an earlier meeting*: a day right before an "after" phrase with a
    meeting word (lexicon ``after_words``) that a reporting verb follows ("On Monday, after
    meeting Netanyahu, Trump announced that talks would be held in Oman on Saturday", "v
    pondělí po schůzce s Netanjahuem oznámil, že se v sobotu …") is the statement's and
    that earlier meeting's, not the reported meeting's: it is dropped when a day after the
    reporting verb is left. Before a "during" phrase (lexicon ``during_words``: "w środę
    podczas spotkania z Ruttem w Białym Domu powiedział, że …") the day is the occasion's,
    when the words were said, and is dropped in any case. ``dates`` have offsets in the
    clause."""
    if not dates or not r.meeting_spans or not r.reporting:
        return dates
    patterns = [
        (p, during)
        for p, during in (
            (_after_words(r.lex.language), False),
            (_during_words(r.lex.language), True),
        )
        if p is not None
    ]
    a0, a1 = r.s.start + c0, r.s.start + c1
    dropped: list[DateMention] = []
    for (m0, m1), (pattern, during) in product(r.meeting_spans, patterns):
        found = pattern.search(r.s.folded, max(a0, m0 - 32), m0) if a0 <= m0 < a1 else None
        verbs = [v0 - a0 for v0, _ in r.reporting if m1 <= v0 < a1]
        if found is None or not verbs:
            continue
        opening = found.start() - a0
        before = [d for d in dates if 0 <= opening - d.end <= _BEFORE_AFTER_REACH]
        if before and (during or any(d.start > min(verbs) for d in dates)):
            dropped.extend(before)
    return [d for d in dates if all(d is not x for x in dropped)]


def day_after_the_meeting(
    r: _SentenceReading, dates: list[DateMention], c0: int, c1: int
) -> list[DateMention]:
    """Rule *the day after*: a day standing before "the day after" a meeting word
    (lexicon ``morrow_words``: "a quitté Moscou mardi, au lendemain de sa rencontre avec
    Poutine", "all'indomani del suo incontro", "al día siguiente de su reunión") is the
    day after the meeting: the meeting was held the day before it. ``dates`` have
    offsets in the clause."""
    if not dates or not r.meeting_spans:
        return dates
    pattern = _morrow_words(r.lex.language)
    if pattern is None:
        return dates
    a0, a1 = r.s.start + c0, r.s.start + c1
    for m0, _ in r.meeting_spans:
        found = pattern.search(r.s.folded, max(a0, m0 - 32), m0) if a0 <= m0 < a1 else None
        if found is None:
            continue
        opening = found.start() - a0
        return [
            DateMention(d.start, d.end, d.text, d.kind, d.date - _ONE_DAY)
            if d.date is not None and d.date_end is None and d.end <= opening
            else d
            for d in dates
        ]
    return dates


_ONE_DAY = dt.timedelta(days=1)


def _morrow_words(language: str) -> re.Pattern[str] | None:
    """ "The day after" with up to two words before the meeting word it governs."""
    return governing_words(language, "morrow_words")


_OCCASION_REACH = 72  # characters from the occasion's meeting word to its place


def occasion_of_statement(
    r: _SentenceReading,
    clause_venues: list[Place],
    signals: ClauseSignals,
    clause: Span,
    statements: list[Statement],
) -> list[Place]:
    """Rule *occasion of a statement*: in a clause with a reporting verb, a place that
    follows a meeting word governed by "during" (lexicon ``during_words``) right after
    the verb ("said on Wednesday during a meeting with Rutte at the White House",
    "powiedział w środę, podczas spotkania z Ruttem w Białym Domu") is where the words
    were said: a meeting held there on the statement's day (the day rule *attribution*
    takes from the clause, if any), not the place of what was said. After the verb's
    complementizer the phrase is part of what was said ("said that he will meet Putin
    during the summit in Budapest") and stays. Returns the clause's other venues; the
    occasion's statements are added to ``statements``. ``clause``: offsets in the
    sentence."""
    if not signals.reporting or not clause_venues or not r.meeting_spans:
        return clause_venues
    pattern = _during_words(r.lex.language)
    if pattern is None:
        return clause_venues
    c0, c1 = clause
    a0, a1 = r.s.start + c0, r.s.start + c1
    folded = r.s.folded
    verbs = [(a0 + v0, a0 + v1) for v0, v1 in signals.reporting]
    occasions = [
        v
        for m0, m1 in r.meeting_spans
        if a0 <= m0 < a1
        and (during := pattern.search(folded, max(a0, m0 - 32), m0)) is not None
        and _said_during(folded, verbs, during.start(), r.lex.language)
        for v in clause_venues
        if 0 <= v[0] - m1 <= _OCCASION_REACH
        and not CLAUSE_PUNCT.search(folded, m1, v[0])
        and not has_verb(folded[m1 : v[0]], r.lex)
    ]
    if not occasions:
        return clause_venues
    text = r.folded[c0:c1]
    days = resolve_weekdays([d for d in r.dates if c0 <= d.start < c1], r.published, -1)
    openings = [
        during.start() - a0
        for m0, _ in r.meeting_spans
        if a0 <= m0 < a1 and (during := pattern.search(folded, max(a0, m0 - 32), m0)) is not None
    ]
    stated = [
        d
        for d in (replace(d, start=d.start - c0, end=d.end - c0) for d in days)
        if attribution(d, signals, text, r.lex)
        or any(0 <= o - d.end <= _BEFORE_AFTER_REACH for o in openings)
    ]
    for venue in dict.fromkeys(v[1] for v in occasions):
        statements.append(
            side_meeting(
                r,
                len(statements),
                venue,
                MeetingStatus.HELD,
                stated[0] if stated else None,
                near_meeting=True,
            )
        )
    return [v for v in clause_venues if v not in occasions]


def _talks_instead_of_a_status(
    r: _SentenceReading,
    signals: ClauseSignals,
    clause: Span,
    order: int,
    status: MeetingStatus | None,
    from_cue: bool,
) -> list[Statement] | None:
    """The clause's statements when rule *talks before a statement* reads it (also when
    it reads nothing from a clause with no status), or None to read it on."""
    if status is not None and from_cue:
        return None
    # a status read from days alone: the days may be the earlier talks'
    talks = talks_before_a_statement(r, signals, clause, order, status is None)
    return talks if talks or status is None else None


def talks_before_a_statement(
    r: _SentenceReading, signals: ClauseSignals, clause: Span, order: int, no_status: bool
) -> list[Statement]:
    """Rule *talks before a statement*: a clause with no cue of its own that reports
    someone's words (a reporting verb) beside a meeting word governed by "after" (lexicon
    ``after_words``) and its place ("After Saturday's talks in Miami, Witkoff said …",
    "Po sobotnich rozmowach w Miami Witkoff powiedział, że …", "Witkoff said after the
    talks in Miami that …") tells of talks held there before the words were said: a held
    meeting at that place, on a past day named between "after" and the verb, if any. As
    with rule *occasion of a statement*, a phrase after the verb's complementizer is part
    of what was said. Where "after" follows the meeting word (lexicon
    ``after_words_last``: "Miami görüşmelerinin ardından", "マイアミでの協議の後", "마이애미
    회담 후") the place and day stand before it, and the verb comes after the phrase. A
    clause whose status comes from its days alone is read so when every day stands in
    such a phrase (Russian "После субботних переговоров в Майами Уиткофф заявил, что …"
    has no tense cue, and its Saturday is not the coming one). ``clause``: offsets in the
    sentence."""
    if not signals.reporting or not r.meeting_spans:
        return []
    c0, c1 = clause
    a0 = r.s.start + c0
    verbs = [(a0 + v0, a0 + v1) for v0, v1 in signals.reporting]
    held: dict[str, DateMention | None] = {}
    phrases: list[Span] = []
    for phrase, venues in _talks_after_which(r, clause, verbs):
        for venue in venues:
            held.setdefault(venue, _past_day_within(r, phrase))
            phrases.append(phrase)
    days = [d for d in r.dates if c0 <= d.start < c1]
    if not no_status and not all(any(p0 <= d.start < p1 for p0, p1 in phrases) for d in days):
        return []
    return [
        side_meeting(r, order + i, venue, MeetingStatus.HELD, day, near_meeting=True)
        for i, (venue, day) in enumerate(held.items())
    ]


def _talks_after_which(
    r: _SentenceReading, clause: Span, verbs: list[Span]
) -> list[tuple[Span, list[str]]]:
    """The "after" phrases of rule *talks before a statement* in a clause (offsets in the
    sentence), each with the places of its talks."""
    c0, c1 = clause
    a0, a1 = r.s.start + c0, r.s.start + c1
    folded, language = r.s.folded, r.lex.language
    pattern, last = _after_words(language), _after_words_last(language)
    places = [v for v in r.sentence_venues() if a0 <= v[0] < a1]
    found: list[tuple[Span, list[str]]] = []
    for m0, m1 in r.meeting_spans:
        if not a0 <= m0 < a1:
            continue
        after = pattern.search(folded, max(a0, m0 - 32), m0) if pattern else None
        post = last.match(folded, m1) if last else None
        if after is not None and _said_during(folded, verbs, after.start(), language):
            venues = [
                v[1]
                for v in places
                if 0 <= v[0] - m1 <= _EARLIER_REACH
                and not CLAUSE_PUNCT.search(folded, m1, v[0])
                and not has_verb(folded[m1 : v[0]], r.lex)
            ]
            found.append((_after_which(r, after.start(), verbs, c1), venues))
        elif post is not None and any(v0 >= post.end() for v0, _ in verbs):
            start = _phrase_start(r.s, r.folded, m0 - r.s.start, r.dates)
            phrase = (max(start, c0), post.end() - r.s.start)
            venues = [v[1] for v in places if phrase[0] <= v[0] - r.s.start and v[2] <= m0]
            found.append((phrase, venues))
    return found


def _after_words_last(language: str) -> re.Pattern[str] | None:
    """ "After" right after the meeting word, its case ending or particle between."""
    return entries_between(language, "after_words_last", r"\S{0,3}?\s*(?:", r")")


def _after_which(r: _SentenceReading, opening: int, verbs: list[Span], c1: int) -> Span:
    """The phrase from "after" (``opening``, in the text) up to the reporting verb that
    follows it, or to the clause's end when the verb stands before; offsets in the
    sentence."""
    end = min((v0 - r.s.start for v0, _ in verbs if v0 > opening), default=c1)
    return opening - r.s.start, end


def _past_day_within(r: _SentenceReading, phrase: Span) -> DateMention | None:
    """The first day named in ``phrase`` that is not after publication."""
    start, end = phrase
    named = [d for d in r.dates if start <= d.start and d.end <= end]
    days = resolve_weekdays(named, r.published, -1)
    return next(
        (d for d in days if d.date is not None and (r.published is None or d.date <= r.published)),
        None,
    )


_OCCASION_GAP = 40  # characters from a reporting verb to "during" ("said on Wednesday, during")
_OCCASION_BEFORE_VERB = 80  # characters from "during" to a reporting verb after the phrase


def _said_during(folded: str, verbs: list[Span], during: int, language: str) -> bool:
    """A reporting verb shortly before "during", with no complementizer between: the
    phrase qualifies the saying ("said on Wednesday during a meeting"), not what was said
    ("said that he will meet Putin during the summit"). *Verb after the occasion*: so does
    a verb shortly after the phrase, before any complementizer ("w środę podczas spotkania
    z Ruttem w Białym Domu powiedział, że …", the verb last as Slavic news puts it)."""
    return any(
        (0 <= during - v1 <= _OCCASION_GAP and not reported_between(folded, v1, during, language))
        or (
            0 < v0 - during <= _OCCASION_BEFORE_VERB
            and not reported_between(folded, during, v0, language)
        )
        for v0, v1 in verbs
    )


def _during_words(language: str) -> re.Pattern[str] | None:
    """ "During" with up to two words before the meeting word it governs ("during a")."""
    return governing_words(language, "during_words")


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
    return governing_words(language, "after_words")


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
        period=period,
        journey=b.journey,
    )


def _earlier_place(signals: ClauseSignals, clause: str, lex: Lexicon) -> bool:
    """A clause with a status cue or a "there" may take an earlier clause's place."""
    return signals.cue is not None or there_refers_back(clause, lex.language)


def there_refers_back(clause: str, language: str) -> bool:
    """Rule *there*: a clause that says its meeting is "there" (lexicon ``there_words``:
    "and will hold talks there on Friday", "a w piątek ma tam rozmawiać") is at the place
    an earlier clause of the sentence names, whatever cue it has."""
    pattern = entries_between(language, "there_words", r"(?<!\w)(?:", r")(?!\w)")
    return pattern is not None and pattern.search(clause) is not None


def _venue_of_earlier_clause(r: _SentenceReading, a0: int, anchor: int) -> list[str]:
    """ "..., but the meeting was cancelled": the venue is in an earlier clause (not in a
    participle phrase before it, which tells another meeting: rule *participle phrase*;
    nor in a phrase of rule *talks ahead*)."""
    cuts = participle_phrase(r.s, r.folded, r.lex)
    cuts += [end for _, end in talks_ahead_phrases(r.s, r.folded, r.lex, lambda: r.dates)]
    phrase_end = max((r.s.start + cut for cut in cuts if cut <= a0 - r.s.start), default=0)
    nearby = [v for v in r.sentence_venues() if phrase_end <= v[0] and v[2] <= a0]
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
    clause = r.folded[c0:c1]
    for mention in dates:
        other = day_of_another_place(mention, a0, places, chosen)
        if (
            other is None
            or plan_before_its_marker(mention, signals, clause)
            or old_plans_day(mention, signals)
        ):
            kept.append(mention)
        elif mention.kind == ABSOLUTE and mention.date is not None:
            others.append((mention, other))
    return kept, others


_PLAN_MARKER_WORDS = 4  # words from a day to the planning word after it


def plan_before_its_marker(mention: DateMention, signals: ClauseSignals, clause: str) -> bool:
    """Rule *plan before its marker*: where the planning word follows its day and place
    (Korean "오는 7일 이스탄불에서 열릴 예정이던 … 제네바로 옮겨 8일", Japanese "7日に…開かれる
    予定だった"), a day a few words before a planning cue that precedes the move cue is the
    old plan's day: neither another place's meeting nor the new day. Offsets are the
    clause's."""
    cue = signals.cue
    if cue is None or signals.group != "moved" or mention.end > cue.start:
        return False
    return any(
        mention.end <= p0 < cue.start
        and len(clause[mention.end : p0].split()) <= _PLAN_MARKER_WORDS
        for p0, _ in signals.planned_spans
    )


def old_plans_day(mention: DateMention, signals: ClauseSignals) -> bool:
    """Rule *old plan's place*: the day right after an "originally planned" phrase is the
    plan's old day even beside the old place ("which was to take place on Thursday in
    Riyadh, will be held in Jeddah on 4 May"): it is no other place's meeting, but the
    day the meeting was moved from (rule *originally planned*)."""
    return (
        signals.originally_at is not None
        and 0 <= mention.start - signals.originally_at <= _ORIGINAL_DAY_REACH
    )


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


def put_off_plan_ahead(signals: ClauseSignals) -> int:
    """Rule *put-off plan ahead*: a weekday in a clause that puts a meeting off or moves
    it ("the talks that were due to open on Monday have been postponed", published on a
    Friday) is the coming one, whatever the tense of the report: a plan is put off
    before its day. Elsewhere the clause's tense decides (``signals.direction``)."""
    return 1 if signals.group == "moved" else signals.direction


def called_off_plan_ahead(signals: ClauseSignals, called_off: bool) -> int:
    """Rule *called-off plan ahead*: a weekday in a clause that calls a meeting off ("the
    meeting, which was scheduled for Friday, has been cancelled", "che era in programma
    venerdì", "qui était prévue vendredi") is the coming one, as for a plan put off
    (rule *put-off plan ahead*): a plan is called off before its day. A cancellation with
    its own negation ("did not take place") is left to the clause's tense
    (``called_off``: rule *weekday of a called-off plan*)."""
    return 1 if called_off else put_off_plan_ahead(signals)


def _clause_dates(
    r: _SentenceReading, c0: int, c1: int, signals: ClauseSignals
) -> list[DateMention]:
    """The clause's days (offsets relative to the clause), weekdays resolved by its
    tense, without a dateline's day, the day of a statement (rule *attribution*) or
    an adjective of a day that qualifies no meeting word (rule *day adjectives*).
    Rule *day of the journey*: a weekday beside a past journey to meet ("flew to Miami on
    Tuesday for talks") is the journey's, in the past, though the meeting is ahead; one
    after a future form in the purpose phrase ("arrived in Abu Dhabi for talks starting on
    Thursday", lexicon ``tense.future``) is the meeting's, the coming one."""
    a0 = r.s.start + c0
    meetings = [(m0 - r.s.start, m1 - r.s.start) for m0, m1 in r.meeting_spans]
    called_off = weekday_of_called_off_plan(signals, r.lex)
    direction = -1 if signals.journey_ahead else called_off_plan_ahead(signals, called_off)
    found = [d for d in r.dates if c0 <= d.start < c1 and day_adjective(d, r.folded, meetings)]
    if signals.journey_ahead and signals.purpose_at is not None and r.lex.future is not None:
        purpose = c0 + signals.purpose_at
        found = [
            replace(d, forward=True)
            if d.start > purpose and r.lex.future.search(r.folded, purpose, d.end)
            else d
            for d in found
        ]
    if called_off:
        found = [
            replace(d, forward=True)
            if d.weekday is not None and (d.adjective or signals.originally)
            else d
            for d in found
        ]
    dates = resolve_weekdays(found, r.published, direction)
    if c0:  # offsets relative to the clause
        dates = [replace(d, start=d.start - c0, end=d.end - c0) for d in dates]
    clause = r.folded[c0:c1]
    return [
        d
        for d in dates
        if a0 + d.start >= r.skip_to
        and not attribution(d, signals, clause, r.lex)
        and not closed_report(d, signals, clause, r.lex, r.published)
        and not topic_day(d, clause, signals.meeting_spans, r.lex)
    ]


def weekday_of_called_off_plan(signals: ClauseSignals, lex: Lexicon) -> bool:
    """Rule *weekday of a called-off plan*: the weekday adjective of a meeting called off
    ("odpovedal četrtkov obisk", "zrušil čtvrteční návštěvu": cancelled Thursday's visit)
    names the plan's day, the coming one, though the clause speaks in the past; so does a
    weekday in the words of the plan ("has cancelled the meeting that was to take place on
    Thursday", "som skulle have fundet sted på torsdag", lexicon ``originally``). A
    cancellation phrase with its own negation ("did not take place") tells of a day gone
    by and is left to the clause's tense."""
    cue = signals.cue
    return (
        cue is not None
        and cue.group == "cancelled"
        and (lex.negation is None or lex.negation.search(cue.text) is None)
    )


_TOPIC_DAY_WORDS = 4  # words from a topic word to the day that dates it
_TOPIC_OF_TALKS = 24  # characters from a meeting word to a topic word that qualifies it


def topic_day(mention: DateMention, clause: str, meetings: tuple[Span, ...], lex: Lexicon) -> bool:
    """Rule *topic's day*: a day a few words after a word for what talks are about, with
    no meeting word between (lexicon ``topic_words``: "survived the attack on Doha of 9
    September", "sopravvissuto all'attacco su Doha del 9 settembre"), dates that event,
    not the meeting. A topic word that itself follows a meeting word qualifies the talks
    ("talks on peace on Monday"), and a verb between makes the day that verb's ("the
    war in Ukraine will resume on Wednesday"): the day stays. Offsets are the clause's."""
    if lex.topics is None or mention.kind == VAGUE:
        return False
    for found in lex.topics.finditer(clause, max(0, mention.start - 80), mention.start):
        gap = clause[found.end() : mention.start]
        if len(gap.split()) > _TOPIC_DAY_WORDS or has_verb(gap, lex):
            continue  # far, or a verb between: the day is that verb's
        if any(found.end() <= m0 < mention.start for m0, _ in meetings):
            continue
        if any(
            0 <= found.start() - m1 <= _TOPIC_OF_TALKS
            and not CLAUSE_PUNCT.search(clause, m1, found.start())
            and len(clause[m1 : found.start()].split()) <= 2
            for _, m1 in meetings
        ):
            continue  # "talks on peace": the topic qualifies the talks
        return True
    return False


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
    # rule *place phrase at the gate*: "in the Kremlin" names Moscow as "in Moscow" does
    watched = {key for _, key, _ in r.s.places if not is_other_place(key)}
    entity_count = len({m.entity_id for m in r.s.mentions} | watched)
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


def their_last_meeting(status: MeetingStatus, clause: str, language: str) -> bool:
    """Rule *their last meeting*: a past meeting a clause calls the last one of people the
    article names (lexicon ``last_meeting``: "leur dernière rencontre remonte au 2
    décembre", "il loro ultimo incontro", "ultima lor întâlnire", "η τελευταία συνάντησή
    τους") is theirs: the possessive anchors it as their names would."""
    if status is not MeetingStatus.HELD:
        return False
    pattern = lexicon_words(language, "last_meeting")
    return pattern is not None and pattern.search(clause) is not None


def _says_again(clause: str, language: str) -> bool:
    pattern = lexicon_words(language, "again")
    return pattern is not None and pattern.search(clause) is not None


def _relative_clauses(s: Sentence, sentence: str, language: str, dated: _Dated) -> list[int]:
    """Where relative clauses of the sentence's places and people start and end (rules
    *relative clause of a place* and *relative clause of a person*)."""
    cuts = relative_clause_of_person(s, sentence, language, dated)
    pronouns = _relative_pronouns(language)
    if pronouns is None:
        return cuts
    ends = [m.end - s.start for m in s.mentions if m.kind is EntityKind.VENUE]
    ends.extend(end - s.start for _, _, end in s.places)
    return cuts + _clauses_of_their_own(sentence, ends, pronouns, language, dated) if ends else cuts


_Dated = Callable[[int, int], list[DateMention]]  # the sentence's days between two offsets


def relative_clause_of_person(
    s: Sentence, sentence: str, language: str, dated: _Dated
) -> list[int]:
    """Rule *relative clause of a person*: a relative clause set off by commas right
    after a tracked person ("Witkoff, who met Putin in Moscow last week, will travel to
    Kyiv on Friday", lexicon ``person_pronouns``: "der", "som", "joka", "kes") tells
    that person's past: it is a clause of its own, so its tense and its meeting are not
    the main clause's (Friday stays the coming one)."""
    pronouns = _person_pronouns(language)
    if pronouns is None:
        return []
    ends = [m.end - s.start for m in s.mentions if m.kind is EntityKind.ACTOR]
    return _clauses_of_their_own(sentence, ends, pronouns, language, dated) if ends else []


def _clauses_of_their_own(
    sentence: str, ends: list[int], pronouns: re.Pattern[str], language: str, dated: _Dated
) -> list[int]:
    """The relative clauses after ``ends`` (where people or places end) that are clauses
    of their own: all but those of a plan."""
    plan = _plan_words(language)
    cuts: list[int] = []
    for end in ends:
        found = relative_clause_of_place(sentence, [end], pronouns)
        if found and not clause_of_a_plan(sentence, found, plan, dated):
            cuts.extend(found)
    return cuts


def clause_of_a_plan(
    sentence: str,
    cut: list[int],
    plan: tuple[re.Pattern[str] | None, re.Pattern[str] | None],
    dated: _Dated,
) -> bool:
    """Rule *clause of a plan*: a relative clause after a person or a place that opens
    with the words of an earlier plan ("… with Zelensky, which was to take place on
    Thursday in the White House", "…, som skulle have fundet sted på torsdag", lexicon
    ``originally``) or, verb last, ends with them ("…, die am Montag stattfinden sollten,",
    ``originally_after``) and names a day tells the meeting's planned day and place, not
    the person's or the place's past ("Witkoff, who originally comes from New York," is
    his): it stays in the main clause. ``cut``: where the relative clause starts (at its
    pronoun) and, if it closes, ends."""
    opening, closing = plan
    end = cut[1] if len(cut) > 1 else len(sentence)
    clause = sentence[cut[0] : end]
    words = clause.split(maxsplit=1)
    planned = (opening is not None and len(words) == 2 and opening.match(words[1]) is not None) or (
        closing is not None and len(cut) > 1 and closing.search(clause) is not None
    )
    return planned and any(d.date is not None or d.weekday is not None for d in dated(cut[0], end))


def _coordinated(s: Sentence, sentence: str, lex: Lexicon) -> list[int]:
    """Where a second predicate joined by "and" starts, in a sentence naming two places
    (rule *coordinated meetings*)."""
    places = sum(1 for m in s.mentions if m.kind is EntityKind.VENUE) + len(s.places)
    if places == 1 and there_refers_back(sentence, lex.language):
        places = 2  # "flew to Washington and will hold talks there": the place said again
    if places < 2 or lex.structure is None:
        return []
    joiners = _joiners(lex.language)
    if joiners is None or (", " not in sentence and joiners.search(sentence) is None):
        return []
    scanned = lex.structure.scan(sentence)
    cues = [(start, end) for start, end, _, _ in scanned]
    before = list(cues)
    if lex.context is not None:  # a meeting word also makes the first predicate
        before.extend((a, b) for a, b, _, kind in lex.context.scan(sentence) if kind == "meeting")
    verb_final = lex.raw.get("verb_final") is True
    venues = tuple(m.start - s.start for m in s.mentions if m.kind is EntityKind.VENUE)
    cuts = coordinated_predicates(sentence, joiners, before, cues, verb_final, venues)
    kinds = [(start, kind) for start, _, _, kind in scanned]
    cuts = [cut for cut in cuts if not new_time_of_a_move(cut, kinds)]
    if ", " not in sentence:
        return cuts
    changes = [start for start, kind in kinds if kind in _CHANGES]
    kept = [
        cut
        for cut in cuts
        if not change_after_a_comma(sentence, cut, cues, changes)
        and not old_plan_before_a_comma(sentence, cut, lex.language)
    ]
    return kept + asyndetic_predicates(s, sentence, lex)


_CHANGES = ("moved", "cancelled", "denied")


def change_after_a_comma(
    sentence: str, cut: int, cues: list[tuple[int, int]], changes: list[int]
) -> bool:
    """A comma that a change of plan follows ("the meeting, which was to take place in
    Geneva on Friday, was moved to Riyadh") joins the change to the plan before it: one
    meeting, not a second predicate. ``cut``: where the second clause would start."""
    if sentence[max(0, cut - 2) : cut] != ", ":
        return False
    following = min((c0 for c0, _ in cues if c0 >= cut), default=None)
    return following is not None and following in changes


def old_plan_before_a_comma(sentence: str, cut: int, language: str) -> bool:
    """Rule *old plan before a comma*: a stretch set off by commas that tells an earlier
    plan ("…, inizialmente in programma a Riad a metà maggio, si terrà invece a Ginevra il
    4 e 5 maggio", lexicon ``originally``) is the plan of the meeting the next predicate
    reports: one meeting, moved, not a second predicate at the old place. A relative
    clause ("…, which was to take place in Geneva, will be held in Miami") is left to rule
    *old plan's clause*."""
    if sentence[max(0, cut - 2) : cut] != ", ":
        return False
    pattern = lexicon_words(language, "originally")
    if pattern is None:
        return False
    opening = sentence.rfind(", ", 0, cut - 2)
    start = opening + 2 if opening >= 0 else 0
    relative = lexicon_words(language, "relative_pronouns")
    if opening >= 0 and relative is not None and relative.match(sentence, start) is not None:
        return False
    return pattern.search(sentence, opening + 1 if opening >= 0 else 0, cut) is not None


_ASYNDETON_REACH = 24  # characters from a comma to the cue of the predicate it opens
# one meeting held, another ahead: a change after a plan ("…, was moved to Riyadh") is
# the same meeting's
_PAST_AND_AHEAD = {"held", "upcoming"}


def asyndetic_predicates(s: Sentence, sentence: str, lex: Lexicon) -> list[int]:
    """Rule *asyndetic predicates*: in a sentence naming a place on each side, a comma
    followed within a few words by a status cue of the other tense than the last one
    before it, held against ahead ("the first round took place in Istanbul, the second
    will be held in Geneva on Saturday", "первый раунд прошел в Стамбуле, второй
    состоится в субботу в Женеве") starts a second clause: two meetings, each with its
    place, day and status. Returns where such clauses start (offsets in the sentence)."""
    if lex.structure is None:
        return []
    cues = [
        (start, kind) for start, _, _, kind in lex.structure.scan(sentence) if kind in CUE_GROUPS
    ]
    if len({kind for _, kind in cues}) < 2:
        return []
    places = sorted(
        [m.start - s.start for m in s.mentions if m.kind is EntityKind.VENUE]
        + [start - s.start for start, _, _ in s.places]
    )
    cuts: list[int] = []
    comma = sentence.find(", ")
    while comma != -1:
        last = max((c for c in cues if c[0] < comma), default=None)
        after = min((c for c in cues if c[0] > comma), default=None)
        if (
            last is not None
            and after is not None
            and after[0] - comma <= _ASYNDETON_REACH
            and {last[1], after[1]} == _PAST_AND_AHEAD
            and any(p < comma for p in places)
            and any(p > comma for p in places)
        ):
            cuts.append(comma + 1)
        comma = sentence.find(", ", comma + 2)
    return cuts


def participle_phrase(s: Sentence, sentence: str, lex: Lexicon) -> list[int]:
    """Rule *participle phrase*: a held participle before its noun, with a place before it
    and another status cue after it ("Putinin Moskovassa tiistaina tavannut Witkoff tapaa
    Umerovin Floridassa tänään", "nach dem in Genf am Dienstag abgehaltenen Treffen wird
    Witkoff am Freitag nach Moskau reisen", lexicon ``held_participles``), ends a clause
    of its own: the meeting it tells was held there and then, and the rest of the
    sentence reports another. Returns where the rest starts."""
    if lex.structure is None:
        return []
    pattern = _held_participles(lex.language)
    if pattern is None:
        return []
    found = list(pattern.finditer(sentence))
    if not found:
        return []
    places = [m.start - s.start for m in s.mentions if m.kind is EntityKind.VENUE]
    places.extend(start - s.start for start, _, _ in s.places)
    cues = [start for start, _, _, kind in lex.structure.scan(sentence) if kind in CUE_GROUPS]
    return [
        m.end() + 1
        for m in found
        if any(p < m.start() for p in places) and any(c >= m.end() for c in cues)
    ]


def talks_ahead_phrases(
    s: Sentence, sentence: str, lex: Lexicon, days: Callable[[], list[DateMention]]
) -> list[Span]:
    """Rule *talks ahead*: a meeting word governed by "before" or "ahead of" (lexicon
    ``before_words``) with a day in its phrase ("Ahead of Thursday's meeting in Moscow,
    Witkoff spoke with Umerov", "Przed czwartkowym spotkaniem w Moskwie Witkoff rozmawiał
    z Umierowem", "Witkoff arrived on Tuesday ahead of the talks in Geneva on Thursday")
    names talks still to come when the rest of the sentence happened: the phrase is a
    clause of its own, whose place and day are those talks', not those of what the rest
    reports, and no later clause takes its place. The phrase runs to the next comma, or,
    when a cue or a reporting verb comes first, over the places and days that follow the
    meeting word closely (*phrase of the talks*). A phrase without a day is left in its
    clause ("una semana antes de la cumbre en Alaska" tells when something else was).
    Returns the phrases' spans in ``sentence``."""
    if lex.meeting is None or not _names_before(lex.language).search(sentence):
        return []  # most sentences: no "before" word, no meeting word to look at
    pattern, last = _before_words(lex.language), _before_words_last(lex.language)
    spans: list[Span] = []
    for meeting in lex.meeting.finditer(sentence):
        m0, m1 = meeting.span()
        found = pattern.search(sentence, max(0, m0 - 32), m0) if pattern else None
        # "before" right after the meeting word, or after its place and day
        # ("derybų Maskvoje išvakarėse")
        post = (
            last.match(sentence, m1) or last.match(sentence, _parts_after(s, sentence, m1, days()))
            if last
            else None
        )
        if found is not None:
            span = (found.start(), _phrase_end(s, sentence, lex, m1, days()))
        elif post is not None:
            comma = post.end() + 1 if sentence[post.end() : post.end() + 1] in _COMMAS else 0
            span = (_phrase_start(s, sentence, m0, days()), max(post.end(), comma))
        else:
            continue
        if any(span[0] <= d.start < span[1] for d in days()):
            spans.append(span)
    return spans


_COMMAS = (",", "、", "，")
_NOTHING = re.compile("(?!)")


@lru_cache(maxsize=64)
def _names_before(language: str) -> re.Pattern[str]:
    """Any word of the language's ``before_words`` or ``before_words_last``, wherever it
    stands (a quick test before the meeting words are looked at)."""
    words = [
        p
        for p in (
            entries_between(language, "before_words", r"(?<!\w)", ""),
            entries_between(language, "before_words_last", "", ""),
        )
        if p is not None
    ]
    return re.compile("|".join(p.pattern for p in words)) if words else _NOTHING


def _before_words_last(language: str) -> re.Pattern[str] | None:
    """ "Before" right after the meeting word, its case ending or particle between
    ("görüşmesi öncesinde", "会談を前に", "회담을 앞두고", "会晤之前")."""
    return entries_between(language, "before_words_last", r"\S{0,3}?\s*(?:", r")")


def _phrase_start(s: Sentence, sentence: str, start: int, days: list[DateMention]) -> int:
    """Where the phrase of a meeting word starting at ``start`` starts when its places and
    days stand before it (the mirror of :func:`_phrase_end`)."""
    for p0, p1 in sorted(_phrase_parts(s, days), reverse=True):
        if p1 <= start:
            if not _within_the_phrase(sentence[p1:start]):
                break
            start = p0
    return start


_PHRASE_GAP_WORDS = 3  # words between the parts of a phrase ("spotkaniem z Umierowem w")


def _phrase_parts(s: Sentence, days: list[DateMention]) -> list[Span]:
    """The places and days of a sentence, the parts a phrase of talks may run over
    (offsets in the sentence)."""
    parts = [(m.start - s.start, m.end - s.start) for m in s.mentions if m.kind is EntityKind.VENUE]
    parts += [(p0 - s.start, p1 - s.start) for p0, _, p1 in s.places]
    return parts + [(d.start, d.end) for d in days]


def _phrase_end(s: Sentence, sentence: str, lex: Lexicon, end: int, days: list[DateMention]) -> int:
    """Where the phrase of a meeting word ending at ``end`` ends: at the next comma, unless
    a cue or a reporting verb comes first; then after the places and days that follow the
    word, each at most a few words after the last, no punctuation between."""
    comma = sentence.find(",", end)
    if comma != -1 and not _cue_between(sentence, lex, end, comma):
        return comma + 1
    return _parts_after(s, sentence, end, days)


def _parts_after(s: Sentence, sentence: str, end: int, days: list[DateMention]) -> int:
    """The end of the places and days that follow ``end`` closely, one after another."""
    for p0, p1 in sorted(_phrase_parts(s, days)):
        if p0 >= end:
            if not _within_the_phrase(sentence[end:p0]):
                break
            end = p1
    return end


def _within_the_phrase(gap: str) -> bool:
    """A gap between two parts of a phrase: a few words, no punctuation."""
    return len(gap.split()) <= _PHRASE_GAP_WORDS and not CLAUSE_PUNCT.search(gap)


def _cue_between(sentence: str, lex: Lexicon, start: int, end: int) -> bool:
    """A status cue or a reporting verb starts between two offsets."""
    if lex.reporting is not None and lex.reporting.search(sentence, start, end) is not None:
        return True
    return lex.structure is not None and any(
        start <= c0 < end and kind in CUE_GROUPS for c0, _, _, kind in lex.structure.scan(sentence)
    )


def talks_ahead(
    signals: ClauseSignals, days: list[DateMention], published: date | None
) -> ClauseSignals:
    """The phrase of rule *talks ahead* that names a day reads as a plan, a weekday the
    coming one, when no cue of its own says otherwise; a day already past is a meeting
    held. Without a day it states nothing ("before the talks in Geneva, Witkoff met
    Zelensky" may be told after them)."""
    if signals.cue is not None or not days:
        return signals
    if published and all(d.weekday is None and d.date and d.date < published for d in days):
        return signals._replace(cue=Cue("held", 0, 0, ""), direction=-1)
    return signals._replace(cue=Cue("upcoming", 0, 0, ""), direction=1)


def _before_words(language: str) -> re.Pattern[str] | None:
    """ "Before" with up to two words before the meeting word it governs ("ahead of
    Thursday's")."""
    return governing_words(language, "before_words")


@lru_cache(maxsize=64)
def _held_participles(language: str) -> re.Pattern[str] | None:
    return entries_between(language, "held_participles", r"(?<!\w)(?:", r")(?!\w)")


@lru_cache(maxsize=64)
def _plan_words(language: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The words of an earlier plan that open a relative clause, and those that end it."""
    return (
        entries_between(language, "originally", r"\s*(?:", r")(?!\w)"),
        entries_between(language, "originally_after", r"(?<!\w)(?:", r")\W*$"),
    )


def new_time_of_a_move(cut: int, kinds: list[tuple[int, str]]) -> bool:
    """Rule *new time of a move*: "and" between a move and a plan ("were moved to Geneva
    and will take place on Monday", "перенесены в Женеву и пройдут в понедельник") joins
    the move to its new time, one predicate, not two meetings: the meeting is
    rescheduled to that day. ``kinds``: where each status cue starts, and its group."""
    last = max((k for k in kinds if k[0] < cut), default=None)
    after = min((k for k in kinds if k[0] >= cut), default=None)
    return last is not None and after is not None and last[1] == "moved" and after[1] == "upcoming"


@lru_cache(maxsize=64)
def _joiners(language: str) -> re.Pattern[str] | None:
    """ "And" between two predicates: a word of its own, or (lexicon ``attached_joiners``:
    Arabic "و", Hebrew "ו") a letter written joined to the next word, which the match
    stops before, so that a cue spelling it ("وسيلتقي", "וייפגש") starts where it ends."""
    attached = load_lexicon(language).raw.get("attached_joiners") or []
    joined = rf"|(?=(?:{'|'.join(attached)})\w)" if attached else ""
    return entries_between(language, "list_joiners", r"[\s,]+(?:(?:", r")\s+" + joined + ")")


@lru_cache(maxsize=64)
def _person_pronouns(language: str) -> re.Pattern[str] | None:
    """A comma and a relative pronoun for a person right after a name ("Witkoffs, der")."""
    return entries_between(language, "person_pronouns", r"[\w']*\s*,\s+", r"(?!\w)")


def _relative_pronouns(language: str) -> re.Pattern[str] | None:
    """A comma and a relative pronoun right after a place (the place's word may run on
    in an ending: "Genewie, gdzie")."""
    return entries_between(language, "relative_pronouns", r"[\w']*\s*,\s+", r"(?!\w)")


@lru_cache(maxsize=64)
def _last_modifiers(language: str) -> re.Pattern[str] | None:
    return alternation(load_lexicon(language).raw["weekday_modifiers"]["last"])


_ORIGINAL_DAY_REACH = 60  # characters from an "originally planned" phrase to the old day


def originally_planned(
    dates: list[DateMention], origin: int, *, after: bool = False
) -> tuple[DateMention | None, list[DateMention]]:
    """Rule *originally planned*: in "originally planned for 1 February" / "statt am
    28. November" the day right after the phrase is the old one; any other day (after
    it, or before it: "am Mittwoch und nicht wie ursprünglich geplant am Sonntag") is
    the new one. A word that follows the old day (lexicon ``originally_after``:
    "perşembe yerine", "torstain sijaan", instead of Thursday) marks the day right
    before it. Returns the old day, if any, and the days left. The old day may be a
    weekday beside a new date ("which was to take place on Thursday, will be held on 4
    May": *old weekday, new date*), so every day-precise day counts, not only the dates
    ``pick_dates`` prefers."""
    if after:
        old_day = day_before_the_word([d for d in dates if d.date is not None], origin)
        return old_day, [d for d in dates if d is not old_day]
    days = sorted((d for d in dates if d.date is not None), key=lambda d: d.start)
    first = [d for d in days if 0 <= d.start - origin <= _ORIGINAL_DAY_REACH][:1]
    if not first:
        return _contrasted_before(dates, origin)
    old = first[0]
    return old, [d for d in dates if d is not old]


_NEW_DAY_GAP = 3  # words from a plan's day to a new one ("Thursday and Friday": one plan)


def plan_then_another_day(
    signals: ClauseSignals, dates: list[DateMention], clause: str, language: str
) -> ClauseSignals:
    """Rule *plan, then another day*: a planning phrase with its day (lexicon
    ``planned_for``: "scheduled for Thursday", "zaplanowane na czwartek", "für Donnerstag
    angesetzt") followed further on in the clause by another day ("will now take place on
    Monday", "odbędą się dopiero w poniedziałek") names the old plan and the new day: the
    clause reads as *originally planned*. With no other day it is the plan itself."""
    if signals.originally_at is not None:
        return signals
    days = [d for d in dates if d.date is not None]
    if len(days) < 2:
        return signals  # (an old day and a new one, or nothing to read)
    pattern = entries_between(language, "planned_for", r"(?<!\w)(?:", r")(?!\w)")
    if pattern is None:
        return signals
    for found in pattern.finditer(clause):
        old = [d for d in days if 0 <= d.start - found.start() <= _ORIGINAL_DAY_REACH][:1]
        if old and any(
            d.date != old[0].date and len(clause[old[0].end : d.start].split()) >= _NEW_DAY_GAP
            for d in days
        ):
            return signals._replace(originally=True, originally_at=found.start())
    return signals


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


def journey_without_purpose(r: _SentenceReading, signals: ClauseSignals, c0: int, c1: int) -> bool:
    """Rule *journey without purpose*: a clause that tells only of a journey (its cue is a
    verb of going, lexicon ``journey_verbs``: "flew to", "poleciał do", "прилетел", "s'est
    rendu"), with no purpose phrase ("to meet", "for talks") and no meeting word of its
    own (one governed by "after" is an earlier meeting's: "after the talks, Witkoff flew
    to Riyadh"), states no meeting: where someone went is not where talks are. A relative
    clause of the place after it ("flew to Moscow on Thursday, where he met Putin") tells
    what happened there, on the journey's day: the clause stays, unless that clause is the
    journey's purpose ("прибыл в Майами, где в субботу проведёт переговоры")."""
    cue = signals.cue
    if cue is None or signals.purpose_at is not None:
        return False
    journeys = _journey_verbs(r.lex.language)
    if journeys is None or journeys.fullmatch(cue.text) is None:
        return False
    where = _relative_pronoun_at(r.lex.language)
    if where is not None and where.match(r.folded, c1) is not None:
        # "arrived in Miami, where on Saturday he will hold talks": the place's clause
        # is the journey's purpose, and the journey states no meeting of its own
        purpose = entries_between(r.lex.language, "purpose", r"[\s,]*(?:", ")")
        return purpose is not None and purpose.match(r.folded, c1) is not None
    after = _after_words(r.lex.language)
    a0, a1 = r.s.start + c0, r.s.start + c1
    folded = r.s.folded
    return not any(
        after is None or after.search(folded, max(a0, m0 - 32), m0) is None
        for m0, _ in r.meeting_spans
        if a0 <= m0 < a1
    )


def _journey_verbs(language: str) -> re.Pattern[str] | None:
    return entries_between(language, "journey_verbs", "(?:", ")")


def trip_to_meet(signals: ClauseSignals, clause_venues: list[Place], a0: int) -> bool:
    """Rule *journey's day*: a clause names a trip when a place stands before its purpose
    phrase ("fly to Moscow on Saturday to meet Putin", "reizen naar Abu Dhabi voor
    gesprekken"); "is expected to meet Putin on Saturday" names the meeting itself."""
    if signals.purpose_at is None:
        return False
    purpose = a0 + signals.purpose_at
    return any(v[0] < purpose for v in clause_venues)


def moved_from_a_place(r: _SentenceReading, clause_venues: list[Place], a0: int) -> list[Place]:
    """Rule *moved from a place*: a move that names its old place after a word for
    "from" ("перенесли из Женевы в Париж", "се преместват от Женева в Париж", lexicon
    ``from_prepositions``) names the new one after it, though "в" also means "in": the
    clause's places after the old one, as the target-marked ones otherwise."""
    source = entries_between(r.lex.language, "from_prepositions", r"(?<!\w)", r"\s+$")
    if source is None:
        return []
    folded = r.s.folded
    old = next(
        (
            m
            for m in r.s.mentions
            if m.kind is EntityKind.VENUE
            and a0 <= m.start
            and source.search(folded, max(a0, m.start - 8), m.start) is not None
        ),
        None,
    )
    if old is None:
        return []
    return [v for v in clause_venues if v[0] > old.start and v[1] != old.entity_id]


def moved_to_a_place(
    r: _SentenceReading,
    clause_venues: list[Place],
    status: MeetingStatus,
    a0: int,
    previous: str | None = None,
) -> tuple[MeetingStatus, str | None, list[Place]]:
    """Rule *moved to a place*: a meeting moved from one place to another ("moved from
    Abu Dhabi to Geneva", "flyttes fra Abu Dhabi til Genève", "verplaatst van Abu Dhabi
    naar Genève") is rescheduled there, with or without a new day: the place a target
    preposition marks is the new one, the clause's other place the old one, unless the
    rule *previous venue* has named the old one (``previous``: "som skulle ha funnet sted
    i Genève fredag, flyttes til Riyadh"). Returns the status, the previous venue (or
    None) and the clause's venues left."""
    folded = r.s.folded
    targets = r.lex.targets
    new = [
        v
        for v in clause_venues
        if target_marked(
            folded[max(0, v[0] - 12) : v[0]].split(),
            folded[v[0] : v[2]].split()[:1],
            folded[v[0] : v[2]],
            folded[v[2] : v[2] + 8],
            targets,
        )
    ]
    if not new:
        new = moved_from_a_place(r, clause_venues, a0)
    if not new:
        return status, previous, clause_venues
    if previous is not None:
        return MeetingStatus.RESCHEDULED, previous, clause_venues
    # the old place need not be governed: "from Abu Dhabi" places nothing there now
    old = [
        m
        for m in r.s.mentions
        if m.kind is EntityKind.VENUE and a0 <= m.start < new[0][0] and m.entity_id != new[0][1]
    ]
    if not old:
        return status, None, clause_venues
    previous = old[-1].entity_id
    return MeetingStatus.RESCHEDULED, previous, [v for v in clause_venues if v[1] != previous]


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


def move_in_two_steps(r: _SentenceReading, c1: int) -> bool:
    """Rule *move in two steps*: a meeting moved to another place whose new day a later
    clause of the sentence names with a target preposition ("which was to take place in
    Istanbul on Friday, is moved to Geneva and put off to Monday 24 August", "flyttes til
    Genève og utsettes til mandag 24. august") does not keep its day (rule *day kept by
    a move of place*): that day is the one it moved from. ``c1``: the clause's end in the
    sentence."""
    folded = r.folded
    return any(
        d.start >= c1
        and (d.date is not None or d.weekday is not None)
        and (r.published is None or d.date is None or d.date >= r.published)
        and target_marked(
            folded[max(c1, d.start - 12) : d.start].split(),
            folded[d.start : d.end].split()[:1],
            folded[d.start : d.end],
            folded[d.end : d.end + 8],
            r.lex.targets,
        )
        for d in r.dates
    )


def _new_and_old_days(
    signals: ClauseSignals,
    dates: list[DateMention],
    status: MeetingStatus,
    clause: str,
    lex: Lexicon,
    place_moved: bool = False,
) -> tuple[list[DateMention], dt.date | None]:
    """The clause's meeting days and, for a rescheduled meeting, the day it moved from
    ("moved from 28 November to 2 December", "planned for Wednesday, moved to 20
    April": a day that is not the new one; a weekday counts too). Rule *day kept by a
    move of place*: a meeting moved to another place (``place_moved``) with no new time
    ("which was to take place in Geneva on Friday, has been moved to Riyadh") keeps its
    day."""
    picked = pick_dates(dates, signals.cue.start if signals.cue else None)
    if status is not MeetingStatus.RESCHEDULED:
        return picked, None
    fresh = new_times(signals, dates, clause, lex.targets)
    picked = [d for d in picked if d in fresh] or pick_dates(fresh, None)
    stale = [d for d in dates if d.date is not None and d.kind != VAGUE and d not in fresh]
    replaced = [d for d in stale if d.kind == ABSOLUTE] or stale
    if place_moved and not fresh and replaced:
        return [replaced[0]], None
    return picked, (replaced[0].date if replaced else None)


def presence_cue(signals: ClauseSignals, status: MeetingStatus, r: _SentenceReading) -> bool:
    """Rule *presence on the day*, told by a held cue that opens with a word of being
    somewhere (lexicon ``presence_words``: "находится в Москве для переговоров", "boravi u
    Abu Dabiju na razgovorima"): the meeting there is under way on the publication day."""
    cue = signals.cue
    if status is not MeetingStatus.HELD or cue is None:
        return False
    pattern = lexicon_words(r.lex.language, "presence_words")
    return pattern is not None and pattern.match(cue.text) is not None


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
