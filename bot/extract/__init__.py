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

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.extract.dates import ABSOLUTE, RELATIVE, VAGUE, WEEKDAY, DateMention, find_dates
from bot.extract.lexicons import Lexicon, fold, load_lexicon
from bot.extract.sentences import split_clauses, split_sentences
from bot.extract.status import ClauseSignals, analyse_clause, decide_status, mask
from bot.langdetect import detect_language
from bot.match import Matcher
from bot.models import (
    EntityKind,
    Extraction,
    MeetingReport,
    MeetingStatus,
    Mention,
    Watchlist,
)

__all__ = ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "Extractor"]

# Bounds on what is analysed: meetings are stated early; the rest costs time only.
MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
MAX_SENTENCE_CHARS = 1_500
LANG_SAMPLE_CHARS = 1_000

# Reporting-verb attribution ("said on Friday"): a date this close to one is the
# day of the statement, not of the meeting.
_ATTRIBUTION_GAP = 16
_LIST_GAP = re.compile(r"^[\s,;:–—-]*(?:(?:and|und|et|e|y|i|и|і|та|oraz|или|or|ou|o)\s+)?[\s,]*$")
_DATELINE_TAIL = re.compile(r"^\s*[,(–—-]\s*(?:\d|\w{3,9}\.?\s+\d)")
_WS = re.compile(r"\s+")

_RANK = {
    MeetingStatus.UPCOMING: 1,
    MeetingStatus.HELD: 1,
    MeetingStatus.POSTPONED: 3,
    MeetingStatus.RESCHEDULED: 3,
    MeetingStatus.CANCELLED: 4,
    MeetingStatus.DENIED: 5,
}


@dataclass
class _Event:
    """One clause's statement about a meeting."""

    order: int
    sentence: int
    venue: str | None
    date: date | None
    date_end: date | None
    when_text: str | None
    status: MeetingStatus
    from_cue: bool
    tentative: bool
    confirmed: bool
    official: bool
    participants: tuple[str, ...]
    evidence: str
    anchored: bool  # names a venue or an actor
    reaffirm: bool = False
    previous_date: date | None = None


@dataclass
class _Meeting:
    venue: str | None
    date: date | None
    date_end: date | None
    when_text: str | None
    status: MeetingStatus
    from_cue: bool
    evidence: str
    last_sentence: int
    tentative_votes: list[bool] = field(default_factory=list)
    confirmed: bool = False
    official: bool = False
    participants: dict[str, None] = field(default_factory=dict)
    previous_date: date | None = None
    previous_venue: str | None = None

    @property
    def past(self) -> bool:
        return self.status is MeetingStatus.HELD


def _as_date(published: date | datetime | None) -> date | None:
    if isinstance(published, datetime):
        return published.date()
    return published


