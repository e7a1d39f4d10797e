"""Rule *unverified meeting*: what an article the rules cannot read yields.

Without a (full) lexicon the bot cannot read status or tense well. It still finds
tracked names (matching works in every script) and dates (CLDR month, weekday and
relative-day names exist for almost every language). A sentence that names a tracked
actor together with a tracked venue or a day, *and* says something about a meeting,
is the best evidence such an article gives that a meeting is being reported; dropping
it would miss news that a keyword filter sends. So, when the rules find nothing to
alert, it becomes one more report (unless the rules already have a meeting at that
venue and day), marked ``understood=False`` and tentative:

- venue: the tracked venue in that sentence, else none;
- day: the sentence's first day that is not the day of a statement ("said on
  Monday"; weekdays read forward);
- status: held when that day is before publication (no alert: the past is not news),
  or when the language's lexicon (if it has tense cues) finds only past-tense cues
  in the sentence and the day, if any, is not after publication; otherwise upcoming.

Rule *meeting evidence* (:func:`meeting_evidence`): names with a venue or a day are not
enough: a spokesman quoted on Monday, a leader criticised with a capital in the
sentence are no meeting, and neither are two names side by side ("Witkoff and Kushner
… Moscow's position"). The sentence also needs a meeting word of the language's
lexicon or one of the generic lexicon's (international words and those of languages
without a lexicon, read in every language, so a text whose language was misjudged
still has them); or else a tracked venue *and* a day that is not a statement's
("travels to Geneva on 10 March"). A held, moved, cancelled or denied cue counts as a
meeting word; an upcoming cue does not, as the partial lexicons list bare auxiliaries
and adjectives ("will", "next") among them. Sentences about sport, markets or weather
(``non_talks`` of the language's lexicon or the generic one) are skipped.

Rule *unread language* (:func:`fallback_applies`): the rule serves a language with no
lexicon or a partial one, and also a text whose language was misjudged: when the
detected language's full lexicon finds none of its words in the text (no meeting
word, status cue, tense cue, reporting verb or negation - every real text in that
language has some), it is not that language, and the rules read nothing in it.

The first such sentence about something still ahead wins (headline and lead state the
news); failing that, the first such sentence at all. A venue and day the rules already
report are passed over.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from bot.extract.dates import (
    DateMention,
    day_adjective,
    opens_report,
    reported_content,
    reporting_clause_after_comma,
    resolve_weekdays,
    scan_dates,
)
from bot.extract.lexicons import (
    FALLBACK,
    Lexicon,
    entries_between,
    fold,
    lexicon_words,
    load_lexicon,
)
from bot.extract.statements import interview_place
from bot.extract.status import idioms_and_longest_cues
from bot.extract.venues import (
    after_last,
    dateline_length,
    governed,
    locative_case,
    names_a_topic,
    visited,
)
from bot.models import EntityKind, MeetingReport, MeetingStatus, Mention

if TYPE_CHECKING:
    from bot.extract.statements import Statement

MAX_EVIDENCE_CHARS = 400
# words between a reporting verb and a day that still make it the statement's day
STATEMENT_DAY_WORDS = 2
# ... and words of a subject after the verb, with no meeting word between
STATEMENT_SUBJECT_WORDS = 8
_WORD = re.compile(r"\w+")
# status groups whose cues are verbs about a meeting; "upcoming" lists also hold bare
# auxiliaries and adjectives ("will", "next") that say nothing about one
SPECIFIC_CUES = ("denied", "cancelled", "moved", "held")
AHEAD_OR_CHANGED = ("upcoming", "denied", "cancelled", "moved")


# characters of the text checked for the detected language's words
COMMON_WORDS_READ = 2  # distinct common words that show a text is in its detected language
UNREAD_SAMPLE_CHARS = 400


def fallback_applies(folded: str, lex: Lexicon, mentions: Sequence[Mention]) -> bool:
    """Rule *unread language*: a lexicon without full coverage, or a full one that
    finds none of its words in the text (a misjudged language): neither two of its
    commonest words (lexicon ``function_words``) nor any cue."""
    if lex.partial:
        return True
    if not any(m.kind is EntityKind.ACTOR for m in mentions):
        return False  # the report needs a tracked actor: no need to look further
    sample = folded[:UNREAD_SAMPLE_CHARS]
    # the language's commonest words ("the", "der", "и"): a text that has them is read
    common = entries_between(lex.language, "function_words", r"(?<!\w)(?:", r")(?!\w)")
    if common is not None and len(set(common.findall(sample))) >= COMMON_WORDS_READ:
        return False
    # past-tense cues first: nearly every news text has one early, so the scan stops there
    patterns = (lex.past, lex.negation, lex.reporting, lex.future, lex.meeting)
    if any(_has(pattern, sample) for pattern in patterns):
        return False
    return not any(_has(pattern, sample) for pattern in lex.status.values())


def unverified_meeting(
    text: str,
    sentences: Sequence[tuple[int, int]],
    mentions: Sequence[Mention],
    lex: Lexicon,
    published: date | None,
    known: Collection[tuple[str | None, date | None]] = (),
    read: Collection[str] = (),
) -> MeetingReport | None:
    """The report of the first sentence naming a tracked actor with a venue or a day
    and a meeting cue, still ahead, else of the first such sentence at all; meetings
    already ``known`` (venue, day) are passed over, and so are the sentences the rules
    ``read`` a meeting from (their evidence: rule *already read*)."""
    generic = load_lexicon(FALLBACK)
    first: MeetingReport | None = None
    for start, end in sentences:
        if read and " ".join(text[start:end].split()) in read:
            continue  # the rules understood this sentence: no guess beside their reading
        report = _sentence_report(text, start, end, mentions, (lex, generic), published)
        if report is None or (report.venue, report.date) in known:
            continue
        if report.status is MeetingStatus.UPCOMING:
            return report
        first = first or report
    return None if reads_its_own_past(lex) else first


def already_reported(
    reports: Iterable[MeetingReport],
) -> set[tuple[str | None, date | None]]:
    """Rule *already reported*: the (venue, day) pairs a guess would only repeat. A
    place-less guess for a day the rules report is that meeting, and so is a day-less
    guess at a place they report ("good talks in Berlin" over the body's talks held in
    Berlin on Friday)."""
    known: set[tuple[str | None, date | None]] = set()
    for report in reports:
        known.update(((report.venue, report.date), (None, report.date)))
        if report.venue is not None:
            known.add((report.venue, None))
    return known


def drawn_from(reports: Iterable[MeetingReport], statements: Iterable[Statement]) -> set[str]:
    """Rule *already read*: the sentences the rules drew a reported meeting from, each
    report's own and every other one stating that meeting's place and day ("received
    Zelensky at the White House on Thursday" under a headline that reports the meeting
    first), or its place with no day (a headline's meeting is also the lead's: "Talks in
    Geneva" over "GENEVA, 9 April - ... met on Tuesday in Geneva"); a guess from one of
    them would only misread it."""
    reported = {(r.venue, r.date) for r in reports} | {(r.venue, None) for r in reports}
    read = {r.evidence for r in reports}
    read.update(
        s.evidence
        for s in statements
        if (s.venue, s.date) in reported or (s.venue is not None and (s.venue, None) in reported)
    )
    return read


def unverified_without_lexicon(
    reports: tuple[MeetingReport, ...], lex: Lexicon
) -> tuple[MeetingReport, ...]:
    """Rule *no lexicon of its own*: what the rules read with the generic lexicon, in a
    language that has no lexicon of its own (Swahili "atakutana na Putin mjini Moscow"),
    is as unverified and tentative as the guess: the generic words are a few of that
    language's, not its grammar."""
    if lex.language != FALLBACK:
        return reports
    return tuple(replace(r, understood=False, tentative=True) for r in reports)


def reads_its_own_past(lex: Lexicon) -> bool:
    """Rule *own past tense*: a partial lexicon has the language's held and past-tense
    cues, so the rules read its past meetings themselves; there the unverified guess
    serves only a meeting still ahead (a past guess alerts no one, and is mostly a name
    beside a place). Without a lexicon of its own, a past guess still stands."""
    return lex.partial and lex.language != FALLBACK


def _sentence_report(
    text: str,
    start: int,
    end: int,
    mentions: Sequence[Mention],
    lexicons: tuple[Lexicon, Lexicon],
    published: date | None,
) -> MeetingReport | None:
    lex = lexicons[0]
    here = [m for m in mentions if start <= m.start < end]
    actors = list(dict.fromkeys(m.entity_id for m in here if m.kind is EntityKind.ACTOR))
    if not actors:
        return None
    folded = fold(text[start:end])
    if any(_has(x.non_talks, folded) for x in lexicons):
        return None  # sport, markets, weather: names together are no meeting
    newsroom = start + dateline_length(text[start:end])  # "MOSZKVA –": where it was filed
    venues = [
        m
        for m in here
        if m.kind is EntityKind.VENUE
        and m.start >= newsroom
        and not names_a_topic(folded, m.start - start, m.end - start, lex)
        and not place_of_an_interview(folded, m.start - start, m.end - start, lex)
    ]
    past = _past_only(folded, lex)
    meetings = [
        m.span() for x in lexicons if x.meeting is not None for m in x.meeting.finditer(folded)
    ]
    found = [
        d
        for d in scan_dates(text[start:end], lex.key, published)
        if d.start >= newsroom - start
        and not statement_day(folded, d, lex)
        and day_adjective(d, folded, meetings)
    ]
    # weekdays by tense, as the rules read them; the nearest one when the tense is unknown
    direction = -1 if past else 0 if tense_unknown(folded, lex, past) else 1
    dated = [d for d in resolve_weekdays(found, published, direction) if d.date is not None]
    if not dated:
        venues = [
            m for m in venues if place_of_something(folded, m.start - start, m.end - start, lex)
        ]
    if not venues and not dated:
        return None
    # an idiom's words are no evidence ("conversar por telefone": a phone call)
    unidiomatic = idioms_and_longest_cues(folded, lex)[1]
    if talks_only_in_idioms(folded, unidiomatic, lex) or not meeting_evidence(
        unidiomatic, lexicons, bool(venues), bool(dated)
    ):
        return None
    day = dated[0] if dated else None
    held = past
    if day is not None and published is not None and day.date is not None:
        held = day.date < published or (day.date == published and past)
    change = change_without_lexicon(unidiomatic, lexicons)
    return MeetingReport(
        venue=venues[0].entity_id if venues else None,
        date=day.date if day else None,
        date_end=day.date_end if day else None,
        status=change or (MeetingStatus.HELD if held else MeetingStatus.UPCOMING),
        tentative=True,
        participants=tuple(actors),
        when_text=day.text if day else None,
        evidence=text[start:end][:MAX_EVIDENCE_CHARS],
        understood=False,
    )


def talks_only_in_idioms(folded: str, unidiomatic: str, lex: Lexicon) -> bool:
    """Rule *talks only in idioms*: where every meeting word of the lexicon that read the
    sentence stands inside one of its idioms (a call, meeting the press, deal talks: "kohtub
    esmaspäeval Kiievis ajakirjanikega", will meet reporters in Kyiv on Monday), the lexicon
    has read what the words are: its place and day guess no meeting."""
    return _has(lex.meeting, folded) and not _has(lex.meeting, unidiomatic)


def change_without_lexicon(folded: str, lexicons: tuple[Lexicon, Lexicon]) -> MeetingStatus | None:
    """Rule *change without a lexicon*: where the rules could not read the text (no
    lexicon of its own, or a full one of a misjudged language), a cancelled or put-off
    cue of the generic lexicon, which holds those of the languages without a lexicon
    ("dibatalkan", "ditunda", "umeahirishwa"), makes the guess a cancellation or a
    postponement, not a meeting ahead; a partial lexicon's rules read their own cues."""
    lex, generic = lexicons
    if lex.partial and lex.language != FALLBACK:
        return None
    if _has(generic.status.get("cancelled"), folded):
        return MeetingStatus.CANCELLED
    if _has(generic.status.get("moved"), folded):
        return MeetingStatus.POSTPONED
    return None


def tense_unknown(folded: str, lex: Lexicon, past: bool) -> bool:
    """Rule *tense unknown*: in a language whose partial lexicon has tense cues, a
    sentence with neither a past nor a future one (nor a cue of a meeting ahead, or of
    a change) says nothing of when, and a weekday in it is the nearest one, not the
    coming one: "Witkoff discussed on Monday in Miami ..." (published on a Wednesday,
    with a past verb the lexicon lacks) is no meeting next Monday. A meeting word
    without a tense still announces the coming one ("talks on Tuesday, said Peskov"),
    and so does a text without a lexicon of its own."""
    if past or not reads_its_own_past(lex) or lex.past is None or lex.future is None:
        return False
    if _has(lex.future, folded) or _has(lex.meeting, folded):
        # a meeting word with no tense announces the meeting ("talks on Tuesday")
        return False
    return not any(_has(lex.status.get(group), folded) for group in AHEAD_OR_CHANGED)


def place_of_something(folded: str, start: int, end: int, lex: Lexicon) -> bool:
    """Rule *place of something*: in a sentence that names no day, a venue of the guess
    is one the sentence places something in (a preposition, a case ending or a verb of
    visiting governs it, in a language whose lexicon has locative prepositions or case
    endings: "Moskva hindab", Moscow judges, is Moscow's government, "Moskvas" a place);
    a capital standing for its government ("Kyiv cannot cancel the talks") is no venue.
    A place named with a day ("arrived Moscow on Tuesday") stands, and so does any
    name in a language without a (partial) lexicon of its own that read the text."""
    if not lex.partial or lex.language == FALLBACK or not places_by_words(lex):
        return True  # a full lexicon's text here is in a misjudged language: unread
    before = reported_words(folded[max(0, start - 60) : start], lex)
    return governed(before, lex) or visited(before, lex) or locative_case(folded, start, end, lex)


def reported_words(before: str, lex: Lexicon) -> str:
    """Rule *complementizer bounds the place*: a preposition before a complementizer
    governs nothing after it ("sade på söndagen att Moskva är nöjd", said on Sunday that
    Moscow is satisfied: Moscow's government, not a place), so the words before a place
    are read from the last complementizer on (lexicon ``complementizers``)."""
    pattern = lexicon_words(lex.language, "complementizers")
    rest = None if pattern is None else after_last(pattern, before)
    return before if rest is None else rest


def place_of_an_interview(folded: str, start: int, end: int, lex: Lexicon) -> bool:
    """Rule *interview's place*, for the guess too: a place beside a word for an interview
    or for speaking to reporters ("モスクワで記者団に", in Moscow to reporters) is where
    someone spoke, not a venue of the guess."""
    place = (start, "", end)
    return not interview_place([place], folded, 0, len(folded), lex.language)


def places_by_words(lex: Lexicon) -> bool:
    """Rule *place of something*: the lexicon has the words or case endings that place
    something somewhere, so an ungoverned place is no venue (a lexicon with only a
    particle for "in" reads no "to" and so cannot tell)."""
    return lex.locatives is not None or bool(lex.locative_endings)


def meeting_evidence(
    folded: str, lexicons: tuple[Lexicon, Lexicon], venue: bool, day: bool
) -> bool:
    """Rule *meeting evidence*: a meeting word of either lexicon or a held, moved,
    cancelled or denied cue, or a tracked venue together with a day, unless the
    sentence tells only a journey (rule *journey without purpose*)."""
    for lex in lexicons:
        if _has(lex.meeting, folded):
            return True
        if any(_has(lex.status.get(group), folded) for group in SPECIFIC_CUES):
            return True
    return venue and day and not any(only_a_journey(folded, lex) for lex in lexicons)


def only_a_journey(folded: str, lex: Lexicon) -> bool:
    """Rule *journey without purpose* where the rules read nothing: a sentence whose
    evidence is a place and a day beside a verb of a trip (lexicon ``journey_verbs``:
    "Washingtonba repült", flew to Washington) and no purpose phrase tells where
    someone went, not a meeting."""
    pattern = entries_between(lex.language, "journey_verbs", r"(?<!\w)(?:", r")(?!\w)")
    if pattern is None or pattern.search(folded) is None:
        return False
    return lex.flags is None or all(kind != "purpose" for *_, kind in lex.flags.scan(folded))


def statement_day(folded: str, mention: DateMention, lex: Lexicon) -> bool:
    """The day a statement was made, not a meeting's: right after a reporting verb
    ("said on Monday"), or right before one with no meeting word or status cue ahead of
    it ("on Monday Peskov said", but not "talks on Monday, Peskov said"), or one that
    opens a reporting clause after a comma (rule *reporting clause after a comma*); before a
    verb that opens a report with its complementizer, the subject between may be longer
    (rule *report after its subject*: "Τη Δευτέρα, ο Ουκρανός πρόεδρος … είχε δηλώσει ότι")."""
    if lex.reporting is None:
        return False
    for match in lex.reporting.finditer(folded):
        if match.end() <= mention.start:
            gap = folded[match.end() : mention.start]
            if subject_after_the_verb(gap, lex):
                return True
        elif mention.end <= match.start():
            gap = folded[mention.end : match.start()]
            lead = folded[: mention.start]
            if _meeting_cue(lead, lex) and not reporting_clause_after_comma(lead, gap, lex):
                continue
            if report_after_its_subject(folded, gap, match.end(), lex):
                return True
        elif match.start() <= mention.start < match.end():
            return True  # the verb read as the weekday's preposition ("zei maandag")
        else:
            continue
        if len(_WORD.findall(gap)) <= STATEMENT_DAY_WORDS:
            return True
    return False


def report_after_its_subject(folded: str, gap: str, verb_end: int, lex: Lexicon) -> bool:
    """Rule *report after its subject*: a day before a reporting verb that opens a report
    with its complementizer, only the verb's subject and auxiliaries between ("Maandag had
    president Zelensky al gezegd dat Kyiv …", "Mandag hadde Zelenskyj sagt at Kyiv …": on
    Monday Zelensky had said that Kyiv …), is the day of the statement, as in the rules
    (rule *attribution*): no meeting in the reported place that day."""
    return (
        opens_report(folded, verb_end, lex.language)
        and len(_WORD.findall(gap)) <= STATEMENT_SUBJECT_WORDS
        and not _meeting_cue(gap, lex)
    )


def subject_after_the_verb(gap: str, lex: Lexicon) -> bool:
    """Rule *subject after the verb*: where the subject follows the reporting verb (Arabic
    "أعلنت شركة …، التي يملكها كوشنر، يوم الاثنين", announced …, on Monday), a day after
    the verb and its subject is the statement's, when no meeting word, status cue or
    complementizer stands between ("said Witkoff will meet Putin on Monday" keeps it)."""
    return (
        len(_WORD.findall(gap)) <= STATEMENT_SUBJECT_WORDS
        and not _meeting_cue(gap, lex)
        and not reported_content(gap, lex.language)
    )


def _meeting_cue(text: str, lex: Lexicon) -> bool:
    return _has(lex.meeting, text) or any(_has(p, text) for p in lex.status.values())


def _has(pattern: re.Pattern[str] | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


def _past_only(sentence: str, lex: Lexicon) -> bool:
    """The sentence has past-tense cues and no future ones (lexicons with tense only);
    a purpose phrase ("arrived on Tuesday to meet Putin") puts the meeting ahead. A held
    cue is a past-tense cue too (*held is past*): "je v nedeljo v Kremlju sprejel", with
    words between the auxiliary and the verb, is last Sunday's meeting."""
    if lex.past is None or lex.future is None:
        return False
    if lex.future.search(sentence) is not None:
        return False
    if lex.past.search(sentence) is None and not _has(lex.status.get("held"), sentence):
        return False
    return lex.flags is None or all(kind != "purpose" for *_, kind in lex.flags.scan(sentence))
