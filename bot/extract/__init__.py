"""Meeting extraction: who meets where and when, and what became of it.

    extractor = Extractor(watchlist)            # or Extractor(watchlist, matcher)
    extraction = extractor.extract(title, text, published, lang_hint="pl")

Stages, one module each (docs/extraction.md): detect the language and find
watchlist mentions (here), ``sentences`` -> ``clauses`` -> ``statements`` (each
clause's ``status`` cues, ``dates`` and ``venues``) -> ``merge`` of the article's
statements into meetings, then the ``fallback`` for languages without a full lexicon.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from operator import attrgetter
from typing import TYPE_CHECKING

from bot.extract.fallback import (
    already_reported,
    drawn_from,
    fallback_applies,
    unverified_meeting,
    unverified_without_lexicon,
)
from bot.extract.lexicons import fold, load_lexicon
from bot.extract.merge import meeting_report, merge_statements
from bot.extract.sentences import sentences_worth_reading
from bot.extract.statements import (
    Statement,
    same_place,
    sentence_statements,
    there_a_sentence_on,
)
from bot.extract.venues import (
    VenueArea,
    article_venue,
    countries_beaten_by_cities,
    governed,
    headline_venue,
    last_place_before,
    prepare_gazetteer,
    venue_countries,
    watchlist_city,
)
from bot.langdetect import detect_language
from bot.match.gazetteer import is_other_place
from bot.models import (
    ALERT_STATUSES,
    Article,
    EntityKind,
    Extraction,
    MeetingReport,
    MeetingStatus,
    Mention,
    Watchlist,
)

if TYPE_CHECKING:
    from bot.match import Matcher

__all__ = ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "Article", "Extractor"]

# Bounds on what is analysed: meetings are stated early; the rest costs time only.
MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
LANG_SAMPLE_CHARS = 1_000
BATCH_SIZE = 256  # articles per step in iter_extract

_START = attrgetter("start")


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
    # split() cuts at the spaces \s matches; joining is faster than re.sub. (The probe
    # neither starts nor ends with a space, so the head's ends do not matter.)
    title = " ".join(title.split())
    if not title:
        return text, 0
    probe = title[: min(len(title), 120)].rstrip(".… ")
    head = " ".join(text[: len(title) + 400].split())
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
        if matcher is None:
            # imported here: the matcher reads the lexicons' title words from this package
            from bot.match import Matcher

            matcher = Matcher(watchlist)
        self._matcher = matcher
        self._max_text = max_text_chars
        self._countries = venue_countries(watchlist)

    def prepare(self) -> None:
        """Build the tables extraction builds on first need (the gazetteer of places
        outside the watchlist, ~1.5 s): a long-running bot calls this in a thread before
        it polls, so the first article that names such a place does not stall it."""
        prepare_gazetteer()

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
        return _analyse(analysed, title_end, lang, mentions, _as_date(published), self._countries)

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
            i: _analyse(
                *composed[i],
                langs[i],
                mentions[i],
                _as_date(articles[i].published),
                self._countries,
            )
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
    analysed: str,
    title_end: int,
    lang: str,
    found: list[Mention],
    day: date | None,
    countries: Mapping[str, VenueArea],
) -> Extraction:
    """The extraction of one composed text whose language and mentions are known:
    the stages sentences -> clauses -> statements (with their venues, dates and
    status) -> merge, then the headline venue and the unverified-meeting fallback."""
    lex = load_lexicon(lang)
    folded = fold(analysed)
    mentions = tuple(sorted(found, key=_START))
    selection = sentences_worth_reading(analysed, folded, title_end, lex, mentions)
    statements: list[Statement] = []
    for sentence in selection.sentences:
        statements.extend(sentence_statements(sentence, lex, day, len(statements)))
    starts = {s.index: s.start for s in selection.sentences}
    same_place(
        statements,
        lex.language,
        lambda index: last_place_before(mentions, folded, lex, starts.get(index, 0)),
    )
    there_a_sentence_on(statements, selection.spans, mentions, lex.language)
    merged = watchlist_city(merge_statements(statements, day), countries)
    meetings = countries_beaten_by_cities(merged, countries)
    if selection.title_has_meeting_word:
        placed = [
            m
            for m in mentions
            if m.start < title_end and governed(folded[max(0, m.start - 60) : m.start], lex)
        ]
        headline_venue(meetings, placed)
    article_venue(meetings, mentions, folded, lex, analysed)
    reports = tuple(meeting_report(m, lang, day) for m in meetings)
    reports = unverified_without_lexicon(tracked_only(reports, mentions), lex)
    if not any(r.status in ALERT_STATUSES for r in reports) and fallback_applies(
        folded, lex, mentions
    ):
        known = already_reported(reports)
        read = drawn_from(reports, statements)
        guess = unverified_meeting(analysed, selection.spans, mentions, lex, day, known, read)
        if guess is not None:
            reports = (*reports, guess)  # the rules' past meetings stand beside it
    return Extraction(
        lang=lang,
        actors=_ids(mentions, EntityKind.ACTOR),
        venues=_ids(mentions, EntityKind.VENUE),
        mentions=mentions,
        meetings=reports,
    )


def tracked_only(
    reports: tuple[MeetingReport, ...], mentions: tuple[Mention, ...]
) -> tuple[MeetingReport, ...]:
    """Rule *someone tracked*: an article that names no tracked actor reports no
    place-less meeting, and no past one at a place outside the watchlist. A denial or
    cancellation with neither a tracked venue nor a tracked person ("US denies report it
    nixed meeting" about other envoys) concerns no subscriber, nor does a past meeting of
    others elsewhere ("the two teams met in Dubai last year"); one ahead there is kept
    (envoys are often unnamed: "negotiators will meet in Oman")."""
    if any(m.kind is EntityKind.ACTOR for m in mentions):
        return reports
    return tuple(r for r in reports if r.venue is not None and not _others_past(r))


def _others_past(report: MeetingReport) -> bool:
    return report.status is MeetingStatus.HELD and is_other_place(report.venue or "")


def _ids(mentions: tuple[Mention, ...], kind: EntityKind) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.entity_id for m in mentions if m.kind is kind))
