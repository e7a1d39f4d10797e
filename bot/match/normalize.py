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

from bot.match.scripts import script_letters

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
# Thai is written without spaces between words (rule *spaceless scripts*): each letter
# with its vowel and tone marks is a token, as a Han character is.
_THAI_LETTERS = "\u0e01-\u0e30\u0e32\u0e33\u0e3f-\u0e46\u0e4f-\u0e5b"
_THAI_LETTER = f"[{_THAI_LETTERS}][\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]*"
# Combining marks that stay inside their word: decomposed diacritics, and the vowel
# signs, viramas and nuktas of the Indic scripts (विटकॉफ, উইটকফ are one word each).
_MARKS = (
    "\u0300-\u036f"
    "\u0900-\u0903\u093a-\u093c\u093e-\u094f\u0951-\u0957\u0962-\u0963"
    "\u0981-\u0983\u09bc\u09be-\u09c4\u09c7-\u09c8\u09cb-\u09cd\u09d7\u09e2-\u09e3"
    "\u09fe\u0a01-\u0a03\u0a3c\u0a3e-\u0a42\u0a47-\u0a48\u0a4b-\u0a4d\u0a51"
    "\u0a70-\u0a71\u0a75\u0a81-\u0a83\u0abc\u0abe-\u0ac5\u0ac7-\u0ac9\u0acb-\u0acd"
    "\u0ae2-\u0ae3\u0afa-\u0aff\u0b01-\u0b03\u0b3c\u0b3e-\u0b44\u0b47-\u0b48"
    "\u0b4b-\u0b4d\u0b55-\u0b57\u0b62-\u0b63\u0b82\u0bbe-\u0bc2\u0bc6-\u0bc8"
    "\u0bca-\u0bcd\u0bd7\u0c00-\u0c04\u0c3c\u0c3e-\u0c44\u0c46-\u0c48\u0c4a-\u0c4d"
    "\u0c55-\u0c56\u0c62-\u0c63\u0c81-\u0c83\u0cbc\u0cbe-\u0cc4\u0cc6-\u0cc8"
    "\u0cca-\u0ccd\u0cd5-\u0cd6\u0ce2-\u0ce3\u0d00-\u0d03\u0d3b-\u0d3c\u0d3e-\u0d44"
    "\u0d46-\u0d48\u0d4a-\u0d4d\u0d57\u0d62-\u0d63\u0d81-\u0d83\u0dca\u0dcf-\u0dd4"
    "\u0dd6\u0dd8-\u0ddf\u0df2-\u0df3"
)
_NOT_WORD_START = f"{_SPACELESS}{_THAI_LETTERS}"
# Letters, digits and combining marks.
TOKEN_RE = re.compile(
    f"{_ATTACHED_PREFIX}|{_KANA_OR_HAN}|{_THAI_LETTER}"
    f"|[^\\W_{_NOT_WORD_START}]+(?:[{_MARKS}]+[^\\W_{_NOT_WORD_START}]*)*"
)
# TOKEN_RE on a text without combining marks, Hebrew, Arabic, Indic, Thai, kana or Han: its other
# branches cannot match there, and the plain form scans about a third faster.
_PLAIN_TOKEN_RE = re.compile(r"[^\W_]+")
_NOT_PLAIN = re.compile(f"[\u0300-\u036f\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f{_SPACELESS}]")
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
    return fold(anyascii(script_letters()(token.translate(_HACEK))).casefold())


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
    ("\u0530", "\u058f", "armenian"),
    ("\u1f00", "\u1fff", "greek"),
    ("\u0590", "\u05ff", "hebrew"),
    ("\u0600", "\u06ff", "arabic"),
    ("\u0900", "\u097f", "devanagari"),
    ("\u0980", "\u09ff", "bengali"),
    ("\u0e00", "\u0e7f", "thai"),
    ("\u10a0", "\u10ff", "georgian"),
    ("\u1c90", "\u1cbf", "georgian"),
    ("\u3040", "\u30ff", "han"),
    ("\u3400", "\u9fff", "han"),
    ("\uf900", "\ufaff", "han"),
    ("\uac00", "\ud7a3", "hangul"),
)


def script_block(ch: str) -> str:
    """The script of a character when it is one that transliterates lossily or into
    syllables, or attaches endings of its own (greek, armenian, hebrew, arabic,
    devanagari, bengali, thai, georgian, han incl. kana, hangul); "" for Latin, Cyrillic
    and the rest."""
    if ch < "\u0370":
        return ""
    for low, high, name in _BLOCKS:
        if low <= ch <= high:
            return name
    return ""