def _compose(title: str, text: str) -> str:
    """Title and body as one text, without repeating a title the body starts with."""
    title = _WS.sub(" ", title).strip()
    if not title:
        return text
    probe = title[: min(len(title), 120)].rstrip(".… ")
    head = _WS.sub(" ", text[: len(title) + 400])
    if probe and probe in head:
        return text
    return f"{title}\n\n{text}"


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
        day = _as_date(published)
        analysed = _compose((title or "")[:MAX_TITLE_CHARS], (text or "")[: self._max_text])
        lang = detect_language(analysed[:LANG_SAMPLE_CHARS], hint=lang_hint)
        lex = load_lexicon(lang)
        mentions = tuple(self._matcher.find(analysed, lang))
        folded = fold(analysed)
        events: list[_Event] = []
        for index, (start, end) in enumerate(split_sentences(analysed, lex.abbreviations)):
            end = min(end, start + MAX_SENTENCE_CHARS)
            inside = [m for m in mentions if start <= m.start < end]
            events.extend(
                self._sentence_events(
                    analysed, folded, start, end, index, inside, lex, day, len(events)
                )
            )
        meetings = _merge(events)
        return Extraction(
            lang=lang,
            actors=_ids(mentions, EntityKind.ACTOR),
            venues=_ids(mentions, EntityKind.VENUE),
            mentions=mentions,
            meetings=tuple(_report(m) for m in meetings),
        )

    # ------------------------------------------------------------------ per sentence

    def _sentence_events(
        self,
        text: str,
        folded: str,
        start: int,
        end: int,
        index: int,
        mentions: list[Mention],
        lex: Lexicon,
        published: date | None,
        order: int,
    ) -> list[_Event]:
        sentence = folded[start:end]
        actors = [m for m in mentions if m.kind is EntityKind.ACTOR]
        venues = [m for m in mentions if m.kind is EntityKind.VENUE and not _dateline(m, start, text)]
        if lex.non_talks is not None and lex.non_talks.search(sentence) and not actors:
            return []  # sport, markets, weather: a venue name alone is not a meeting
        meeting_word = lex.meeting is not None and bool(
            lex.meeting.search(mask(sentence, lex.idioms))
        )
        places = _places(sentence, lex, start)
        events: list[_Event] = []
        sentence_venues = _venue_positions(venues, places)
        participants = tuple(dict.fromkeys(m.entity_id for m in actors))
        for c_start, c_end in split_clauses(sentence, lex.clause_breaks):
            clause = sentence[c_start:c_end]
            signals = analyse_clause(clause, lex)
            dates = [
                d
                for d in find_dates(
                    text[start + c_start : start + c_end], lex.language, published,
                    signals.direction,
                )
                if not _attribution(d, signals)
            ]
            status, from_cue = decide_status(signals, dates, published)
            if status is None:
                continue
            entity_count = len({m.entity_id for m in mentions})
            strong = from_cue and (entity_count >= 2 or signals.group == "denied")
            if not (meeting_word or strong):
                continue
            if signals.originally and signals.group in (None, "upcoming") and not signals.reaffirm:
                previous = _pick_dates(dates, None)
                if previous:
                    events.append(
                        self._previous_marker(previous[0], index, order + len(events))
                    )
                continue
            a0, a1 = start + c_start, start + c_end
            clause_venues = [v for v in sentence_venues if a0 <= v[0] < a1]
            anchor = (signals.cue.start + a0) if signals.cue else a0
            chosen = _choose_venues(clause_venues, anchor, folded)
            if not chosen and sentence_venues and signals.cue is not None:
                # "..., but the meeting was cancelled": the venue is in another clause
                chosen = [min(sentence_venues, key=lambda v: abs(v[0] - anchor))[1]]
            picked = _pick_dates(dates, signals.cue.start if signals.cue else None)
            vague = next((d for d in dates if d.kind == VAGUE), None)
            evidence = _WS.sub(" ", text[start:end]).strip()
            anchored = bool(chosen) or bool(participants)
            for venue in chosen or [None]:
                for mention in picked or [vague]:
                    events.append(
                        _Event(
                            order=order + len(events),
                            sentence=index,
                            venue=venue,
                            date=mention.date if mention and mention.kind != VAGUE else None,
                            date_end=mention.date_end if mention else None,
                            when_text=mention.text.strip() if mention else None,
                            status=status,
                            from_cue=from_cue,
                            tentative=signals.tentative,
                            confirmed=signals.confirmed,
                            official=signals.official,
                            participants=participants,
                            evidence=evidence,
                            anchored=anchored,
                            reaffirm=signals.reaffirm,
                        )
                    )
        return events

    @staticmethod
    def _previous_marker(mention: DateMention, sentence: int, order: int) -> _Event:
        return _Event(
            order=order,
            sentence=sentence,
            venue=None,
            date=None,
            date_end=None,
            when_text=None,
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


def _ids(mentions: tuple[Mention, ...], kind: EntityKind) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.entity_id for m in mentions if m.kind is kind))


def _dateline(mention: Mention, sentence_start: int, text: str) -> bool:
    """"GENEVA, Feb 17 (Xinhua) -" names where the story was filed, not a meeting place."""
    if mention.start - sentence_start > 2:
        return False
    return _DATELINE_TAIL.match(text[mention.end : mention.end + 24]) is not None


def _places(sentence: str, lex: Lexicon, offset: int) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for key, pattern in lex.places:
        for match in pattern.finditer(sentence):
            found.append((offset + match.start(), key))
    return found


def _venue_positions(
    venues: list[Mention], places: list[tuple[int, str]]
) -> list[tuple[int, str, int]]:
    """(start, venue id, end): watchlist venues, plus named places when there are none."""
    result = [(m.start, m.entity_id, m.end) for m in venues]
    watch_ids = {m.entity_id for m in venues}
    for start, key in places:
        if key in watch_ids:
            continue
        if key.startswith("other:") and result and not any(
            r[1].startswith("other:") for r in result
        ):
            continue  # a watchlist venue in the sentence is the better answer
        if all(not (r[0] <= start < r[2]) for r in result):
            result.append((start, key, start + 1))
    return sorted(result)


