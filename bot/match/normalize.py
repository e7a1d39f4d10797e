"""Spelling-insensitive normal form for names, shared by aliases and article text.

Every token goes through the same steps, so an alias and an inflected or
transliterated mention meet in the middle:

1. háček letters as digraphs (Ušakov -> Ushakov), anyascii transliteration and
   casefold (Дмитриевым -> dmitrievym, Zełenski -> zelenski);
2. drop what is left that is not a letter or digit (soft signs become apostrophes);
3. folds that erase spelling conventions between languages (Polish sz/cz/w, German
   sch/tsch, Latin j/y, dh, kh);
4. collapse doubled letters (Witkoff -> witkof, Kiriłł -> kiril).

Text is cut into tokens at anything that is not a letter, digit or combining mark, so
apostrophes split a token: ``Witkoff's`` and ``Steve'a`` become a name token plus a
short tail token, and French elision (``d'Abou Dhabi``) keeps the name at a word start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate

from anyascii import anyascii

# Scripts written without spaces between words: every Han character and kana (with its
# long-vowel marks) is a token of its own, so a name is a run of tokens wherever it
# stands (プーチン大統領は, 普京表示). Korean puts spaces between words and attaches
# particles, which are endings (see ``forms``).
_SPACELESS = "\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA_OR_HAN = "[\u3041-\u3096\u30a1-\u30fa]\u30fc*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# Hebrew (ו ה ב ל מ ש כ) and Arabic (و ف ب ل ك, ال) attach prefixes to the next word: each
# leading prefix letter before two more letters of the script is a token of its own, in
# aliases and text alike, so בוושינגטון ends in the tokens of וושינגטון and بالرياض in
# those of الرياض; a geresh after the next letter still leaves two (בז'נבה: ב, ז'נבה).
_ATTACHED_PREFIX = (
    "[ובהלמשכ](?=[\u05d0-\u05ea]['\u05f3\u2019]?[\u05d0-\u05ea])"
    "|(?:ال|[وفبلك])(?=[\u0621-\u064a]{2})"
)
# Letters, digits and combining marks (decomposed diacritics stay inside their word).
TOKEN_RE = re.compile(
    f"{_ATTACHED_PREFIX}|{_KANA_OR_HAN}"
    f"|[^\\W_{_SPACELESS}]+(?:[\u0300-\u036f]+[^\\W_{_SPACELESS}]*)*"
)
# TOKEN_RE on a text without combining marks, Hebrew, Arabic, kana or Han: its other
# branches cannot match there, and the plain form scans about a third faster.
_PLAIN_TOKEN_RE = re.compile(r"[^\W_]+")
_NOT_PLAIN = re.compile(f"[\u0300-\u036f\u0590-\u06ff{_SPACELESS}]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DOUBLES = re.compile(r"(.)\1+")
# Order matters: longer sequences first (tsch before sch before sz / cz).
_FOLDS: tuple[tuple[str, str], ...] = (
    ("tsch", "ch"),
    ("sch", "sh"),
    ("sz", "sh"),
    ("cz", "ch"),
    ("dh", "d"),
    ("kh", "h"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
)
_CACHE_LIMIT = 200_000


def fold(ascii_lower: str) -> str:
    """Apply the spelling folds and collapse doubles on an ASCII, lowercase string."""
    s = _NOT_ALNUM.sub("", ascii_lower)
    for old, new in _FOLDS:
        if old in s:
            s = s.replace(old, new)
    return _DOUBLES.sub(r"\1", s)


# Háček letters spelled as the digraphs other alphabets use for the same sound, so that
# Ušakov, Kušner and Ženeva meet Ushakov, Kushner and Женева (anyascii drops the háček).
_HACEK = str.maketrans({"š": "sh", "Š": "Sh", "č": "ch", "Č": "Ch", "ž": "zh", "Ž": "Zh"})


def normalize_token(token: str) -> str:
    """Normal form of one word (no spaces in the result; may be empty)."""
    return fold(anyascii(token.translate(_HACEK)).casefold())


def normalize_phrase(phrase: str) -> str:
    """Normal form of a phrase: its tokens' normal forms joined by single spaces."""
    parts = (normalize_token(m.group()) for m in TOKEN_RE.finditer(phrase))
    return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class NormText:
    """Article text in normal form, with the way back to the original offsets.

    ``joined`` is the normalised tokens joined by single spaces; token ``i`` occupies
    ``joined[starts[i]:starts[i + 1] - 1]`` and ``matches[i].span()`` in the original
    text. A token whose normal form is empty leaves a double space.
    """

    joined: str
    starts: list[int]  # one more entry than tokens: the end sentinel
    matches: list[re.Match[str]]

    def __len__(self) -> int:
        return len(self.matches)

    def end(self, i: int) -> int:
        return self.starts[i + 1] - 1

    def word(self, i: int) -> str:
        return self.joined[self.starts[i] : self.starts[i + 1] - 1]

    def raw(self, i: int) -> str:
        return self.matches[i].group()

    def span(self, i: int) -> tuple[int, int]:
        return self.matches[i].span()

    def capitalized(self, i: int) -> bool:
        return self.matches[i].group()[0].isupper()

    def cyrillic(self, i: int) -> bool:
        raw = self.matches[i].group()
        return is_cyrillic(raw[0]) or is_cyrillic(raw[-1])


class Normalizer:
    """Tokenises and normalises text; caches token forms (news vocabulary repeats a lot)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def token(self, token: str) -> str:
        cached = self._cache.get(token)
        if cached is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cached = normalize_token(token)
            self._cache[token] = cached
        return cached

    def text(self, text: str) -> NormText:
        # Written with map() over C-level callables: this runs for every article.
        tokens = TOKEN_RE if _NOT_PLAIN.search(text) else _PLAIN_TOKEN_RE
        matches = list(tokens.finditer(text))
        raws = list(map(_GROUP, matches))
        norms: list[str | None] = list(map(self._cache.get, raws))
        if None in norms:
            norms = [
                n if n is not None else self.token(r) for n, r in zip(norms, raws, strict=True)
            ]
        words: list[str] = norms  # type: ignore[assignment]
        starts = list(accumulate(map(_PLUS_ONE, map(len, words)), initial=0))
        return NormText(joined=" ".join(words), starts=starts, matches=matches)


_GROUP = re.Match.group
_PLUS_ONE = (1).__add__


def is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


# Script blocks whose names are matched by their own aliases (see ``script_block``).
_BLOCKS: tuple[tuple[str, str, str], ...] = (
    ("\u0370", "\u03ff", "greek"),
    ("\u1f00", "\u1fff", "greek"),
    ("\u0590", "\u05ff", "hebrew"),
    ("\u0600", "\u06ff", "arabic"),
    ("\u10a0", "\u10ff", "georgian"),
    ("\u1c90", "\u1cbf", "georgian"),
    ("\u3040", "\u30ff", "han"),
    ("\u3400", "\u9fff", "han"),
    ("\uf900", "\ufaff", "han"),
    ("\uac00", "\ud7a3", "hangul"),
)


def script_block(ch: str) -> str:
    """The script of a character when it is one that transliterates lossily or into
    syllables (greek, hebrew, arabic, georgian, han incl. kana, hangul); "" for Latin,
    Cyrillic and the rest."""
    if ch < "\u0370":
        return ""
    for low, high, name in _BLOCKS:
        if low <= ch <= high:
            return name
    return ""
