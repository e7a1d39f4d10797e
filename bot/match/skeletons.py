"""Rule *consonant skeletons*: names in scripts whose normal form keeps little more than
the consonants."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from bot.match.normalize import normalize_phrase, script_block
from bot.models import Mention

# Scripts whose normal form keeps little more than the consonants.
CONSONANT_SCRIPTS = frozenset({"arabic", "hebrew"})
SHORT_SKELETON = 3  # letters of a normal form that many common words share


def written_as_named(mention: Mention) -> bool:
    """Rule *consonant skeletons*: Arabic and Hebrew names are compared by a normal
    form that keeps little more than consonants, so a short name's form is also a
    common word's (جدة, Jeddah, and أيضا, "also", both read "id"); such a place is
    found only where the text writes the name itself, with any attached prefix
    (بجدة), vowel marks aside."""
    alias = _without_marks(mention.alias)
    if not alias or script_block(alias[0]) not in CONSONANT_SCRIPTS:
        return True
    return alias in _without_marks(mention.surface)


@lru_cache(maxsize=4096)
def short_consonant_name(alias: str) -> bool:
    """An Arabic or Hebrew name whose normal form has at most ``SHORT_SKELETON`` letters:
    the watchlist's such names are found only as written (longer ones keep their
    spelling variants, which the normal form joins)."""
    if not alias or script_block(alias[0]) not in CONSONANT_SCRIPTS:
        return False
    return len(normalize_phrase(alias).replace(" ", "")) <= SHORT_SKELETON


def _without_marks(text: str) -> str:
    return "".join(ch for ch in text if not unicodedata.combining(ch) and ch != "\u0640")
