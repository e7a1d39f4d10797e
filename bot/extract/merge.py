"""Stage *merge*: the statements of one article become its meetings.

Statements about the same venue and compatible days, of the same kind (past vs.
expected), are one meeting; a place-less statement joins the meeting it refers to;
the status combines by precedence (see docs/extraction.md, step 10).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from datetime import date

from bot.extract.dates import VAGUE, scan_dates
from bot.extract.periods import vague_period
from bot.extract.statements import Statement
from bot.models import MeetingReport, MeetingStatus, TimeOfDay

_JOURNEY_DAYS = 2  # days a trip may take place before the meeting it is for (see venues)
_WEEK_DAYS = 7  # a weekday read in the wrong direction is a week off (rule *headline's weekday*)

_RANK = {
    MeetingStatus.UPCOMING: 1,
    MeetingStatus.HELD: 1,
    MeetingStatus.POSTPONED: 3,
    MeetingStatus.RESCHEDULED: 3,
    MeetingStatus.CANCELLED: 4,
    MeetingStatus.DENIED: 5,
}


@dataclass
class MeetingDraft:
    """A meeting as an article's statements build it up; it becomes a MeetingReport."""

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
    quoted_day: bool = False  # the day is a relative word in direct speech
    journey_day: bool = False  # the day is a journey's: no meeting word in its clause
    another: bool = False  # a statement of it calls it another meeting ("the next round")

    published: dt.date | None = None
    period: tuple[dt.date, dt.date] | None = None  # the days of its vague time, if no day

    # Written out, not generated: see Statement.__init__ (bot/extract/statements.py).
    def __init__(
        self,
        venue: str | None,
        date: dt.date | None,
        date_end: dt.date | None,
        when_text: str | None,
        status: MeetingStatus,
        from_cue: bool,
        evidence: str,
        last_sentence: int,
        tentative: bool = False,
        from_title: bool = False,
        confirmed: bool = False,
        official: bool = False,
        participants: dict[str, None] | None = None,
        previous_date: dt.date | None = None,
        previous_venue: str | None = None,
        time: TimeOfDay | None = None,
        named: dict[str, None] | None = None,
        quoted_day: bool = False,
        journey_day: bool = False,
        another: bool = False,
        published: dt.date | None = None,
        period: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        self.venue = venue
        self.date = date
        self.date_end = date_end
        self.when_text = when_text
        self.status = status
        self.from_cue = from_cue
        self.evidence = evidence
        self.last_sentence = last_sentence
        self.tentative = tentative
        self.from_title = from_title
        self.confirmed = confirmed
        self.official = official
        self.participants = {} if participants is None else participants
        self.previous_date = previous_date
        self.previous_venue = previous_venue
        self.time = time
        self.named = {} if named is None else named
        self.quoted_day = quoted_day
        self.journey_day = journey_day
        self.another = another
        self.published = published
        self.period = period

    @property
    def past(self) -> bool:
        return self.status is MeetingStatus.HELD

    def published_near(self, day: dt.date) -> bool:
        return self.published is not None and abs((day - self.published).days) <= 1


# --------------------------------------------------------------------------- merging


def _compatible_dates(meeting: MeetingDraft, event: Statement) -> bool:
    if meeting.date is None or event.date is None:
        return not periods_apart(meeting, event)
    if meeting.date == event.date:
        return True
    m_end = meeting.date_end or meeting.date
    e_end = event.date_end or event.date
    return meeting.date <= e_end and event.date <= m_end


def periods_apart(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *periods apart*: a statement dated only by a vague time ("trilateral talks
    expected early March") is not about a meeting on a day outside it (tomorrow's meeting
    in Geneva, published 25 February): they are two meetings."""
    if meeting.date is not None and event.period is not None:
        return outside_period(meeting.date, meeting.date_end, event.period)
    if event.date is not None and meeting.period is not None:
        return outside_period(event.date, event.date_end, meeting.period)
    return False


def outside_period(day: dt.date, day_end: dt.date | None, period: tuple[dt.date, dt.date]) -> bool:
    """Whether a meeting on ``day`` (to ``day_end``) lies wholly outside ``period``."""
    return (day_end or day) < period[0] or day > period[1]


def _same_class(meeting: MeetingDraft, event: Statement) -> bool:
    return meeting.past == (event.status is MeetingStatus.HELD)


_CHANGES = frozenset(
    {
        MeetingStatus.CANCELLED,
        MeetingStatus.DENIED,
        MeetingStatus.POSTPONED,
        MeetingStatus.RESCHEDULED,
    }
)


def _target(meetings: list[MeetingDraft], event: Statement) -> MeetingDraft | None:
    """The meeting an event talks about, if it is one already known."""
    candidates: list[MeetingDraft] = []
    for meeting in meetings:
        if not _same_class(meeting, event):
            if (
                _restates_title(meeting, event)
                or headline_weekday(meeting, event)
                or (
                    not event.from_cue
                    and not event.another  # rule *last time*: an earlier meeting
                    and event.venue is not None
                    and meeting.venue == event.venue
                    and _compatible_dates(meeting, event)
                )
            ):
                # a tense-only statement is too weak to start a second meeting
                # at a place that already has one
                candidates.append(meeting)
            continue
        if event.venue is not None:
            if (
                meeting.venue == event.venue
                and not others_plan_after_call_off(meeting, event)
                and (
                    _compatible_dates(meeting, event)
                    or quoted_day_off_by_one(meeting, event)
                    or trip_and_meeting(meeting, event)
                    or under_way_since(meeting, event)
                )
            ):
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
        elif other_peoples_change(meeting, event):
            continue
        elif (
            event.status in _CHANGES
            or _compatible_dates(meeting, event)
            or (meeting.venue is not None and trip_and_meeting(meeting, event))
        ):
            candidates.append(meeting)  # (the trip's meeting, its day given apart)
    if not candidates:
        return None
    return max(candidates, key=lambda m: m.last_sentence)


def other_peoples_change(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *other people's change*: a change that names no place and only people the
    placed meeting does not have ("talks of Trump and Putin in Budapest … a preparatory
    meeting of Rubio and Lavrov was cancelled") is their meeting, not a change of it;
    those who only comment on it (a spokesman) do not count, nor does a denial, whose
    speaker a quotation may hide ("„No such meeting is planned," said Peskov")."""
    if event.status not in _CHANGES or event.status is MeetingStatus.DENIED:
        return False
    if meeting.venue is None:
        return False
    return only_other_people(meeting, event)


def only_other_people(meeting: MeetingDraft, event: Statement) -> bool:
    """The statement names people at the table (commentators aside), none of whom the
    meeting names."""
    people = set(event.participants) - event.commentators
    return bool(people) and bool(meeting.named) and people.isdisjoint(meeting.named)


def others_plan_after_call_off(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *others' plan after a call-off*: a dated plan at the place of a meeting
    called off with no day, made by other people than those who called it off ("Witkoff
    flew home instead of attending the meeting in Brussels. Umerov will hold talks in
    Brussels on Wednesday"), is a meeting of its own that goes ahead, not that one's day."""
    if meeting.status is not MeetingStatus.CANCELLED or meeting.date is not None:
        return False
    if event.status is not MeetingStatus.UPCOMING or event.date is None:
        return False
    return only_other_people(meeting, event)


def quoted_day_off_by_one(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *quoted relative day*: a meeting at the same place one day off, where one of
    the two days is "today"/"tomorrow" in direct speech (spoken on a day the article may
    not give: "am Mittwoch im Weißen Haus" beside the quoted "we have a big meeting
    tomorrow at the White House"), is the same meeting; the day the article states
    itself stands."""
    if meeting.date is None or event.date is None or meeting.quoted_day == event.quoted_day:
        return False
    return abs((meeting.date - event.date).days) == 1 and meeting.date_end is None


_UNDER_WAY_DAYS = 3  # days talks may have run before the day they are reported under way


def under_way_since(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *under way since*: two held reports of talks at one place, one dated the
    publication day (a delegation "is in Riyadh for talks") and the other a day to three
    before it ("talks began there on Monday"), neither with a last day, are one meeting
    under way since the earlier day."""
    if not meeting.past or event.status is not MeetingStatus.HELD or meeting.published is None:
        return False
    if meeting.date is None or event.date is None or meeting.date_end or event.date_end:
        return False
    early, late = sorted((meeting.date, event.date))
    return late == meeting.published and 0 < (late - early).days <= _UNDER_WAY_DAYS


def journeys_day(event: Statement) -> bool:
    """Rule *journey's day*: a statement's day is a journey's when its clause has no
    meeting word, or names the meeting only as the trip's purpose ("fly to Moscow on
    Saturday to meet Putin", "reizen woensdag naar Abu Dhabi voor gesprekken")."""
    return not event.meeting_word or event.journey


def trip_and_meeting(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *journey's day* at one place: a statement with no meeting word dated a day or
    two before the place's expected meeting ("Witkoff flies to Moscow on Monday" beside
    "he is to meet Putin there on Tuesday") is the trip to it; and a meeting dated only by
    such a trip takes the day the article gives the meeting itself."""
    if meeting.past or event.status is MeetingStatus.HELD:
        return False
    if meeting.date is None or event.date is None:
        return False
    days = (meeting.date - event.date).days
    if not event.meeting_word and not meeting.journey_day:
        return 0 < days <= _JOURNEY_DAYS
    return meeting.journey_day and event.meeting_word and 0 < -days <= _JOURNEY_DAYS


def _restates_title(meeting: MeetingDraft, event: Statement) -> bool:
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
    ) or headline_weekday(meeting, event)


_DIGIT = re.compile(r"\d")


def headline_weekday(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *headline's weekday*: a headline that names only a weekday ("Talks in Jeddah
    on Monday", "Witkoff-Umerov meeting in Miami on Saturday": no verb to give it a
    tense) may be read a week off the day its body gives the meeting at the same place
    ("will meet on Monday in Jeddah"): the body's day and status are the meeting's, one
    meeting, not two."""
    return (
        meeting.from_title
        and not event.is_title
        and event.venue is not None
        and meeting.venue == event.venue
        and meeting.date is not None
        and event.date is not None
        and meeting.date_end is None
        and abs((meeting.date - event.date).days) == _WEEK_DAYS
        and meeting.when_text is not None
        and _DIGIT.search(meeting.when_text) is None
    )


def merge_statements(events: list[Statement], published: date | None) -> list[MeetingDraft]:
    meetings: list[MeetingDraft] = []
    planned: Statement | None = None  # the last unused "originally planned for <day>" marker
    for event in events:
        if event.previous_date is not None and event.evidence == "":
            planned = event
            continue
        event = meet_again(meetings, event)
        target = _target(meetings, event)
        if target is None:
            if not _may_open(event):
                continue
            target = MeetingDraft(
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
                quoted_day=event.quoted_day,
                journey_day=event.date is not None and journeys_day(event),
                another=event.another,
                period=event.period,
            )
            meetings.append(target)
        else:
            _combine(target, event)
            target.another = target.another or event.another
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
    return old_plan_of_a_move(moved_plan_replaces_place(_fold_placeless(meetings)))


def old_plan_of_a_move(meetings: list[MeetingDraft]) -> list[MeetingDraft]:
    """Rule *old plan of a move*: an article that reports one meeting moved to a new
    place and day, and one meeting ahead with no day at another place between the same
    people ("had confirmed that Witkoff would host Umerov in Florida" beside the talks
    moved to Geneva on Monday), tells the plan as it stood before the move: one meeting,
    rescheduled, whose previous place that is."""
    moved = [m for m in meetings if m.status is MeetingStatus.RESCHEDULED and m.venue]
    ahead = [m for m in meetings if m.status is MeetingStatus.UPCOMING and m.date is None]
    if len(moved) != 1 or len(ahead) != 1:
        return meetings
    new, old = moved[0], ahead[0]
    if old.venue is None or old.venue == new.venue or old.period is not None:
        return meetings
    if not new.participants or not set(new.participants) <= set(old.participants):
        return meetings
    new.previous_venue = new.previous_venue or old.venue
    return [m for m in meetings if m is not old]


def moved_plan_replaces_place(meetings: list[MeetingDraft]) -> list[MeetingDraft]:
    """Rule *moved plan*: an article that reports a meeting put off at a place (its old
    day, "planned for Tuesday-Wednesday in Turkey, postponed") and, without a place, the
    meeting moved to a new time ("moved to next week") reports one change: the meeting
    is rescheduled, and the place and day of the old plan are its previous ones - the
    new time comes with no place. Only when each is the article's only one of its kind
    and the new time is vague ("next week"), as the news of a round put off has it."""
    moved = [m for m in meetings if m.venue is None and m.status is MeetingStatus.RESCHEDULED]
    put_off = [m for m in meetings if m.venue is not None and m.status is MeetingStatus.POSTPONED]
    if len(moved) != 1 or len(put_off) != 1:
        return meetings
    new, old = moved[0], put_off[0]
    if new.date is not None:
        return meetings  # a day of its own: maybe another meeting moved
    if new.named and old.named and new.named.keys().isdisjoint(old.named):
        return meetings  # people of their own ("the summit moved" beside envoys' talks)
    new.previous_venue = new.previous_venue or old.venue
    new.previous_date = new.previous_date or old.date
    for actor in old.participants:
        new.participants.setdefault(actor)
    for actor in old.named:
        new.named.setdefault(actor)
    return [m for m in meetings if m is not old]


def meet_again(meetings: list[MeetingDraft], event: Statement) -> Statement:
    """Rule *meet again*: a meeting ahead said to happen again ("plans to meet with them
    again on Tuesday", "spotkają się ponownie"), naming no place, is at the place of the
    article's latest meeting that has one."""
    if not event.again or event.venue is not None or event.status is not MeetingStatus.UPCOMING:
        return event
    placed = [m for m in meetings if m.venue is not None]
    if not placed:
        return event
    latest = max(placed, key=lambda m: m.last_sentence)
    return replace(event, venue=latest.venue)


def _fold_placeless(meetings: list[MeetingDraft]) -> list[MeetingDraft]:
    """A meeting without a place joins the article's only meeting with one when both
    say the same ("talks postponed" in the headline, "the Abu Dhabi talks were
    postponed" in the body)."""
    placed = [m for m in meetings if m.venue is not None]
    if not placed or len(placed) == len(meetings):
        return meetings
    kept: list[MeetingDraft] = []
    for meeting in meetings:
        host = _placed_host(placed, meeting)
        if host is None:
            kept.append(meeting)
            continue
        # not people of their own ("before the summit, Lavrov will meet Rubio")
        other_people = (
            bool(meeting.participants)
            and bool(host.participants)
            and meeting.participants.keys().isdisjoint(host.participants)
        )
        if (
            meeting.venue is None
            and (meeting.status is host.status or begun_today(host, meeting))
            and (meeting.date is None or host.date is None or meeting.date == host.date)
            and not (
                host.date
                and meeting.period
                and outside_period(host.date, host.date_end, meeting.period)
            )
            and not other_people
        ):
            if host.date is None and meeting.date is not None:  # the day the host lacked
                host.date, host.date_end = meeting.date, meeting.date_end
                host.when_text = meeting.when_text
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


def begun_today(host: MeetingDraft, meeting: MeetingDraft) -> bool:
    """Rule *begun today*: a plan naming no place, day or time ("the team is scheduled to
    include Witkoff") beside a meeting that began on the publication day at a place is
    that meeting, reported while it was still ahead: it is no second meeting. A plan
    that calls itself another ("the next round is planned", "a new meeting": lexicon
    ``another_words``, ``again``) stays apart."""
    return (
        host.status is MeetingStatus.HELD
        and host.date is not None
        and host.date == host.published
        and meeting.status is MeetingStatus.UPCOMING
        and meeting.date is None
        and meeting.when_text is None
        and not meeting.another
    )


def _placed_host(placed: list[MeetingDraft], meeting: MeetingDraft) -> MeetingDraft | None:
    """The placed meeting a place-less one may fold into: the article's only placed one,
    or else, for a change, the only one with the same change (rule *one change, one
    place*)."""
    if meeting.venue is not None:
        return None
    if len(placed) == 1:
        return placed[0]
    if meeting.status not in _CHANGES:
        return None
    same = [m for m in placed if m.status is meeting.status]
    return same[0] if len(same) == 1 else None


def _may_open(event: Statement) -> bool:
    """Whether an event that joins no known meeting starts a new one.

    It needs a meeting word (or a venue and an actor with a cue) and something to
    hang on: a venue, or - for a place-less meeting - an explicit status cue.
    """
    if not event.meeting_word and not (event.venue is not None and event.participants):
        return False
    if not event.from_cue:
        # tense alone is weak evidence: it needs a place plus a day or "talks in <place>"
        return event.venue is not None and (
            event.date is not None or event.near_meeting or event.when_text is not None
        )
    if event.venue is not None:
        return True
    if event.status is MeetingStatus.HELD:
        # rule *dated headline*: the headline's talks are the article's, though it names
        # no one ("Negotiations began on Friday"); elsewhere a venue or an actor anchors
        return (event.date is not None and (event.anchored or event.is_title)) or (
            event.period is not None and event.anchored and event.meeting_word
        )
    return event.anchored or event.status is not MeetingStatus.UPCOMING


def _set_status(meeting: MeetingDraft, event: Statement) -> None:
    # a denial answers a report: the report's hedging stays with the meeting
    inherited = meeting.tentative and event.status is MeetingStatus.DENIED
    meeting.status, meeting.evidence = event.status, event.evidence
    meeting.tentative = event.tentative or inherited
    meeting.from_title = event.is_title
    meeting.from_cue = meeting.from_cue or event.from_cue


def range_holds_the_day(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *range holds the day*: a meeting dated by one day ("the talks ended on
    Thursday") of which a statement gives the days it spanned, that day among them ("they
    were held on 4 and 5 February"), starts on the range's first day."""
    return (
        meeting.date is not None
        and meeting.date_end is None
        and event.date is not None
        and event.date_end is not None
        and event.date <= meeting.date <= event.date_end
    )


def _combine_days(meeting: MeetingDraft, event: Statement) -> None:
    """The meeting's day after one more statement of it: a quoted or journey's day gives
    way to its own, a moved meeting takes the new day (the old one its previous date), a
    range holding the day starts the meeting, a period it was moved to replaces its day."""
    moved = event.status in (MeetingStatus.RESCHEDULED, MeetingStatus.POSTPONED)
    if quoted_day_off_by_one(meeting, event) or trip_and_meeting(meeting, event):
        if meeting.quoted_day or meeting.journey_day:  # the meeting's own day replaces it
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text = event.when_text
            meeting.quoted_day = meeting.journey_day = False
    elif event.date is not None:
        if meeting.date is None:
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text, meeting.quoted_day = event.when_text, event.quoted_day
            meeting.journey_day = journeys_day(event)
            # the day comes from this statement: its hedging is the meeting's
            meeting.tentative = meeting.tentative or event.tentative
        elif meeting.date != event.date and moved:
            meeting.previous_date = meeting.date
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text = event.when_text
        elif under_way_since(meeting, event):
            if event.date < meeting.date:
                meeting.date, meeting.when_text = event.date, event.when_text
        elif range_holds_the_day(meeting, event):
            meeting.date, meeting.date_end = event.date, event.date_end
            meeting.when_text = event.when_text
        elif meeting.date_end is None and event.date_end is not None:
            meeting.date_end = event.date_end
    elif moved_to_a_period(meeting, event):
        meeting.previous_date, meeting.date, meeting.date_end = meeting.date, None, None
        meeting.when_text, meeting.period = event.when_text, event.period
    elif meeting.when_text is None and event.when_text:
        meeting.when_text = event.when_text


def _combine(meeting: MeetingDraft, event: Statement) -> None:
    if not _same_class(meeting, event):
        if not (_restates_title(meeting, event) or headline_weekday(meeting, event)):
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
    _combine_days(meeting, event)
    if event.reaffirm and event.status is MeetingStatus.UPCOMING:
        if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.POSTPONED):
            _set_status(meeting, event)
        return
    if not event.from_cue:
        if not meeting.from_cue and event.tentative:
            meeting.tentative = True
        return
    if earlier_plan_called_off(meeting, event):
        meeting.status = MeetingStatus.RESCHEDULED  # the day it has is the new one
        meeting.from_cue = True
        return
    if denial_confirms_change(meeting, event):
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
    if postponement_refines_cancellation(meeting, event):
        _set_status(meeting, event)
        return
    if _RANK[event.status] > _RANK[meeting.status] or not meeting.from_cue:
        _set_status(meeting, event)
    elif (
        meeting.status is MeetingStatus.POSTPONED
        and event.status is MeetingStatus.RESCHEDULED
        and event.date is not None
    ):
        _set_status(meeting, event)  # "moved; the new date is 2 December"


def moved_to_a_period(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *moved to a period*: a meeting set for a day that a statement moves to a vague
    time lying after it ("the meeting was pushed back to next week", "перенесли на
    следующую неделю") is no longer on that day: the day becomes the previous one."""
    return (
        event.status is MeetingStatus.RESCHEDULED
        and event.date is None
        and event.period is not None
        and meeting.date is not None
        and event.period[0] > (meeting.date_end or meeting.date)
    )


def earlier_plan_called_off(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *earlier plan called off*: a meeting expected on a day after publication,
    of which the article says that the plan for a past time was cancelled or put off
    ("talks resume on Wednesday; last weekend's planned round did not go ahead"), is the
    plan moved to that day: rescheduled, not cancelled. The change must name no day of
    its own and speak of a past time (the lexicon's "last" words)."""
    return (
        meeting.status is MeetingStatus.UPCOMING
        and meeting.date is not None
        and meeting.published is not None
        and meeting.date > meeting.published
        and event.past_plan
        and event.date is None
        and not event.is_title
    )


def denial_confirms_change(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *denial after a change*: once the article reports a meeting cancelled or put
    off, a later "no meeting is planned" / "no plans to meet" confirms that change rather
    than denying a report: the plan was real, and the change stands."""
    return (
        event.status is MeetingStatus.DENIED
        and meeting.from_cue
        and meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.POSTPONED)
    )


def postponement_refines_cancellation(meeting: MeetingDraft, event: Statement) -> bool:
    """Rule *postponement refines cancellation*: a meeting reported cancelled that a
    later statement of the body says was postponed or moved (a move cue, not a time-limited
    cancellation) is postponed (rescheduled):
    reports loosely write "called off" for talks the parties say were put off, and the
    postponement says more - the talks are still meant to happen. A cancellation stated
    after the postponement still wins by precedence."""
    return (
        meeting.status is MeetingStatus.CANCELLED
        and event.moved
        and event.status in (MeetingStatus.POSTPONED, MeetingStatus.RESCHEDULED)
        and not event.is_title
    )


def _only_vague(when_text: str, lang: str, published: date | None) -> bool:
    """The words name a vague time ("next week"), not a day that was set aside."""
    found = scan_dates(when_text, lang, published)
    return bool(found) and all(d.kind == VAGUE for d in found)


def meeting_report(meeting: MeetingDraft, lang: str, published: date | None) -> MeetingReport:
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
