"""Rule *unverified meeting*: what an article in a language without a lexicon yields.

Without a lexicon the bot cannot read meeting words, tense or status. It still finds
tracked names (matching works in every script) and dates (CLDR month, weekday and
relative-day names exist for almost every language). A sentence that names a tracked
actor together with a tracked venue or a day is the best evidence such an article
gives that a meeting is being reported; dropping it would miss news that a keyword
filter sends. So, when the rules find nothing to alert, it becomes one more report (unless the
rules already have a meeting at that venue and day), marked ``understood=False`` and
tentative:

- venue: the tracked venue in that sentence, else none;
- day: the sentence's first day (weekdays read forward);
- status: held when that day is before publication (no alert: the past is not news),
  or when the language's lexicon (if it has a partial one) finds only past-tense cues
  in the sentence and the day, if any, is not after publication; otherwise upcoming.

Sentences about sport, markets or weather (the lexicon's ``non_talks``) are
skipped. The first such sentence about something still ahead wins (headline and lead state
the news); failing that, the first such sentence at all. A venue and day the rules
already report are passed over.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from bot.extract.dates import resolve_weekdays, scan_dates
from bot.extract.lexicons import Lexicon, fold
from bot.models import EntityKind, MeetingReport, MeetingStatus, Mention

MAX_EVIDENCE_CHARS = 400


def unverified_meeting(
    text: str,
    sentences: Sequence[tuple[int, int]],
    mentions: Sequence[Mention],
    lex: Lexicon,
    published: date | None,
    known: Collection[tuple[str | None, date | None]] = (),
) -> MeetingReport | None:
    """The report of the first sentence naming a tracked actor with a venue or a day
    that is still ahead, else of the first such sentence at all; meetings already
    ``known`` (venue, day) are passed over."""
    first: MeetingReport | None = None
    for start, end in sentences:
        report = _sentence_report(text, start, end, mentions, lex, published)
        if report is None or (report.venue, report.date) in known:
            continue
        if report.status is MeetingStatus.UPCOMING:
            return report
        first = first or report
    return first


def _sentence_report(
    text: str,
    start: int,
    end: int,
    mentions: Sequence[Mention],
    lex: Lexicon,
    published: date | None,
) -> MeetingReport | None:
    here = [m for m in mentions if start <= m.start < end]
    actors = [m.entity_id for m in here if m.kind is EntityKind.ACTOR]
    if not actors:
        return None
    folded = fold(text[start:end])
    if lex.non_talks is not None and lex.non_talks.search(folded):
        return None  # sport, markets, weather: names together are no meeting
    venues = [m.entity_id for m in here if m.kind is EntityKind.VENUE]
    past = _past_only(folded, lex)
    found = scan_dates(text[start:end], lex.key, published)
    direction = -1 if past else 1  # weekdays by tense, as the rules read them
    dated = [d for d in resolve_weekdays(found, published, direction) if d.date is not None]
    if not venues and not dated:
        return None
    day = dated[0] if dated else None
    held = past
    if day is not None and published is not None and day.date is not None:
        held = day.date < published or (day.date == published and past)
    return MeetingReport(
        venue=venues[0] if venues else None,
        date=day.date if day else None,
        date_end=day.date_end if day else None,
        status=MeetingStatus.HELD if held else MeetingStatus.UPCOMING,
        tentative=True,
        participants=tuple(dict.fromkeys(actors)),
        when_text=day.text if day else None,
        evidence=text[start:end][:MAX_EVIDENCE_CHARS],
        understood=False,
    )


def _past_only(sentence: str, lex: Lexicon) -> bool:
    """The sentence has past-tense cues and no future ones (lexicons with tense only)."""
    if lex.past is None or lex.future is None:
        return False
    return lex.past.search(sentence) is not None and lex.future.search(sentence) is None
