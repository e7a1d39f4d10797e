"""Time expressions per language: absolute days, ranges, relative words, weekdays
by tense, year inference, vague phrases (text kept, no day invented)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.extract.dates import (
    ABSOLUTE,
    RELATIVE,
    VAGUE,
    WEEKDAY,
    day_of_month,
    find_dates,
    infer_year,
    resolve_weekday,
)
from bot.extract.lexicons import fold
from bot.extract.timeofday import find_time_of_day, names_an_hour

WED_28_JAN = date(2026, 1, 28)  # a Wednesday
SAT_31_JAN = date(2026, 1, 31)  # a Saturday


def _days(
    lang: str, text: str, published: date, direction: int = 0
) -> list[tuple[str, date | None, date | None]]:
    return [(m.kind, m.date, m.date_end) for m in find_dates(text, lang, published, direction)]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("pl", "Spotkanie planowane jest na 1 lutego.", (date(2026, 2, 1), None)),
        ("pl", "Rozmowy w dniach 23-24 stycznia.", (date(2026, 1, 23), date(2026, 1, 24))),
        ("pl", "Termin: 3 do 5 lutego 2026 r.", (date(2026, 2, 3), date(2026, 2, 5))),
        ("en", "They meet on Feb. 4-5 in the city.", (date(2026, 2, 4), date(2026, 2, 5))),
        ("en", "Talks are set for February 4–5.", (date(2026, 2, 4), date(2026, 2, 5))),
        ("en", "The summit opens on the 3rd of February.", (date(2026, 2, 3), None)),
        ("en", "The window runs from March 5 to 9.", (date(2026, 3, 5), date(2026, 3, 9))),
        ("en", "It happened on Aug. 8, 2025.", (date(2025, 8, 8), None)),
        ("it", "Il vertice è fissato per il 1° febbraio.", (date(2026, 2, 1), None)),
        ("it", "Colloqui dal 10 al 12 febbraio.", (date(2026, 2, 10), date(2026, 2, 12))),
        ("ru", "Встреча намечена на 15-е февраля.", (date(2026, 2, 15), None)),
        ("ru", "Переговоры пройдут с 3 по 5 февраля.", (date(2026, 2, 3), date(2026, 2, 5))),
        ("uk", "Консультації в період від 3 до 7 березня.", (date(2026, 3, 3), date(2026, 3, 7))),
        ("de", "Das Treffen ist für den 14.02. geplant.", (date(2026, 2, 14), None)),
        ("de", "Beratungen vom 9. bis 11. Februar.", (date(2026, 2, 9), date(2026, 2, 11))),
        ("de", "Termin am 14.02.2026 bestätigt.", (date(2026, 2, 14), None)),
        ("fr", "La réunion aura lieu le 2 février.", (date(2026, 2, 2), None)),
        ("fr", "Du 4 au 6 février à Genève.", (date(2026, 2, 4), date(2026, 2, 6))),
        ("es", "Del 10 al 12 de febrero en Ginebra.", (date(2026, 2, 10), date(2026, 2, 12))),
        ("es", "Hubo reuniones los días 12 y 13 de enero.", (date(2026, 1, 12), date(2026, 1, 13))),
        ("en", "Published schedule: 2026-02-03.", (date(2026, 2, 3), None)),
        # languages with no lexicon: Vietnamese day/month after "ngày", month names of two
        # CLDR words ("tháng 2")
        ("vi", "Cuộc gặp diễn ra vào ngày 3/2 tại Moskva.", (date(2026, 2, 3), None)),
        ("vi", "Hội đàm vào ngày 5 tháng 2 năm 2026.", (date(2026, 2, 5), None)),
    ],
)
def test_absolute_dates(lang: str, text: str, expected: tuple[date, date | None]) -> None:
    found = [(d, e) for kind, d, e in _days(lang, text, WED_28_JAN) if kind == ABSOLUTE]
    assert found == [expected]


@pytest.mark.parametrize(
    ("published", "month", "day", "expected"),
    [
        (date(2025, 12, 17), 1, 5, date(2026, 1, 5)),  # early January seen from December
        (date(2026, 1, 24), 12, 23, date(2025, 12, 23)),  # late December seen from January
        (date(2026, 6, 1), 6, 10, date(2026, 6, 10)),
        (date(2026, 6, 1), 2, 30, None),  # no such day in any candidate year
    ],
)
def test_year_inference(published: date, month: int, day: int, expected: date | None) -> None:
    assert infer_year(month, day, published) == expected


@pytest.mark.parametrize(
    ("lang", "text", "published", "direction", "expected"),
    [
        # past cue -> most recent (or the same day); future cue -> next (or the same day)
        ("pl", "W sobotę w Genewie doszło do rozmów delegacji.", SAT_31_JAN, -1, SAT_31_JAN),
        ("pl", "Spotkają się w sobotę.", WED_28_JAN, 1, date(2026, 1, 31)),
        ("pl", "Odbyło się w sobotę.", WED_28_JAN, -1, date(2026, 1, 24)),
        ("pl", "Trump wyraził w piątek przekonanie.", SAT_31_JAN, -1, date(2026, 1, 30)),
        ("en", "They will meet next Wednesday.", WED_28_JAN, 0, date(2026, 2, 4)),
        ("en", "They met on Saturday.", WED_28_JAN, -1, date(2026, 1, 24)),
        ("it", "Si sono visti sabato scorso.", WED_28_JAN, 0, date(2026, 1, 24)),
        ("uk", "Це сталося минулої суботи.", WED_28_JAN, 0, date(2026, 1, 24)),
        ("ru", "Встреча состоится в субботу.", WED_28_JAN, 1, date(2026, 1, 31)),
        ("es", "El próximo martes habrá cumbre.", WED_28_JAN, 0, date(2026, 2, 3)),
        ("de", "Das Treffen ist auf Montag verschoben.", WED_28_JAN, 0, date(2026, 2, 2)),
        ("fr", "La rencontre prévue mardi.", date(2025, 12, 2), 1, date(2025, 12, 2)),
        # languages with no lexicon: a CLDR weekday of two words (Vietnamese "thứ Hai"),
        # Malay names where Indonesian's differ, Macedonian definite and Belarusian
        # accusative forms
        ("vi", "Hai bên sẽ gặp nhau vào thứ Hai.", WED_28_JAN, 1, date(2026, 2, 2)),
        ("ms", "Mereka akan bertemu pada hari Khamis.", WED_28_JAN, 1, date(2026, 1, 29)),
        ("mk", "Средбата ќе се одржи во петокот.", WED_28_JAN, 1, date(2026, 1, 30)),
        ("be", "Сустрэча запланаваная на суботу.", WED_28_JAN, 1, date(2026, 1, 31)),
        # Thai writes a weekday with no space around it; Albanian's definite accusative
        ("th", "การประชุมจะมีขึ้นในวันพฤหัสบดีนี้", WED_28_JAN, 1, date(2026, 1, 29)),
        ("sq", "Takimi u shty për të enjten.", WED_28_JAN, 1, date(2026, 1, 29)),
    ],
)
def test_weekdays_follow_tense(
    lang: str, text: str, published: date, direction: int, expected: date
) -> None:
    found = [d for kind, d, _ in _days(lang, text, published, direction) if kind == WEEKDAY]
    assert found == [expected]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "The talks happen tomorrow.", date(2026, 1, 29)),
        ("en", "They spoke yesterday.", date(2026, 1, 27)),
        ("en", "A decision in two days.", date(2026, 1, 30)),
        ("pl", "Decyzja zapadnie za dwa dni.", date(2026, 1, 30)),
        ("uk", "Рішення буде за два дні.", date(2026, 1, 30)),
        ("ru", "Встреча пройдет завтра.", date(2026, 1, 29)),
        ("de", "Die Gespräche beginnen heute.", WED_28_JAN),
        ("es", "La cumbre empieza pasado mañana.", date(2026, 1, 30)),
        ("fr", "Ils se sont vus hier.", date(2026, 1, 27)),
        ("it", "Il vertice è oggi.", WED_28_JAN),
    ],
)
def test_relative_days(lang: str, text: str, expected: date) -> None:
    assert [d for kind, d, _ in _days(lang, text, WED_28_JAN) if kind == RELATIVE] == [expected]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "They will meet next week."),
        ("en", "A summit is possible later this month."),
        ("en", "The envoys arrive this weekend."),
        ("pl", "Spotkali się w grudniu."),
        ("pl", "Rozmowy w przyszłym tygodniu."),
        ("ru", "Встреча на следующей неделе."),
        ("uk", "Переговори на наступному тижні."),
        ("de", "Das Treffen wurde auf nächste Woche verschoben."),
        ("fr", "Une rencontre la semaine prochaine."),
        ("it", "Un incontro la settimana prossima."),
        ("es", "Una reunión la próxima semana."),
    ],
)
def test_vague_expressions_give_no_day(lang: str, text: str) -> None:
    found = find_dates(text, lang, WED_28_JAN, 0)
    assert found, "the time expression should still be found"
    assert all(m.kind == VAGUE and m.date is None for m in found)


def test_no_dates_in_plain_words() -> None:
    # Polish function words that a generic parser reads as months or weekdays
    assert find_dates("Nie wiadomo, czy mają się spotkać i kiedy.", "pl", WED_28_JAN) == []
    assert find_dates("Die Gespräche dauern an.", "de", WED_28_JAN) == []


def test_offsets_point_into_the_text() -> None:
    text = "Talks on February 4 and then tomorrow."
    for mention in find_dates(text, "en", WED_28_JAN):
        assert text[mention.start : mention.end] == mention.text


def test_unknown_publication_day_keeps_explicit_years_only() -> None:
    found = find_dates("On 4 February 2026 and on 5 February.", "en", None)
    assert [(m.kind, m.date) for m in found] == [(ABSOLUTE, date(2026, 2, 4)), (VAGUE, None)]


@pytest.mark.parametrize(
    ("weekday", "modifier", "direction", "expected"),
    [
        (2, None, 1, WED_28_JAN),  # the same day counts for the future
        (2, None, -1, WED_28_JAN),  # and for the past
        (2, "next", 0, date(2026, 2, 4)),
        (2, "last", 0, date(2026, 1, 21)),
        (4, None, 0, date(2026, 1, 30)),  # Friday: two days ahead is nearer than five back
        (0, None, 0, date(2026, 1, 26)),  # Monday: two days back is nearer
    ],
)
def test_resolve_weekday(
    weekday: int, modifier: str | None, direction: int, expected: date
) -> None:
    assert resolve_weekday(weekday, WED_28_JAN, modifier, direction) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Talks ran on 30 January and 2 February.", (date(2026, 1, 30), date(2026, 2, 2))),
        ("en", "The round (January 30 - February 1) ended.", (date(2026, 1, 30), date(2026, 2, 1))),
        (
            "ro",
            "Discuțiile (30 ianuarie - 1 februarie) au avut loc.",
            (date(2026, 1, 30), date(2026, 2, 1)),
        ),
        ("ru", "Переговоры прошли 30 января – 1 февраля.", (date(2026, 1, 30), date(2026, 2, 1))),
        ("pl", "Rozmowy 31 stycznia – 2 lutego.", (date(2026, 1, 31), date(2026, 2, 2))),
        (
            "fr",
            "Les discussions des 30 janvier et 1er février.",
            (date(2026, 1, 30), date(2026, 2, 1)),
        ),
        ("de", "Gespräche am 30. Januar - 1. Februar.", (date(2026, 1, 30), date(2026, 2, 1))),
    ],
)
def test_ranges_across_months(lang: str, text: str, expected: tuple[date, date]) -> None:
    # ("from 4 March to 9 March" stays two days: "to" also marks a new time)
    found = [(d, e) for kind, d, e in _days(lang, text, WED_28_JAN) if kind == ABSOLUTE]
    assert found == [expected]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "Переговоры перенесли на следующую неделю — 16-22 февраля."),
        ("en", "The round moved to the week of February 16-22."),
        ("uk", "Зустріч перенесли на період 16-22 лютого."),
        ("de", "Die Gespräche sind für den 9. bis 15. Februar angesetzt."),
    ],
)
def test_a_week_long_range_is_a_period(lang: str, text: str) -> None:
    found = _days(lang, text, WED_28_JAN)
    assert found and all(kind == VAGUE and day is None for kind, day, _ in found)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "The talks resume next week, on Sunday."),
        ("en", "Next week the envoys meet again on Sunday."),
        ("pl", "Rozmowy wznowione zostaną w przyszłym tygodniu w niedzielę."),
        ("ru", "Переговоры продолжатся на следующей неделе, в воскресенье."),
        ("sr", "Pregovori će biti nastavljeni sledeće nedelje, u nedelju."),
        ("de", "Die Gespräche gehen nächste Woche am Sonntag weiter."),
        ("it", "I colloqui riprenderanno domenica della prossima settimana."),
    ],
)
def test_a_weekday_of_next_week(lang: str, text: str) -> None:
    # published on a Wednesday: the coming Sunday is 1 February, next week's the 8th
    found = [d for kind, d, _ in _days(lang, text, WED_28_JAN, 1) if kind == WEEKDAY]
    assert found == [date(2026, 2, 8)]


def test_a_weekday_of_next_week_needs_the_same_sentence() -> None:
    found = _days("en", "They meet on Sunday. Next week is busy.", WED_28_JAN, 1)
    assert (WEEKDAY, date(2026, 2, 1), None) in found


@pytest.mark.parametrize(
    ("published", "day", "expected"),
    [
        (date(2026, 3, 4), 5, date(2026, 3, 5)),
        (date(2026, 3, 4), 28, date(2026, 2, 28)),  # the end of the month before
        (date(2026, 3, 30), 2, date(2026, 4, 2)),  # the start of the month after
        (date(2026, 3, 4), 31, None),  # no 31st within three weeks
    ],
)
def test_a_day_of_the_month_alone(published: date, day: int, expected: date | None) -> None:
    assert day_of_month(day, published) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("zh", "威特科夫当地时间11日晚间抵达。", date(2026, 3, 11)),
        ("ja", "ウィトコフ氏は11日に到着した。", date(2026, 3, 11)),
        ("ko", "위트코프는 지난 11일 도착했다.", date(2026, 3, 11)),
        ("zh", "威特科夫将在3日内抵达。", None),
        ("ja", "ウィトコフ氏は3日間滞在した。", None),
        ("ko", "위트코프는 3일 동안 머물렀다.", None),
        ("en", "Witkoff arrived on the 11th, officials said.", date(2026, 3, 11)),
        ("en", "Witkoff arrived for the 5th round of talks.", None),
        ("en", "They meet on the 5th round of talks.", None),
    ],
)
def test_day_of_the_month_written_alone(lang: str, text: str, expected: date | None) -> None:
    found = [d for kind, d, _ in _days(lang, text, date(2026, 3, 12)) if kind == ABSOLUTE]
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "They meet at 17:00.", True),
        ("en", "They meet around 3 p.m.", True),
        ("sr", "Sastaće se nakon 15 sati.", True),
        ("uk", "Зустрінуться після 17 години.", True),
        ("de", "Sie treffen sich um 14 Uhr.", True),
        ("ru", "Переговоры длились 5 часов.", False),
        ("sr", "Razgovori su trajali 5 sati.", False),
    ],
)
def test_an_hour_of_the_day_is_not_a_count_of_hours(lang: str, text: str, expected: bool) -> None:
    folded = fold(text)
    found = find_time_of_day(text, lang, folded)
    assert found is not None
    assert names_an_hour(folded, found[0], lang) is expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("it", "Il round, sabato 24, si è tenuto a Roma.", date(2026, 1, 24)),
        ("es", "La reunión será el jueves 22.", date(2026, 1, 22)),
        ("pt", "A reunião será na segunda-feira (2).", date(2026, 2, 2)),
        ("en", "They meet on Thursday 22:00.", date(2026, 1, 29)),  # a time, not a day
        ("en", "They met on Monday 5 times.", date(2026, 1, 26)),  # a count, not a day
        ("es", "La reunión será el jueves 23.", date(2026, 1, 29)),  # no Thursday the 23rd
    ],
)
def test_a_weekday_with_its_day(lang: str, text: str, expected: date) -> None:
    found = [d for _, d, _ in _days(lang, text, WED_28_JAN) if d is not None]
    assert found[:1] == [expected]