def _choose_venues(
    venues: list[tuple[int, str, int]], anchor: int, folded: str
) -> list[str]:
    """One venue, or all of them when they form a list ("in Kyiv, Geneva and Abu Dhabi")."""
    if not venues:
        return []
    ids = list(dict.fromkeys(v[1] for v in venues))
    if len(ids) == 1:
        return ids
    watch = [v for v in venues if not v[1].startswith("other:")] or venues
    is_list = all(
        _LIST_GAP.match(folded[a[2] : b[0]]) is not None for a, b in zip(watch, watch[1:], strict=False)
    )
    if is_list:
        return list(dict.fromkeys(v[1] for v in watch))
    # nearest to the cue, a venue after it winning ties ("meet in Brussels")
    best = min(watch, key=lambda v: (abs(v[0] - anchor), v[0] < anchor))
    return [best[1]]


def _attribution(mention: DateMention, signals: ClauseSignals) -> bool:
    """True for the day of a statement: "said on Friday", "2 March Zelensky reported"."""
    if mention.kind == VAGUE:
        return False
    for r_start, r_end in signals.reporting:
        if 0 <= mention.start - r_end <= _ATTRIBUTION_GAP:
            return True
        if 0 <= r_start - mention.end <= _ATTRIBUTION_GAP and mention.kind != ABSOLUTE:
            return True
    return False


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


def _target(meetings: list[_Meeting], event: _Event) -> _Meeting | None:
    candidates: list[_Meeting] = []
    for meeting in meetings:
        if not _same_class(meeting, event):
            continue
        if event.venue is not None:
            if meeting.venue == event.venue and _compatible_dates(meeting, event):
                candidates.append(meeting)
            elif (
                meeting.venue is None
                and event.date is not None
                and meeting.date == event.date
            ):
                candidates.append(meeting)
        else:
            change = event.status in (
                MeetingStatus.CANCELLED,
                MeetingStatus.DENIED,
                MeetingStatus.POSTPONED,
                MeetingStatus.RESCHEDULED,
            )
            if change or _compatible_dates(meeting, event):
                candidates.append(meeting)
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.last_sentence)


def _merge(events: list[_Event]) -> list[_Meeting]:
    meetings: list[_Meeting] = []
    pending_previous: tuple[date, int] | None = None
    for event in events:
        if event.previous_date is not None and event.evidence == "":
            pending_previous = (event.previous_date, event.sentence)
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
            )
            meetings.append(target)
        else:
            _combine(target, event)
        target.tentative_votes.append(event.tentative)
        target.confirmed = target.confirmed or event.confirmed
        target.official = target.official or event.official
        for actor in event.participants:
            target.participants.setdefault(actor)
        target.last_sentence = event.sentence
        if (
            pending_previous is not None
            and event.sentence - pending_previous[1] <= 2
            and target.date is not None
            and target.date != pending_previous[0]
            and not target.past
        ):
            target.previous_date = pending_previous[0]
            if target.status is MeetingStatus.UPCOMING:
                target.status = MeetingStatus.RESCHEDULED
            pending_previous = None
    return meetings


def _may_open(event: _Event) -> bool:
    """Whether an event that joins no known meeting starts a new one."""
    if event.venue is not None:
        return True
    if not event.from_cue:
        return event.anchored and event.date is not None
    if event.status is MeetingStatus.HELD:
        return event.anchored and event.date is not None
    return event.anchored or event.status is not MeetingStatus.UPCOMING


def _combine(meeting: _Meeting, event: _Event) -> None:
    if meeting.venue is None and event.venue is not None:
        meeting.venue = event.venue
    moved = event.status in (MeetingStatus.RESCHEDULED, MeetingStatus.POSTPONED)
    if event.date is not None:
        if meeting.date is None:
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text = event.when_text
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
            meeting.status, meeting.evidence = MeetingStatus.UPCOMING, event.evidence
        return
    if not event.from_cue and meeting.from_cue:
        return
    if _RANK[event.status] > _RANK[meeting.status] or (
        not meeting.from_cue and event.from_cue
    ):
        meeting.status, meeting.evidence = event.status, event.evidence
        meeting.from_cue = meeting.from_cue or event.from_cue
    if meeting.status is MeetingStatus.POSTPONED and event.status is MeetingStatus.RESCHEDULED:
        meeting.status = MeetingStatus.RESCHEDULED


def _report(meeting: _Meeting) -> MeetingReport:
    tentative = any(meeting.tentative_votes) and not meeting.confirmed
    return MeetingReport(
        venue=meeting.venue,
        date=meeting.date,
        date_end=meeting.date_end,
        status=meeting.status,
        tentative=tentative,
        participants=tuple(meeting.participants),
        previous_date=meeting.previous_date,
        previous_venue=meeting.previous_venue,
        when_text=meeting.when_text,
        evidence=meeting.evidence,
        official=meeting.official,
    )
