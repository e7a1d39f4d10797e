"""Places outside the watchlist: the gazetteer (CLDR and GeoNames names in every
language) and the venues stage's rules for using them. Sentences are our own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.config import load_watchlist
from bot.extract import Extractor
from bot.extract.lexicons import languages
from bot.match.gazetteer import Gazetteer, gazetteer, plausible_name, region_of_city

WATCHLIST = Path(__file__).resolve().parents[1] / "config" / "watchlist.yaml"
PUBLISHED = date(2026, 3, 2)  # a Monday


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(load_watchlist(WATCHLIST))


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return gazetteer(languages())


# (language, text, the place found there, in the form the text writes it)
FOUND = [
    ("pl", "Delegacje spotkają się w Turcji.", "other:Turkey", "Turcji"),
    ("pl", "Rozmowy odbędą się w Maskacie.", "other:Muscat", "Maskacie"),
    ("ru", "Встреча пройдет в Анкаре.", "other:Ankara", "Анкаре"),
    ("ru", "Переговоры пройдут в Турции.", "other:Turkey", "Турции"),
    ("uk", "Зустріч відбулася у Санкт-Петербурзі.", "other:Saint Petersburg", "Санкт-Петербурзі"),
    ("cs", "Jednání proběhne na Floridě.", "other:Florida", "Floridě"),
    ("fi", "Neuvottelut käydään Floridassa.", "other:Florida", "Floridassa"),
    ("et", "Kohtumine toimub Ankaras.", "other:Ankara", "Ankaras"),
    ("de", "Das Treffen findet in Saudi-Arabien statt.", "other:Saudi Arabia", "Saudi-Arabien"),
    ("fr", "Les pourparlers auront lieu à Jérusalem.", "other:Jerusalem", "Jérusalem"),
    ("it", "Il vertice si terrà a Roma.", "other:Rome", "Roma"),
    ("el", "Η συνάντηση θα γίνει στο Ισραήλ.", "other:Israel", "Ισραήλ"),
    ("ko", "회담은 비슈케크에서 열린다.", "other:Bishkek", "비슈케크에서"),
    ("zh", "会谈在圣彼得堡举行。", "other:Saint Petersburg", "圣彼得堡"),
    ("ka", "შეხვედრა ანკარაში გაიმართა.", "other:Ankara", "ანკარაში"),
    ("mt", "Il-laqgħa saret fl-Albanija.", "other:Albania", "Albanija"),
    ("sk", "Stretnutie sa konalo v New Yorku.", "other:New York", "New Yorku"),
    (
        "en",
        "The talks will be held in the United Arab Emirates.",
        "other:United Arab Emirates",
        "United Arab Emirates",
    ),
]


@pytest.mark.parametrize(("lang", "text", "place", "surface"), FOUND)
def test_gazetteer_finds_inflected_names_in_every_script(
    places: Gazetteer, lang: str, text: str, place: str, surface: str
) -> None:
    assert [(m.entity_id, m.surface) for m in places.find(text, lang)] == [(place, surface)]


def test_gazetteer_ids_are_english_names(places: Gazetteer) -> None:
    turkey = places.place("other:Turkey")
    assert turkey is not None and turkey.is_country and turkey.country == "TR"
    ankara = places.place("other:Ankara")
    assert ankara is not None and not ankara.is_country and ankara.country == "TR"
    assert places.place("other:Florida") is not None  # a US state
    assert places.place("other:New York City") is None  # one city, CLDR's name


@pytest.mark.parametrize(
    ("lang", "text", "found"),
    [
        ("ar", "الذي حضر أيضا الاجتماع", []),  # "also": Jeddah's skeleton
        ("ar", "اجتماع في جدة", ["other:Jeddah"]),
        ("he", "הוא אמר כי זה ברור", []),  # "this": Gaza's skeleton
        ("he", "הפגישה בעזה", ["other:Gaza"]),
    ],
)
def test_short_arabic_and_hebrew_names_only_as_written(
    places: Gazetteer, lang: str, text: str, found: list[str]
) -> None:
    assert [m.entity_id for m in places.find(text, lang)] == found


@pytest.mark.parametrize(
    ("place", "region", "is_region"),
    [("other:Florida", "FL", True), ("other:Texas", "TX", True), ("other:Houston", "TX", False)],
)
def test_us_states_are_regions_that_hold_their_cities(
    places: Gazetteer, place: str, region: str, is_region: bool
) -> None:
    found = places.place(place)
    assert found is not None and (found.region, found.is_region) == (region, is_region)


@pytest.mark.parametrize(
    ("country", "names", "region"),
    [("US", ("Miami",), "FL"), ("US", ("Mar-a-Lago", "Anchorage"), "AK"), ("US", ("Nowhere",), "")],
)
def test_region_of_a_watchlist_city(country: str, names: tuple[str, ...], region: str) -> None:
    assert region_of_city(country, names) == region


@pytest.mark.parametrize(
    ("name", "plausible"),
    [
        ("Ankara", True),
        ("앙카라", True),
        ("ანკარა", True),
        ("ANK", False),
        ("ankara", False),
        ("Ankara 2", False),
    ],
)
def test_only_plausible_names_are_searched(name: str, plausible: bool) -> None:
    assert plausible_name(name) is plausible


# (language, sentence, the venues of its meetings)
VENUES = [
    # a place outside the watchlist hosts the meeting, in any inflected form
    ("en", "Witkoff will meet Umerov in Oman on Saturday.", ["other:Oman"]),
    ("pl", "Witkoff spotka się z Umerowem w Omanie w sobotę.", ["other:Oman"]),
    ("ru", "Уиткофф встретится с Умеровым в Анкаре в среду.", ["other:Ankara"]),
    (
        "uk",
        "Віткофф зустрівся з Путіним у Санкт-Петербурзі в п'ятницю.",
        ["other:Saint Petersburg"],
    ),
    (
        "fr",
        "Les pourparlers entre Witkoff et Dmitriev auront lieu à Jérusalem mardi.",
        ["other:Jerusalem"],
    ),
    ("it", "L'incontro tra Witkoff e Umerov si terrà a Reykjavik venerdì.", ["other:Reykjavik"]),
    ("el", "Ο Γουίτκοφ θα συναντήσει τον Ουμέροφ στο Ισραήλ την Παρασκευή.", ["other:Israel"]),
    # a locative case does what a preposition does
    ("fi", "Witkoffin ja Umerovin tapaaminen pidetään sunnuntaina Floridassa.", ["other:Florida"]),
    ("tr", "Witkoff ve Umerov arasındaki görüşme cuma günü Ankara'da yapılacak.", ["other:Ankara"]),
    ("hu", "Witkoff és Umerov tárgyalása pénteken Ankarában lesz.", ["other:Ankara"]),
    ("zh", "威特科夫与普京的会谈周五将在圣彼得堡举行。", ["other:Saint Petersburg"]),
    # a city beats its country
    ("de", "Witkoff trifft Umerov am Freitag in Ankara, Türkei.", ["other:Ankara"]),
    ("en", "Witkoff will meet Umerov in Muscat, Oman, on Saturday.", ["other:Muscat"]),
    # a watchlist venue keeps priority
    ("en", "Witkoff will meet Umerov in Geneva, Switzerland, on Friday.", ["geneva"]),
    ("pl", "Witkoff spotka się z Umerowem w Genewie, a nie w Turcji.", ["geneva"]),
    # no place from a country that is not where the talks are
    ("en", "Witkoff and Umerov discussed Turkey's position at the talks on Friday.", [None]),
    (
        "en",
        "The talks between Witkoff and Umerov about ending the long war in Ukraine were "
        "held on Monday.",
        [None],
    ),
    ("en", "Witkoff held talks on Friday with the Russia envoy Dmitriev.", [None]),
]


@pytest.mark.parametrize(("lang", "text", "venues"), VENUES)
def test_meeting_venue_outside_the_watchlist(
    extractor: Extractor, lang: str, text: str, venues: list[str | None]
) -> None:
    extraction = extractor.extract_known("", text, PUBLISHED, lang)
    assert [m.venue for m in extraction.meetings] == venues


def test_article_venues_stay_watchlist_only(extractor: Extractor) -> None:
    extraction = extractor.extract_known(
        "", "Witkoff will meet Umerov in Oman on Saturday.", PUBLISHED, "en"
    )
    assert extraction.venues == ()


def test_a_country_gives_way_to_a_city_of_it_named_for_another_meeting(
    extractor: Extractor,
) -> None:
    text = (
        "Witkoff said talks with Umerov would be held in Hungary. "
        "The Budapest summit with Umerov is set for Friday."
    )
    extraction = extractor.extract_known("", text, PUBLISHED, "en")
    assert [m.venue for m in extraction.meetings] == ["budapest"]


def test_prepare_builds_the_gazetteer_that_extraction_then_reuses(extractor: Extractor) -> None:
    """A long-running bot builds the gazetteer before it polls (in a thread): the first
    article naming a place outside the watchlist then finds it ready."""
    gazetteer.cache_clear()
    extractor.prepare()
    built = gazetteer.cache_info()
    assert (built.misses, built.currsize) == (1, 1)
    found = extractor.extract_known(
        "Talks", "Delegacje spotkają się w Turcji.", PUBLISHED, "pl"
    ).meetings
    assert [m.venue for m in found] == ["other:Turkey"]
    assert gazetteer.cache_info().misses == 1  # reused, not built again
