"""Clause-level status cues: what a clause says happened to a meeting.

Rule order (see docs/extraction.md for the reasons):

1. Idioms are masked first ("do odwołania", "until further notice", "phone call"),
   so the cue words inside them are never read.
2. Cues of every group are collected; where two overlap the longer wins
   ("agreed to hold" beats "agreed"), so a phrase is read as a phrase.
3. A cue with a negation word in the three words before it is dropped
   ("nie zostało odwołane", "would not cancel"). Negated upcoming phrases that
   mean something else ("nie jest planowane" = denied) are listed as phrases.
4. A cancel/move cue with a modal shortly before it is dropped and makes the
   clause tentative ("termin może ulec przesunięciu"); after talk of the change by
   those involved ("discussed postponing", "the possibility of cancelling") it is
   kept, as a tentative change.
5. The strongest remaining cue wins: denied > cancelled > moved > held > upcoming;
   a held cue beside a repetition phrase ("have met six times") yields to any other.
6. Hedges (media reports, sources, "could", "expected") make it tentative, unless
   a confirmation cue in the same clause outweighs them.
7. Tense cues (and the winning cue's own direction) give the clause a direction
   used to resolve bare weekdays and, when no cue is present, the status.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from bot.extract.dates import ABSOLUTE, RELATIVE, VAGUE, WEEKDAY, DateMention
from bot.extract.lexicons import (
    STATUS_GROUPS,
    Lexicon,
    entries_between,
    lexicon_words,
    word_start_spans,
)
from bot.extract.periods import PERIOD_LABELS, vague_period
from bot.models import MeetingStatus

PRECEDENCE = {group: rank for rank, group in enumerate(reversed(STATUS_GROUPS))}
NEGATION_WINDOW = 3  # words before a cue that may negate it
MODAL_WINDOW = 10  # words before a cancel/move cue (back to the previous cue) that may
# make it hypothetical
_WORD = re.compile(r"\w+(?:'\w+)?")
_APPOSITION = re.compile(r"[\s,–—-]{1,4}(?:(?:dem|den|le|el|il|the)\s)?")
_CUE_DIRECTION = {"held": -1, "upcoming": 1, "moved": 1}
_RELATIVE_LABELS = frozenset(PERIOD_LABELS.values())
# Question marks of every script that has its own ("¿" opens, so it is not here); a
# language whose mark is another character lists it (lexicon ``question_marks``).
QUESTION_MARKS = ("?", "？", "؟", "\u037e")
_AFTER_THE_MARK = " \t\n\"'»”’)]」』）"


# Named tuples, not frozen dataclasses: several are made for every sentence analysed,
# and a tuple is built several times faster.
class Cue(NamedTuple):
    group: str
    start: int
    end: int
    text: str


class ClauseSignals(NamedTuple):
    """Everything the cue lexicon says about one clause."""

    cue: Cue | None  # the winning status cue, if any
    tentative: bool
    confirmed: bool
    official: bool
    meeting_word: bool
    indefinite: bool
    habitual: bool  # "met six times": a series of meetings
    reaffirm: bool
    originally: bool
    originally_at: int | None  # where an "originally planned" cue starts
    direction: int  # +1 future, -1 past, 0 unknown
    reporting: tuple[tuple[int, int], ...]  # spans of reporting verbs ("said", "powiedział")
    cue_spans: tuple[tuple[int, int], ...] = ()  # every status cue and meeting word
    meeting_spans: tuple[tuple[int, int], ...] = ()
    planned_spans: tuple[tuple[int, int], ...] = ()  # upcoming cues ("planned", "zaplanowane")
    journey_ahead: bool = False  # a journey "to meet": the meeting is still ahead
    # the "originally" word follows the old day ("perşembe yerine", "torstain sijaan")
    originally_after: bool = False
    purpose_at: int | None = None  # where a purpose phrase ("to meet", "för att träffa") starts
    presence: bool = False  # someone is (was) in a place for talks: they are under way there

    @property
    def group(self) -> str | None:
        return self.cue.group if self.cue else None


def denial_of_a_change(winner: Cue | None, kept: list[Cue]) -> Cue | None:
    """Rule *denial of a change*: a denial of reports that the meeting was put off or
    called off ("denied reports that the meeting had been postponed", "опроверг
    сообщения о том, что встреча отложена", "отрече информациите, че срещата е
    отложена") says it still stands: a meeting ahead, reaffirmed. Returns the cue it
    reads as (None when the rule does not apply)."""
    if winner is None or winner.group != "denied":
        return None
    # the change must be what is denied: the next cue after the denial ("denied that the
    # meeting was planned, after it was cancelled" denies the plan)
    after = [c for c in kept if c.start >= winner.end]
    if after and min(after, key=lambda c: c.start).group in ("cancelled", "moved"):
        return Cue("upcoming", winner.start, winner.end, winner.text)
    return None


def _spans(pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    if pattern is None:
        return []
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _scan(lex: Lexicon, name: str, text: str) -> list[tuple[int, int]]:
    """Spans of the lexicon pattern ``name`` (its faster word-start form if it has one)."""
    fast = lex.word_start.get(name)
    if fast is not None:
        return word_start_spans(fast, text)
    return _spans(getattr(lex, name), text)


def _words_before(text: str, position: int, count: int) -> str:
    """The last ``count`` words before ``position`` (bounded look-back, no regex scan)."""
    window = text[max(0, position - 24 * count) : position]
    words = _WORD.findall(window)
    return " ".join(words[-count:])


def a_question(sentence: str, lex: Lexicon) -> bool:
    """Rule *a question is no statement*: a sentence that ends with a question mark
    ("Will Witkoff meet Putin in Moscow on Thursday?", "هل يلتقي ويتكوف بوتين في موسكو؟")
    asserts nothing: the meetings it names are tentative."""
    asked = sentence.rstrip(_AFTER_THE_MARK)
    return asked.endswith(QUESTION_MARKS) or asked.endswith(tuple(lex.raw["question_marks"]))


def _has(pattern: re.Pattern[str] | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


def analyse_clause(
    folded: str, lex: Lexicon, needs_tense: bool | Callable[[], bool] = True
) -> ClauseSignals:
    """Read the cues of one lower-cased, folded clause.

    ``needs_tense=False`` (no weekday to resolve) lets a clause with a status cue
    take its direction from that cue alone, skipping the tense scans. A callable is
    asked only when the answer matters: a clause with neither a cue nor a meeting word
    returns before (the caller can then skip finding the sentence's dates).
    """
    cues, text = idioms_and_longest_cues(folded, lex)

    kept, tentative = negation_and_modality(cues, text, lex)
    winner = (
        kept[0]
        if len(kept) == 1
        else max(kept, key=lambda c: (PRECEDENCE[c.group], c.end - c.start), default=None)
    )

    hedged, official, reporting, meeting_spans = _context(text, lex)
    if not cues and not meeting_spans:
        # nothing to report about a meeting: only hedges and reporting verbs matter
        # to the rest of the sentence, so skip the remaining scans
        return _nothing_about_a_meeting(tentative or hedged, reporting)
    if winner is not None and participle_in_background(text, winner, lex.language):
        winner = _foreground(winner, kept)
    found, originally_at, purpose_spans = clause_flags(folded, text, lex, reporting)
    journey = winner
    winner = travel_to_meet(winner, kept, purpose_spans)
    journey_ahead = journey is not None and journey.group == "held" and winner is not journey
    presence = journey is None and presence_for_talks(text, meeting_spans, purpose_spans, lex)
    if presence:
        purpose_spans = []  # no journey: the purpose phrase says nothing of the tense
    standing = denial_of_a_change(winner, kept)
    winner = standing or winner
    reaffirm = "reaffirm" in found or standing is not None
    if "habitual" in found and winner is not None and winner.group == "held":
        # "will meet in Moscow, where they have met six times": the repeated past
        # meetings are background; another cue says what this clause reports
        winner = _foreground(winner, kept)
    confirm_spans = _scan(lex, "confirm", text)
    confirmed = any(
        not _has(lex.negation, _words_before(text, start, NEGATION_WINDOW))
        for start, _ in confirm_spans
    )
    tentative = tentative or hedged
    spans = tuple((c.start, c.end) for c in cues) + meeting_spans
    planned_spans = tuple((c.start, c.end) for c in cues if c.group == "upcoming")
    return ClauseSignals(
        cue=winner,
        tentative=tentative,
        confirmed=confirmed and not hedged,
        official=official,
        meeting_word=bool(meeting_spans),
        indefinite="indefinite" in found,
        habitual="habitual" in found,
        reaffirm=reaffirm,
        originally=originally_at is not None,
        originally_at=originally_at,
        direction=(
            _direction(text, lex, winner, reporting, meeting_spans, purpose_spans)
            if winner is None or (needs_tense() if callable(needs_tense) else needs_tense)
            else _CUE_DIRECTION.get(winner.group, 0)
        ),
        reporting=reporting,
        cue_spans=spans,
        meeting_spans=meeting_spans,
        planned_spans=planned_spans,
        journey_ahead=journey_ahead,
        originally_after="originally_after" in found and "originally" not in found,
        purpose_at=purpose_spans[0][0] if purpose_spans else None,
        presence=presence,
    )


def _nothing_about_a_meeting(
    tentative: bool, reporting: tuple[tuple[int, int], ...]
) -> ClauseSignals:
    """The signals of a clause with neither a status cue nor a meeting word."""
    return ClauseSignals(
        cue=None,
        tentative=tentative,
        confirmed=False,
        official=False,
        meeting_word=False,
        indefinite=False,
        habitual=False,
        reaffirm=False,
        originally=False,
        originally_at=None,
        direction=0,
        reporting=reporting,
    )


def _foreground(winner: Cue, kept: list[Cue]) -> Cue:
    """The best cue of another group than a held one in the background, if any."""
    others = [c for c in kept if c.group != "held"]
    return max(others, key=lambda c: (PRECEDENCE[c.group], c.end - c.start), default=winner)


_PRESENCE_WORDS = 4  # words between "is in" and its "for talks" (the place, "now", ...)


def presence_for_talks(
    text: str,
    meeting_spans: tuple[tuple[int, int], ...],
    purpose_spans: list[tuple[int, int]],
    lex: Lexicon,
) -> bool:
    """Rule *presence for talks*: someone said to be in a place (lexicon
    ``presence_cues``: "is in", "was in", "przebywa w", "jest w", "bulunuyor") with a
    meeting word or purpose phrase a few words after, or verb last before, it ("Witkoff
    is in Moscow for talks", "przebywa w Moskwie na rozmowach") states talks there at the
    time of the presence: no journey, so the purpose phrase does not put them ahead."""
    pattern = entries_between(lex.language, "presence_cues", r"(?<!\w)(?:", r")(?!\w)")
    if pattern is None:
        return False
    spans = (*meeting_spans, *purpose_spans)
    for found in pattern.finditer(text):
        after = [start for start, _ in spans if start >= found.end()]
        if after and len(_WORD.findall(text, found.end(), min(after))) <= _PRESENCE_WORDS:
            return True
        # verb last ("görüşmek üzere Moskova'da bulunuyor"): the talks stand before it
        before = [end for _, end in spans if end <= found.start()]
        if before and len(_WORD.findall(text, max(before), found.start())) <= _PRESENCE_WORDS:
            return True
    return False


def presence_status(dates: list[DateMention], published: date | None) -> MeetingStatus:
    """Rule *presence for talks*: the talks of a presence are held (under way) unless the
    clause dates them after publication."""
    day = next((d.date for d in dates if d.kind == ABSOLUTE and d.date is not None), None)
    day = day or next((d.date for d in dates if d.date is not None), None)
    ahead = day is not None and published is not None and day > published
    return MeetingStatus.UPCOMING if ahead else MeetingStatus.HELD


def participle_in_background(text: str, cue: Cue, language: str) -> bool:
    """Rule *participle in the background*: a meeting told by a participle before its
    noun (lexicon ``held_participles``: "nach dem in Genf abgehaltenen Treffen", "numa
    reunião realizada", "Putinin tavannut Witkoff") was held, but when the clause has
    another cue, that one says what the clause reports ("… wird Witkoff am Freitag nach
    Moskau reisen")."""
    if cue.group != "held":
        return False
    pattern = entries_between(language, "held_participles", "(?:", ")")
    return pattern is not None and pattern.fullmatch(text, cue.start, cue.end) is not None


def clause_flags(
    folded: str, text: str, lex: Lexicon, reporting: tuple[tuple[int, int], ...]
) -> tuple[set[str], int | None, list[tuple[int, int]]]:
    """The clause's flag words (lexicon ``flags``): which kinds occur, where the first
    "originally" stands, and the purpose phrases ("to meet") of a journey still ahead."""
    found: set[str] = set()
    originally_at: int | None = None
    purpose_spans: list[tuple[int, int]] = []
    if lex.flags is not None:
        for start, end, _, kind in lex.flags.scan(folded):
            found.add(kind)
            if kind in ("originally", "originally_after") and originally_at is None:
                originally_at = start
            elif kind == "purpose":
                purpose_spans.append((start, end))
    if purpose_spans and ("habitual" in found or _past_markers(text, lex, reporting) > 1):
        # "flew to Miami for talks several times", "in recent weeks flew to Miami for
        # talks": the journey is not the clause's only past marker, so it is long past
        purpose_spans = []
    return found, originally_at, purpose_spans


def idioms_and_longest_cues(folded: str, lex: Lexicon) -> tuple[list[Cue], str]:
    """Rules *idioms first* and *longest cue wins*: the clause's status cues outside
    idioms, the longer of two overlapping ones kept, and the clause with its idioms
    blanked."""
    cues: list[Cue] = []
    idioms: list[tuple[int, int]] = []
    if lex.structure is not None:
        for start, end, matched, kind in lex.structure.scan(folded):
            if kind in PRECEDENCE:
                cues.append(Cue(kind, start, end, matched))
            elif kind == "idiom":
                idioms.append((start, end))
    return idiom_support_verb(_longest(cues), idioms, folded), _blank(folded, idioms)


# "провів телефонну розмову", "held a phone call": the idiom right after the verb, or
# after one word (an article, an adjective)
_SPACES = re.compile(r"\s+")
_WORD_AND_SPACES = re.compile(r"\w+\s+")
_SUPPORT_GROUPS = ("held", "upcoming")


def idiom_support_verb(cues: list[Cue], idioms: list[tuple[int, int]], folded: str) -> list[Cue]:
    """Rule *idiom's support verb*: a verb of holding whose object is an idiom ("held a
    phone call", "will hold a phone call", "провів телефонну розмову", "odbył rozmowę
    telefoniczną") is part of the idiom, no cue of a meeting held or ahead."""
    if not idioms or not cues:
        return cues
    starts = {start for start, _ in idioms}

    def governs_idiom(cue: Cue) -> bool:
        space = _SPACES.match(folded, cue.end)
        if space is None:
            return False
        word = _WORD_AND_SPACES.match(folded, space.end())
        return space.end() in starts or (word is not None and word.end() in starts)

    return [c for c in cues if c.group not in _SUPPORT_GROUPS or not governs_idiom(c)]


def negation_and_modality(cues: list[Cue], text: str, lex: Lexicon) -> tuple[list[Cue], bool]:
    """Rules *negation* and *modality*: the cues that stand, and whether the clause is
    tentative. A negation in the three words before a cue drops it (the window stops
    at the previous cue); a modal before a cancel/move cue drops it and makes the
    clause tentative, unless those involved are talking about the change."""
    tentative = False
    kept: list[Cue] = []
    previous_end = 0
    for cue in cues:
        # a negation governs the nearest cue only ("nicht abgesagt und findet statt")
        scope = text[: cue.start]
        blanked = previous_end > 0
        if blanked:
            scope = " " * previous_end + scope[previous_end:]
        previous_end = cue.end
        before = _words_before(scope, cue.start, NEGATION_WINDOW)
        if before and _has(lex.negation, before) and not _negation_inside(cue, lex):
            continue
        if cue.group in ("cancelled", "moved"):
            # the talk is often a cue itself ("discussed"), so it is read in the whole
            # clause, not only back to the previous cue as the modal is
            talk = _words_before(text, cue.start, MODAL_WINDOW)
            if talk and _has(lex.deliberation, talk):
                tentative = True  # the change is on the table: reported, as tentative
            else:
                wider = _words_before(scope, cue.start, MODAL_WINDOW) if blanked else talk
                if wider and _has(lex.modal, wider):
                    tentative = True
                    continue
        kept.append(cue)
    return kept, tentative


def _context(
    text: str, lex: Lexicon
) -> tuple[bool, bool, tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Hedged, official, the reporting verbs' spans and the meeting words' spans."""
    hedged = False
    official = False
    reporting_list: list[tuple[int, int]] = []
    meeting_list: list[tuple[int, int]] = []
    if lex.context is not None:
        for start, end, matched, kind in lex.context.scan(text):
            if kind == "meeting":
                meeting_list.append((start, end))
            elif kind == "reporting":
                reporting_list.append((start, end))
            elif kind == "hedge":
                hedged = True
                if hedging_report(matched, lex):
                    reporting_list.append((start, end))
            else:
                official = True
    return hedged, official, tuple(reporting_list), tuple(meeting_list)


def hedging_report(word: str, lex: Lexicon) -> bool:
    """Rule *hedging report*: a hedge that is also a reporting verb ("berichtete", the
    paper reported; "teatas") both hedges and reports, so the day beside it is the
    report's ("hatte am Montag berichtet", rule *attribution*), not the meeting's."""
    return lex.reporting is not None and lex.reporting.fullmatch(word) is not None


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given spans replaced by spaces (same length)."""
    if not spans:
        return text
    parts = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(" " * (end - start))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _first(pattern: re.Pattern[str] | None, text: str) -> int | None:
    match = pattern.search(text) if pattern is not None else None
    return match.start() if match else None


def _negation_inside(cue: Cue, lex: Lexicon) -> bool:
    """True when the cue phrase carries its own negation ("nie odbędzie się")."""
    return lex.negation is not None and lex.negation.match(cue.text) is not None


def _longest(cues: list[Cue]) -> list[Cue]:
    """Drop cues lying inside a longer cue (of any group)."""
    if len(cues) < 2:
        return cues
    ordered = sorted(cues, key=lambda c: (-(c.end - c.start), c.start))
    kept: list[Cue] = []
    for cue in ordered:
        if all(cue.end <= k.start or cue.start >= k.end for k in kept):
            kept.append(cue)
    return sorted(kept, key=lambda c: c.start)


def _direction(
    text: str,
    lex: Lexicon,
    winner: Cue | None,
    reporting: tuple[tuple[int, int], ...],
    meeting_spans: tuple[tuple[int, int], ...] = (),
    purpose_spans: list[tuple[int, int]] | None = None,
) -> int:
    reported_from = reported_clause(text, lex, meeting_spans)

    def outside_reporting(span: tuple[int, int]) -> bool:
        if span[0] < reported_from:
            return False
        return all(span[1] <= r[0] or span[0] >= r[1] for r in reporting)

    past_spans = [s for s in _scan(lex, "past", text) if outside_reporting(s)]
    future_spans = [s for s in _scan(lex, "future", text) if outside_reporting(s)]
    future_spans.extend(purpose_spans or ())  # "to meet" after a journey: the meeting is ahead
    if winner is None and meeting_spans and (past_spans or future_spans):
        return meeting_clause_tense(past_spans, future_spans, meeting_spans)
    past = len(past_spans)
    future = len(future_spans)
    if winner is not None:
        if winner.group == "held":
            past += 2
        elif winner.group in ("upcoming", "moved"):
            future += 2
    if future > past:
        return 1
    if past > future:
        return -1
    return 0


def _past_markers(text: str, lex: Lexicon, reporting: tuple[tuple[int, int], ...]) -> int:
    """Past-tense cues outside reporting verbs ("said" dates the statement)."""
    return sum(
        1
        for start, end in _scan(lex, "past", text)
        if all(end <= r[0] or start >= r[1] for r in reporting)
    )


def travel_to_meet(
    winner: Cue | None, kept: list[Cue], purpose: list[tuple[int, int]]
) -> Cue | None:
    """Rule *travel to meet*: a held cue (an arrival, a trip) followed by a purpose
    phrase ("arrived in Moscow to meet Putin", "прибыл в Москву, чтобы встретиться",
    "ist in Moskau eingetroffen, um Putin zu treffen") reports the journey, not the
    meeting, which is still ahead of it. The held cue is set aside, and so is one inside
    the purpose phrase ("kako bi razgovarali", so that they talk); another cue, or else
    the day and the meeting clause's tense (the purpose phrase reads as future), decide."""
    if winner is None or winner.group != "held":
        return winner
    if not any(start >= winner.end or start <= winner.start < end for start, end in purpose):
        return winner  # neither a journey before a purpose phrase nor a verb inside one
    others = [c for c in kept if c.group != "held"]
    return max(others, key=lambda c: (PRECEDENCE[c.group], c.end - c.start), default=None)


def meeting_clause_tense(
    past: list[tuple[int, int]],
    future: list[tuple[int, int]],
    meetings: tuple[tuple[int, int], ...],
) -> int:
    """Rule *meeting clause's tense*: with no status cue, the tense cue nearest the
    clause's first meeting word decides, not the count of cues in the clause. "Trump
    said last Thursday that they would hold talks": "would" belongs to the talks, "said
    last Thursday" to the statement; "arrived on Monday to meet Putin": "to meet" is
    the meeting's own verb. (The first meeting word: a later one may be another
    meeting, "the meetings held on Saturday, a round that will go on until Sunday".)"""
    m_start, m_end = meetings[0]

    def distance(span: tuple[int, int]) -> int:
        if span[0] < m_end and m_start < span[1]:
            return 0
        return min(abs(span[0] - m_end), abs(m_start - span[1]))

    nearest_past = min(map(distance, past), default=None)
    nearest_future = min(map(distance, future), default=None)
    if nearest_future is not None and (nearest_past is None or nearest_future < nearest_past):
        return 1
    if nearest_past is not None and (nearest_future is None or nearest_past < nearest_future):
        return -1
    return 0


def reported_clause(
    text: str, lex: Lexicon, meeting_spans: tuple[tuple[int, int], ...] = ()
) -> int:
    """Rule *tense of the reporting clause*: where the reported clause starts, after the
    first complementizer ("confirmed that", "bestätigte, dass", "potwierdził, że",
    lexicon ``complementizers``) when every meeting word is after it; else 0. The tense
    before it is the report's ("Russia has confirmed that talks resume on Wednesday"),
    not the meeting's ("the talks brought nothing; both agreed that ..." keeps it)."""
    pattern = lexicon_words(lex.language, "complementizers")
    found = pattern.search(text) if pattern is not None and meeting_spans else None
    if found is None or any(start < found.end() for start, _ in meeting_spans):
        return 0
    return found.end()


def new_times(
    signals: ClauseSignals, dates: list[DateMention], folded: str, targets: frozenset[str]
) -> list[DateMention]:
    """Time expressions naming the *new* time of a moved meeting.

    "postponed until next week" / "przełożone na 5 lutego" / "auf nächste Woche
    verschoben": a target preposition right before the time marks it, wherever the
    verb is (German puts it last). Otherwise a time after the move cue counts,
    unless it belongs to an "originally planned for ..." phrase.
    """
    cue = signals.cue
    result: list[tuple[DateMention, bool]] = []
    old_day = originally_named_day(signals, dates)
    marked_end = -10
    for mention in dates:
        if mention is old_day:
            continue  # the day of an "originally planned for ..." phrase
        before = folded[max(0, mention.start - 12) : mention.start].split()
        own = folded[mention.start : mention.end].split()[:1]
        if (
            cue is not None
            and mention.end <= cue.start
            and any(
                beside_planning(folded, mention.start, mention.end, span)
                # "열릴 예정이던 회담이 10일로": the plan qualified the talks, not the day
                and not any(span[1] <= m0 < mention.start for m0, _ in signals.meeting_spans)
                for span in signals.planned_spans
            )
        ):
            continue  # "planned for Wednesday, moved to 20 April": the planned day is old
        if (
            cue is not None
            and mention.end <= cue.start
            and any(
                mention.end <= p0 < cue.start and len(folded[mention.end : p0].split()) <= 4
                for p0, _ in signals.planned_spans
            )
        ):
            continue  # "7일 … 열릴 예정이던 … 옮겨": the day before its planning word is old
        # a weekday in a target case ("torstaille", rule *weekday as a target*) is marked
        marked = mention.forward or target_marked(
            before,
            own,
            folded[mention.start : mention.end],
            folded[mention.end : mention.end + 8],
            targets,
        )
        # "auf Mittwoch, 2. Dezember": a day in apposition to a marked one is new too
        marked = marked or bool(_APPOSITION.fullmatch(folded[max(0, marked_end) : mention.start]))
        if marked:
            marked_end = mention.end
        if marked or (cue is not None and mention.start >= cue.end):
            result.append((mention, marked))
    if any(marked for _, marked in result):
        # "moved from March 4 to March 9": the marked day is the new one
        return [mention for mention, marked in result if marked]
    return [mention for mention, _ in result]


_OLD_DAY_BEFORE = 12  # characters from an old day to a word that follows it ("… yerine")


def day_before_the_word(dates: list[DateMention], origin: int) -> DateMention | None:
    """The day right before an ``originally_after`` word ("perşembe yerine", instead of
    Thursday), if one ends at most a few characters before it."""
    before = [d for d in dates if 0 <= origin - d.end <= _OLD_DAY_BEFORE]
    return before[-1] if before else None


def originally_named_day(signals: ClauseSignals, dates: list[DateMention]) -> DateMention | None:
    """The day an "originally planned for ..." phrase names in a clause with a move cue:
    the first one after the phrase (between it and the cue, or anywhere after a phrase
    that follows the cue: "postponed the summit, planned for Monday, to Wednesday"), or,
    for a word that follows the old day ("perşembe yerine"), the one right before it."""
    origin, cue = signals.originally_at, signals.cue
    if origin is None or cue is None:
        return None
    if signals.originally_after:
        return day_before_the_word(dates, origin)
    following = [
        d
        for d in dates
        if origin < d.start <= origin + 60 and (d.start < cue.start or cue.end < origin)
    ]
    return following[0] if following else None


def beside_planning(folded: str, start: int, end: int, planned: tuple[int, int]) -> bool:
    """A day right after a planning word ("planned for Wednesday"), or right before one
    where the participle follows ("neljapäevaks kavandatud", "torstaiksi suunniteltu":
    planned for Thursday), one word between at most: the day of the plan, the old one
    of a move."""
    p0, p1 = planned
    if p1 <= start:
        return len(folded[p1:start].split()) <= 1
    return end <= p0 and len(folded[end:p0].split()) <= 1


def target_marked(
    before: list[str], own: list[str], mention: str, after: str, targets: frozenset[str]
) -> bool:
    """Rule *target time*: a time marked as the new one - by a target preposition right
    before it ("na 5 lutego", "to March 9"), or with one short article between ("auf den
    10. März", "go dtí an 10 Márta"), or by a target case ending or postposition
    written ``-X`` in the lexicon ("március 10-re", "10 Mart'a", "3月10日に", "10일로",
    "10. märtsile"): the expression's last word ends with it, or it follows directly."""
    if before and before[-1] in targets:
        return True
    if len(before) >= 2 and before[-2] in targets and len(before[-1]) <= 3:
        return True
    if own and own[0] in targets:
        return True
    last = mention.rsplit(None, 1)[-1] if mention.strip() else ""
    return any(
        target.startswith("-")
        and (last.endswith(target[1:]) or after.startswith((target, target[1:])))
        for target in targets
    )


def decide_status(
    signals: ClauseSignals,
    dates: list[DateMention],
    published: date | None,
    folded: str = "",
    targets: frozenset[str] = frozenset(),
    language: str | None = None,
) -> tuple[MeetingStatus | None, bool]:
    """The clause's status and whether it came from a cue (False: date/tense fallback).

    A move cue becomes *rescheduled* when the clause names a new time (a day, or a
    vague "next week"), *postponed* when it names none or says "indefinitely".
    A cancellation or denial limited in time ("no meeting for now", "keine Pläne in
    unmittelbarer Zukunft") is a postponement. Without a cue, a date after
    publication means upcoming, before means held; on the publication day (or with
    no day) the clause's tense decides.
    """
    group = signals.group
    if signals.reaffirm and group in (None, "cancelled", "moved", "upcoming"):
        return MeetingStatus.UPCOMING, True
    if group in ("denied", "cancelled") and signals.indefinite:
        return MeetingStatus.POSTPONED, True
    if group == "denied":
        return MeetingStatus.DENIED, True
    if group == "cancelled":
        return MeetingStatus.CANCELLED, True
    if group == "moved":
        if signals.indefinite:
            return MeetingStatus.POSTPONED, True
        fresh = [
            d
            for d in new_times(signals, dates, folded, targets)
            if d.kind in (ABSOLUTE, RELATIVE, WEEKDAY, VAGUE)
            and (d.date is None or published is None or d.date >= published)
        ]
        return (MeetingStatus.RESCHEDULED if fresh else MeetingStatus.POSTPONED), True
    if group == "held":
        return MeetingStatus.HELD, True
    if group in (None, "upcoming") and signals.journey_ahead and journey_done(dates, published):
        return MeetingStatus.HELD, True
    if group == "upcoming" or (group is None and signals.journey_ahead):
        # a journey "to take part in the talks" states them ahead as a plan does
        return MeetingStatus.UPCOMING, True
    if group is None and signals.presence:
        return presence_status(dates, published), True
    if not signals.meeting_word:
        return None, False
    day = next((d.date for d in dates if d.kind == ABSOLUTE and d.date is not None), None)
    day = day or next((d.date for d in dates if d.date is not None), None)
    if day is not None and published is not None:
        if day > published:
            return MeetingStatus.UPCOMING, False
        if day < published:
            return MeetingStatus.HELD, False
        # on the publication day: tense decides, else it is under way (held)
        return (MeetingStatus.UPCOMING if signals.direction > 0 else MeetingStatus.HELD), False
    side = period_side(dates, published, language) if day is None else 0
    if side:
        # a period ahead dates the meeting as plainly as a planning cue does
        plain = side > 0 and relative_period_ahead(dates, published, language)
        if month_by_tense(side, plain, signals.direction):
            return MeetingStatus.HELD, False
        return (MeetingStatus.UPCOMING if side > 0 else MeetingStatus.HELD), plain
    if signals.direction > 0:
        return MeetingStatus.UPCOMING, False
    if signals.direction < 0:
        return MeetingStatus.HELD, False
    return None, False


def month_by_tense(side: int, relative: bool, direction: int) -> bool:
    """Rule *month by tense*: a month named alone, which the calendar puts ahead, is last
    year's when the clause speaks in the past ("they last met in Alaska in August",
    published in March: last August); a period counted from publication ("next month")
    stays ahead."""
    return side > 0 and not relative and direction < 0


def period_side(dates: list[DateMention], published: date | None, language: str | None) -> int:
    """Rule *period ahead*: with no day, a vague period that lies wholly after publication
    ("la próxima semana", "next month") makes a meeting clause's tense future (+1), one
    wholly before it ("last week") past (-1), whatever the reporting verb's tense; 0 when
    no period says, or periods say both."""
    if published is None or language is None:
        return 0
    sides = set()
    for mention in dates:
        if mention.kind != VAGUE:
            continue
        period = vague_period(mention.text, language, published)
        if period.start is not None and period.start > published:
            sides.add(1)
        elif period.end is not None and period.end < published:
            sides.add(-1)
    return sides.pop() if len(sides) == 1 else 0


def relative_period_ahead(
    dates: list[DateMention], published: date | None, language: str | None
) -> bool:
    """Rule *period ahead*, as a cue: a period counted from publication ("in the coming
    weeks", "next week") is ahead for sure; a month named alone ("in June") may be last
    year's ("en junio del año pasado"), so it dates the meeting but states none."""
    if published is None or language is None:
        return False
    return any(
        mention.kind == VAGUE
        and (period := vague_period(mention.text, language, published)).label in _RELATIVE_LABELS
        and period.start is not None
        and period.start > published
        for mention in dates
    )


def journey_done(dates: list[DateMention], published: date | None) -> bool:
    """Rule *journey done*: a journey to meet made on a day before publication ("flew to
    Moscow on 2 December to meet Putin", published the next day) ended in the meeting it
    was for: held that day, not ahead."""
    day = next((d.date for d in dates if d.date is not None and d.kind != VAGUE), None)
    return day is not None and published is not None and day < published
