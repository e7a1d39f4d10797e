"""Rule *time of day*: "at 10:00", "um 14 Uhr", "o godz. 12:00", "à 14h30", "3 p.m."
and the zone named right after it ("MEZ", "local time", "czasu polskiego").
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.extract.lexicons import alternation, fold, load_lexicon
from bot.models import TimeOfDay

_DIGIT = re.compile(r"\d")


# "10:00", "10.30", "14h30", "14 Uhr", "10 a.m.", "15 часов"; a bare "10.30" needs a
# time word before it ("at", "um", "o godz.", "в", "à", "alle", "a las"). The hour is
# written to start with a digit (its look-behind after it), so the scan skips ahead
# to the next digit instead of trying every character. The words for "o'clock" are
# each lexicon's ``hour_words``; a.m./p.m. change the hour, so they are written here.
_HOUR = (
    r"(?P<h>\d(?<![\w.:,/-]\d)(?:(?<=[01])\d|(?<=2)[0-3])?)"
    r"(?:(?P<sep>[:.h])(?P<m>[0-5]\d))?(?![\d:]|\.\d)"
)
_AM_PM = r"[ap]\.\s?m\.|[ap]m(?!\w)"
_IS_AM_PM = re.compile(_AM_PM)


@lru_cache(maxsize=64)  # every lexicon language, so a mixed feed never rebuilds one
def _clock(language: str) -> re.Pattern[str]:
    words = [_bounded_right(w) for w in load_lexicon(language).raw["hour_words"] if w]
    units = "|".join([_AM_PM, *words])
    return re.compile(rf"{_HOUR}(?:\s*(?P<unit>{units}))?")


def _bounded_right(word: str) -> str:
    """An hour word, with a word boundary after it unless it ends in a period."""
    return word if word.endswith("\\.") else f"(?:{word})(?!\\w)"


@lru_cache(maxsize=64)  # every lexicon language, so a mixed feed never rebuilds one
def _time_marker(language: str) -> re.Pattern[str] | None:
    """The language's words before a time of day ("at", "um", "o godz.", "в", "à",
    "alle", "a las"; lexicon ``time_words``), ending the text they are searched in."""
    words = load_lexicon(language).raw["time_words"]
    pattern = "|".join(sorted({w for w in words if w}, key=len, reverse=True))
    return re.compile(rf"(?:(?<!\w)(?:{pattern})\s+)$") if pattern else None


# Zone abbreviations, matched in the original text's case (so French "et" is not ET).
_ZONE_ABBREVIATIONS = {
    "UTC": "UTC", "GMT": "UTC", "CET": "CET", "CEST": "CET", "MEZ": "CET", "MESZ": "CET",
    "EET": "EET", "EEST": "EET", "OEZ": "EET", "MSK": "Europe/Moscow", "МСК": "Europe/Moscow",
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "GST": "Asia/Dubai",
}  # fmt: skip
_ZONE_ABBREVIATION = re.compile(r"(?<!\w)(" + "|".join(_ZONE_ABBREVIATIONS) + r")(?!\w)")
_ZONE_REACH = 40  # characters after the time where its zone may be named


@lru_cache(maxsize=64)  # every lexicon language, so a mixed feed never rebuilds one
def _zone_phrases(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The language's ``time_zones`` table (optional): zone → phrases ("local" too)."""
    table = load_lexicon(language).raw.get("time_zones") or {}
    return tuple(
        (zone, pattern)
        for zone, phrases in table.items()
        if (pattern := alternation(phrases or [])) is not None
    )


def find_time_of_day(
    text: str, language: str, folded: str | None = None
) -> tuple[int, TimeOfDay] | None:
    """The first stated time of day in ``text`` (its offset and value), with its zone
    when one follows it ("10:00 local time", "um 14 Uhr MEZ", "12:00 czasu polskiego").
    ``folded`` may pass ``fold(text)`` when the caller already has it."""
    if not _DIGIT.search(text):
        return None
    folded = fold(text) if folded is None else folded
    for match in _clock(language).finditer(folded):
        sep, unit = match.group("sep"), match.group("unit")
        if not (sep == ":" or unit or (sep and _after_time_word(folded, match.start(), language))):
            continue
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        half = unit[0] if unit and _IS_AM_PM.fullmatch(unit) else None
        if half == "p" and hour < 12:
            hour += 12
        elif half == "a" and hour == 12:
            hour = 0
        return match.start(), TimeOfDay(
            hour, minute, _zone_after(text, folded, match.end(), language)
        )
    return None


def names_an_hour(folded: str, at: int, language: str) -> bool:
    """Whether the time of day found at ``at`` is a point in a day: a clock time
    ("17:00", "3 p.m.") or an hour after a time word ("um 14 Uhr", "nakon 15 sati"),
    not a count of hours ("lasted 5 hours", "trajao 4 sata")."""
    match = _clock(language).match(folded, at)
    if match is None:
        return False
    unit = match.group("unit")
    if match.group("sep") == ":" or (unit and _IS_AM_PM.fullmatch(unit)):
        return True
    return _after_time_word(folded, at, language)


def _after_time_word(folded: str, at: int, language: str) -> bool:
    marker = _time_marker(language)
    return marker is not None and marker.search(folded[max(0, at - 12) : at]) is not None


def _zone_after(text: str, folded: str, at: int, language: str) -> str | None:
    window = folded[at : at + _ZONE_REACH]
    abbreviation = _ZONE_ABBREVIATION.match(text[at : at + _ZONE_REACH].lstrip())
    if abbreviation:
        return _ZONE_ABBREVIATIONS[abbreviation.group(1)]
    best: tuple[int, str] | None = None
    for zone, pattern in _zone_phrases(language):
        found = pattern.search(window)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), zone)
    if best is None or window[: best[0]].count(" ") > 3:
        return None  # a zone named further on belongs to something else
    return best[1]
