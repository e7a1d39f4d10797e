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
# to the next digit instead of trying every character.
_CLOCK = re.compile(
    r"(?P<h>\d(?<![\w.:,/-]\d)(?:(?<=[01])\d|(?<=2)[0-3])?)"
    r"(?:(?P<sep>[:.h])(?P<m>[0-5]\d))?(?![\d:]|\.\d)"
    r"(?:\s*(?P<unit>[ap]\.\s?m\.|[ap]m(?!\w)|uhr(?!\w)|h(?!\w)|ч\.|час(?:ов|а)?(?!\w)))?"
)
_TIME_MARKER = re.compile(
    r"(?:(?<!\w)(?:at|around|um|gegen|ab|godz\.?|godzinie|godzina|o|в|о|об|à|a|alle|ore|"
    r"las|la|vers|к|до|від|з)\s+)$"
)
# Zone abbreviations, matched in the original text's case (so French "et" is not ET).
_ZONE_ABBREVIATIONS = {
    "UTC": "UTC", "GMT": "UTC", "CET": "CET", "CEST": "CET", "MEZ": "CET", "MESZ": "CET",
    "EET": "EET", "EEST": "EET", "OEZ": "EET", "MSK": "Europe/Moscow", "МСК": "Europe/Moscow",
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "GST": "Asia/Dubai",
}  # fmt: skip
_ZONE_ABBREVIATION = re.compile(r"(?<!\w)(" + "|".join(_ZONE_ABBREVIATIONS) + r")(?!\w)")
_ZONE_REACH = 40  # characters after the time where its zone may be named


@lru_cache(maxsize=16)
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
    for match in _CLOCK.finditer(folded):
        sep, unit = match.group("sep"), match.group("unit")
        if not (
            sep == ":"
            or unit
            or (sep and _TIME_MARKER.search(folded[max(0, match.start() - 12) : match.start()]))
        ):
            continue
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        if unit and unit[0] == "p" and hour < 12:
            hour += 12
        elif unit and unit[0] == "a" and hour == 12:
            hour = 0
        return match.start(), TimeOfDay(
            hour, minute, _zone_after(text, folded, match.end(), language)
        )
    return None


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
