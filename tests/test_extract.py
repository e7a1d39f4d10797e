"""End-to-end extraction with the real matcher and the shipped watchlist: one row
per language and phrasing, merging, irrelevant items, bounded time on huge input."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config import load_watchlist
from bot.extract import Extractor
from bot.models import Article, MeetingReport
from bot.models import MeetingStatus as S

WATCHLIST = Path(__file__).resolve().parents[1] / "config" / "watchlist.yaml"

Row = tuple[str | None, date | None, S, bool]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(WATCHLIST))


def _rows(meetings: tuple[MeetingReport, ...]) -> list[Row]:
    return [(m.venue, m.date, m.status, m.tentative) for m in meetings]


CASES = [
    (
        "pl",
        "",
        "Kolejna runda rozmów Witkoffa z Dmitrijewem odbędzie się 4 lutego w Abu Zabi.",
        date(2026, 1, 28),
        [("abu-dhabi", date(2026, 2, 4), S.UPCOMING, False)],
    ),
    (
        "pl",
        "",
        "W sobotę w Miami odbyło się spotkanie Witkoffa z Umerowem. Rozmowy trwały pięć godzin.",
        date(2026, 1, 31),
        [("miami", date(2026, 1, 31), S.HELD, False)],
    ),
    (
        "en",
        "",
        "Witkoff met Umerov in Miami on Saturday, officials said.",
        date(2026, 2, 2),
        [("miami", date(2026, 1, 31), S.HELD, False)],
    ),
    (
        "en",
        "",
        "Witkoff and Kushner will meet Putin in Moscow on Tuesday, according to Axios.",
        date(2025, 12, 1),
        [("moscow", date(2025, 12, 2), S.UPCOMING, True)],
    ),
    (
        "ru",
        "",
        "Встреча Путина и Трампа в Будапеште отменена, сообщил Песков.",
        date(2025, 10, 22),
        [("budapest", None, S.CANCELLED, False)],
    ),
    (
        "uk",
        "",
        "Переговори Умєрова та Віткоффа в Женеві перенесли на 10 березня.",
        date(2026, 3, 2),
        [("geneva", date(2026, 3, 10), S.RESCHEDULED, False)],
    ),
    (
        "de",
        "",
        "Das Treffen von Witkoff und Umjerow in Genf wurde auf nächste Woche verschoben.",
        date(2026, 2, 10),
        [("geneva", None, S.RESCHEDULED, False)],
    ),
    (
        "fr",
        "",
        "La rencontre entre Trump et Poutine à Budapest n'aura finalement pas lieu.",
        date(2025, 10, 22),
        [("budapest", None, S.CANCELLED, False)],
    ),
    (
        "it",
        "",
        "Il summit tra Trump e Putin a Budapest è stato rinviato a data da destinarsi.",
        date(2025, 10, 22),
        [("budapest", None, S.POSTPONED, False)],
    ),
    (
        "es",
        "",
        "Witkoff y Kushner se reunirán con Putin el martes en Moscú.",
        date(2025, 12, 1),
        [("moscow", date(2025, 12, 2), S.UPCOMING, False)],
    ),
    (
        "pl",
        "",
        "Według mediów Witkoff i Kushner planują spotkanie z Putinem w Moskwie. "
        "Biały Dom zaprzecza tym doniesieniom.",
        date(2026, 1, 14),
        [("moscow", None, S.DENIED, True)],
    ),
    (
        "pl",
        "",
        "W niedzielę na Florydzie spotkali się Witkoff i Umerow. Rozmowy były konstruktywne.",
        date(2025, 11, 30),
        [("other:Florida", date(2025, 11, 30), S.HELD, False)],
    ),
    (
        "en",
        "",
        "GENEVA, Feb 17 (Reuters) - Talks between Umerov and Witkoff began "
        "in Abu Dhabi on Tuesday.",
        date(2026, 2, 17),
        [("abu-dhabi", date(2026, 2, 17), S.HELD, False)],
    ),
    (
        "en",
        "",
        "Zelensky said the meeting with Trump in Washington would not be cancelled "
        "and will take place on Friday.",
        date(2026, 2, 2),
        [("washington", date(2026, 2, 6), S.UPCOMING, False)],
    ),
    # a postponement on the table, with no new day: the meeting keeps its planned day
    (
        "en",
        "Kyiv and Washington discuss postponing talks",
        "Ukraine and the US discussed postponing the next round of talks in Geneva. "
        "The meeting was originally planned for 12 to 14 March. Both sides discussed "
        "postponing the meeting for a while.",
        date(2026, 3, 5),
        [("geneva", date(2026, 3, 12), S.POSTPONED, True)],
    ),
    (
        "pl",
        "",
        "Strony rozmawiały o przełożeniu rozmów w Genewie. Spotkanie planowano "
        "pierwotnie na 12-14 marca. Delegacje rozmawiały o możliwości przełożenia "
        "spotkania.",
        date(2026, 3, 5),
        [("geneva", date(2026, 3, 12), S.POSTPONED, True)],
    ),
    # headlines drop attributions: the body's hedging is the headline's too
    (
        "es",
        "Witkoff y Dmitriev se reunirán el lunes en Miami",
        "El enviado especial Steve Witkoff y el negociador ruso Kirill Dmitriev se "
        "reunirán el próximo lunes en Miami, según informó Axios.",
        date(2026, 4, 9),
        [("miami", date(2026, 4, 13), S.UPCOMING, True)],
    ),
    (
        "en",
        "Witkoff to meet Putin in Moscow on Tuesday",
        "Witkoff will meet Putin in Moscow on Tuesday, according to people familiar "
        "with the plans.",
        date(2026, 4, 9),
        [("moscow", date(2026, 4, 14), S.UPCOMING, True)],
    ),
    # a place-less headline and a body naming the place: one meeting
    (
        "en",
        "Peace talks postponed",
        "The talks in Istanbul were postponed, the ministry said.",
        date(2026, 3, 5),
        [("istanbul", None, S.POSTPONED, False)],
    ),
    (
        "de",
        "Gespräche abgesagt",
        "Das Treffen in Genf wurde abgesagt, teilte das Ministerium mit.",
        date(2026, 3, 5),
        [("geneva", None, S.CANCELLED, False)],
    ),
]


# (lang, text, published, venue, day, status, previous day)
MOVES = [
    (
        "de",
        "Die Gespräche von Witkoff und Dmitrijew in Genf sind auf Freitag, 6. März, verschoben.",
        date(2026, 3, 2),
        "geneva",
        date(2026, 3, 6),
        S.RESCHEDULED,
        None,
    ),
    (
        "de",
        "Statt am 4. März treffen sich Witkoff und Dmitrijew nun am 9. März in Genf.",
        date(2026, 3, 2),
        "geneva",
        date(2026, 3, 9),
        S.RESCHEDULED,
        date(2026, 3, 4),
    ),
    (
        "en",
        "The Geneva talks between Witkoff and Umerov were moved from March 4 to March 9.",
        date(2026, 3, 2),
        "geneva",
        date(2026, 3, 9),
        S.RESCHEDULED,
        date(2026, 3, 4),
    ),
    (
        "pl",
        "Rozmowy Witkoffa z Umerowem w Genewie przesunięto z 4 marca na 9 marca.",
        date(2026, 3, 2),
        "geneva",
        date(2026, 3, 9),
        S.RESCHEDULED,
        date(2026, 3, 4),
    ),
    (
        "ru",
        "Встреча Уиткоффа и Дмитриева в Женеве, которая должна была пройти 4 марта, "
        "перенесена на 9 марта.",
        date(2026, 3, 2),
        "geneva",
        date(2026, 3, 9),
        S.RESCHEDULED,
        date(2026, 3, 4),
    ),
    (
        "en",
        "Witkoff and Umerov will meet in Miami on Saturday, March 7, officials said.",
        date(2026, 3, 2),
        "miami",
        date(2026, 3, 7),
        S.UPCOMING,
        None,
    ),
    (
        "uk",
        "Наступний раунд переговорів Умєрова і Віткоффа може відбутися в Маямі 7 березня.",
        date(2026, 3, 2),
        "miami",
        date(2026, 3, 7),
        S.UPCOMING,
        None,
    ),
]


@pytest.mark.parametrize(("lang", "text", "published", "venue", "day", "status", "previous"), MOVES)
def test_moves_and_appositions(
    extractor: Extractor,
    lang: str,
    text: str,
    published: date,
    venue: str,
    day: date,
    status: S,
    previous: date | None,
) -> None:
    extraction = extractor.extract("", text, published)
    assert extraction.lang == lang
    [meeting] = extraction.meetings
    assert (meeting.venue, meeting.date, meeting.status) == (venue, day, status)
    assert meeting.previous_date == previous


def test_alternative_places_are_not_the_venue(extractor: Extractor) -> None:
    extraction = extractor.extract(
        "",
        "Zelensky said the next round of talks with Witkoff could be in Geneva or Istanbul.",
        date(2026, 3, 2),
    )
    assert [m.venue for m in extraction.meetings] in ([], [None])


def test_denial_day_is_not_the_meeting_day(extractor: Extractor) -> None:
    extraction = extractor.extract(
        "",
        "Peskov on Wednesday denied reports that Dmitriev would meet Witkoff in Abu Dhabi.",
        date(2026, 3, 4),
    )
    assert [(m.venue, m.date, m.status) for m in extraction.meetings] == [
        ("abu-dhabi", None, S.DENIED)
    ]


@pytest.mark.parametrize(("lang", "title", "text", "published", "expected"), CASES)
def test_meetings(
    extractor: Extractor, lang: str, title: str, text: str, published: date, expected: list[Row]
) -> None:
    extraction = extractor.extract(title, text, published)
    assert extraction.lang == lang
    assert _rows(extraction.meetings) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Witkoff has met Putin in Moscow six times since last year."),
        ("en", "Witkoff has met Putin several times in Moscow."),
        ("pl", "Witkoff wielokrotnie spotykał się z Putinem w Moskwie."),
        ("pl", "Witkoff spotkał się z Putinem w Moskwie już sześć razy."),
        ("ru", "Уиткофф неоднократно встречался с Путиным в Москве."),
        ("ru", "Уиткофф уже шесть раз встречался с Путиным в Москве."),
        ("uk", "Віткофф кілька разів зустрічався з Путіним у Москві."),
        ("de", "Witkoff hat Putin bereits mehrfach in Moskau getroffen."),
        ("de", "Witkoff hat Putin bereits sechsmal in Moskau getroffen."),
        ("fr", "Witkoff a rencontré Poutine à plusieurs reprises à Moscou."),
        ("it", "Witkoff ha incontrato Putin più volte a Mosca."),
        ("es", "Witkoff se ha reunido con Putin varias veces en Moscú."),
    ],
)
def test_repeated_past_meetings_are_not_one_meeting(
    extractor: Extractor, lang: str, text: str
) -> None:
    assert extractor.extract("", text, date(2026, 1, 30)).meetings == ()


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # a day pins one meeting of the series down
        (
            "en",
            "Witkoff met Putin in Moscow for the sixth time on Tuesday.",
            [("moscow", date(2026, 1, 27), S.HELD, False)],
        ),
        (
            "en",
            "Witkoff, who has met Putin several times, met him again in Moscow on Tuesday.",
            [("moscow", date(2026, 1, 27), S.HELD, False)],
        ),
        # the series is background to what the clause reports
        (
            "en",
            "Witkoff and Putin will meet in Moscow, where they have already met six times.",
            [("moscow", None, S.UPCOMING, False)],
        ),
        (
            "pl",
            "Witkoff i Putin spotkają się w Moskwie, gdzie rozmawiali już wielokrotnie.",
            [("moscow", None, S.UPCOMING, False)],
        ),
    ],
)
def test_one_meeting_beside_a_series(
    extractor: Extractor, lang: str, text: str, expected: list[Row]
) -> None:
    assert _rows(extractor.extract("", text, date(2026, 1, 30)).meetings) == expected


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "Norris champion",
            "Verstappen won the Abu Dhabi Grand Prix and denied Norris a perfect weekend.",
        ),
        ("Fund news", "Kushner's investment fund raised two billion dollars this week."),
        ("Weather", "Miami weather: heavy rain is expected on Saturday across the region."),
        ("Hokej", "Hokeista Dmitrijew zdobył dwa gole w sobotnim meczu."),
        ("Drony", "Nad Moskwą zestrzelono drony. Agencja zaprzeczyła doniesieniom o opóźnieniach."),
        ("ФРС", "Бессент заявил, что ФРС утратила доверие американцев."),
    ],
)
def test_irrelevant_items_give_no_meetings(extractor: Extractor, title: str, text: str) -> None:
    extraction = extractor.extract(title, text, date(2025, 12, 7))
    assert extraction.meetings == ()
    assert not extraction.alert


def test_title_restating_the_body_is_one_meeting(extractor: Extractor) -> None:
    extraction = extractor.extract(
        "Trump and Putin to meet in Budapest",
        "Trump will meet Putin in Budapest in the coming days, the White House said. "
        "The summit in Budapest is expected to focus on Ukraine.",
        date(2025, 10, 16),
    )
    assert [(m.venue, m.status) for m in extraction.meetings] == [("budapest", S.UPCOMING)]
    meeting = extraction.meetings[0]
    assert {"trump", "putin"} <= set(meeting.participants)
    assert meeting.when_text == "in the coming days"


def test_reschedule_keeps_the_previous_day(extractor: Extractor) -> None:
    extraction = extractor.extract(
        "",
        "Witkoff and Kushner will join the talks in Abu Dhabi. "
        "The second round was originally planned for February 1. "
        "The second round will take place on February 4-5.",
        date(2026, 2, 3),
    )
    assert len(extraction.meetings) == 1
    meeting = extraction.meetings[0]
    assert (meeting.venue, meeting.date, meeting.date_end) == (
        "abu-dhabi",
        date(2026, 2, 4),
        date(2026, 2, 5),
    )
    assert meeting.status is S.RESCHEDULED
    assert meeting.previous_date == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("lang", "title", "text", "venue", "day", "previous"),
    [
        # the planned day, a weekday, is the old one
        (
            "en",
            "",
            "The talks in Geneva, planned for Wednesday, were moved to April 20.",
            "geneva",
            date(2026, 4, 20),
            date(2026, 4, 8),
        ),
        (
            "pl",
            "",
            "Zaplanowane na środę rozmowy delegacji w Genewie zostały przesunięte na 20 kwietnia.",
            "geneva",
            date(2026, 4, 20),
            date(2026, 4, 8),
        ),
        (
            "ru",
            "",
            "Переговоры в Женеве, запланированные на среду, перенесли на 20 апреля.",
            "geneva",
            date(2026, 4, 20),
            date(2026, 4, 8),
        ),
        # "talks in Geneva" names the talks: not where they were first planned
        (
            "pl",
            "",
            "Zaplanowane pierwotnie na środę rozmowy w Genewie zostały przesunięte na 20 kwietnia.",
            "geneva",
            date(2026, 4, 20),
            date(2026, 4, 8),
        ),
        # a headline saying "postponed", a body naming the new day: rescheduled
        (
            "pl",
            "Rozmowy w Genewie przesunięte",
            "Zaplanowane na środę rozmowy delegacji Ukrainy i USA w Genewie zostały "
            "przesunięte na 20 kwietnia - poinformował Rustem Umerow.",
            "geneva",
            date(2026, 4, 20),
            date(2026, 4, 8),
        ),
    ],
)
def test_reschedule_from_a_planned_day(
    extractor: Extractor,
    lang: str,
    title: str,
    text: str,
    venue: str,
    day: date,
    previous: date,
) -> None:
    extraction = extractor.extract(title, text, date(2026, 4, 7))
    assert extraction.lang == lang
    assert [(m.venue, m.date, m.status, m.previous_date) for m in extraction.meetings] == [
        (venue, day, S.RESCHEDULED, previous)
    ]


def test_evidence_and_official(extractor: Extractor) -> None:
    extraction = extractor.extract(
        "",
        "Kremlin spokesman Peskov said Putin will receive Witkoff in Moscow on Tuesday.",
        datetime(2025, 12, 1, 9, 0, tzinfo=UTC),
    )
    meeting = extraction.meetings[0]
    assert meeting.evidence.startswith("Kremlin spokesman Peskov said")
    assert meeting.official
    assert set(extraction.actors) >= {"peskov", "putin", "witkoff"}
    assert extraction.venues == ("moscow",)


def test_a_batch_gives_what_one_call_each_gives(extractor: Extractor) -> None:
    """extract_many / iter_extract: same results as extract, in order, hints per article."""
    articles = [Article(title, text, published) for _, title, text, published, _ in CASES]
    articles.append(Article("", "Witkoff", date(2026, 1, 1), "pl"))  # too short: hint decides
    articles.append(Article("", "", None))
    one_each = [extractor.extract(a.title, a.text, a.published, a.lang_hint) for a in articles]
    assert extractor.extract_many(articles) == one_each
    assert list(extractor.iter_extract(iter(articles), batch=3)) == one_each
    assert extractor.extract_many(articles[::-1]) == one_each[::-1]
    assert one_each[-2].lang == "pl"
    assert extractor.extract_many([]) == []


def test_lang_hint_is_only_a_hint(extractor: Extractor) -> None:
    extraction = extractor.extract(
        "", "Spotkanie Witkoffa z Putinem odbędzie się w Moskwie.", date(2026, 1, 1), "en"
    )
    assert extraction.lang == "pl"


def test_unknown_publication_day(extractor: Extractor) -> None:
    extraction = extractor.extract("", "Witkoff met Putin in Moscow on Tuesday.", None)
    assert [(m.venue, m.date, m.status) for m in extraction.meetings] == [("moscow", None, S.HELD)]


@pytest.mark.parametrize(
    "title",
    [
        "a" * 10_000_000,
        "1-" * 5_000_000,
        "nie " * 2_500_000,
        ("Umerow rozmawiał z Rubio w Dżuddzie 3 marca. " * 200_000),
    ],
)
def test_huge_title_finishes_in_bounded_time(extractor: Extractor, title: str) -> None:
    started = time.perf_counter()
    extractor.extract(title, "Witkoff met Putin in Moscow.", date(2026, 1, 1))
    assert time.perf_counter() - started < 2.0


def test_huge_body_is_capped(extractor: Extractor) -> None:
    body = "Witkoff met Putin in Moscow on Tuesday. " + "Lorem ipsum dolor sit amet. " * 400_000
    started = time.perf_counter()
    extraction = extractor.extract("", body, date(2026, 1, 1))
    assert time.perf_counter() - started < 3.0
    assert extraction.meetings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rozmawiali m.in. Witkoff i Umerow. Potem wyszli.", 2),
        ("Das Treffen ist für den 14.02. geplant. Danach mehr.", 2),
        ("Am 9. Februar trafen sie sich. Dann nicht mehr.", 2),
        ("The talks were planned for February 1. They moved.", 2),
        ("He flew to Washington, D. C. on Friday. Talks followed.", 2),
        ("U.S. envoy Witkoff arrived. He met Putin.", 2),
        ("Headline without period\nBody sentence one. Body two.", 3),
        # full-width ends need no space; a quote closing after one goes on
        ("威特科夫会见了普京。他们下周再见面！好吗？", 3),
        ("「木曜日に会談します。」と特使は述べた。次の文。", 2),
        # a period run into a Hangul, kana or Han letter, unless it ends an abbreviation
        ("우메로프를 만났습니다.위트코프는 떠났습니다.", 2),
        ("U.S.官员 met Putin. Then they left.", 2),
        # a period between a lower-case word and a capitalised one; not an acronym's,
        # nor one before a lower-case word
        ("The talks ended, Reuters reported.Witkoff left.", 2),
        ("The U.S.Army said so. Witkoff visited axios.com today.", 2),
        ("They met.NATO said nothing.", 1),
    ],
)
def test_sentence_splitting(text: str, expected: int) -> None:
    from bot.extract.dates import month_names
    from bot.extract.lexicons import load_lexicon
    from bot.extract.sentences import split_sentences

    lang = "pl" if "Rozmawiali" in text else "de" if "Treffen" in text or "Am 9" in text else "en"
    spans = split_sentences(text, load_lexicon(lang).abbreviations, month_names(lang))
    assert len(spans) == expected, [text[a:b] for a, b in spans]
