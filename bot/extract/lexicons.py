"""Per-language lexicons: YAML data under ``bot/lexicons`` compiled into regexes.

Each entry in a lexicon file is a regular expression matched against lower-cased,
apostrophe-folded text (see :func:`fold`). Word boundaries are added here, so the
data stays readable: ``'odwoła\\w*'`` means "a word starting with odwoła".
Files are read on first use (never at import time) and cached per language.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

FALLBACK = "generic"

STATUS_GROUPS = ("denied", "cancelled", "moved", "held", "upcoming")
WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RELATIVE_DAY_OFFSETS = {
    "today": 0,
    "tomorrow": 1,
    "yesterday": -1,
    "day_after_tomorrow": 2,
    "day_before_yesterday": -2,
}

# Keys every language file must define (the generic fallback may leave the
# weekday/month/place tables empty).
LIST_KEYS = (
    "meeting",
    "negation",
    "modal",
    "deliberation",
    "habitual",
    "purpose",
    "hedge",
    "confirm",
    "indefinite",
    "idioms",
    "official",
    "reporting",
    "reaffirm",
    "originally",
    "target_prepositions",
    "locative_prepositions",
    "vague",
    "range_connectors",
    "range_prefixes",
    "abbreviations",
    "clause_breaks",
    "non_talks",
    "alternatives",
    "list_joiners",
    "genitive_links",
    "date_patterns",
)
# Lists a language may leave out because it has no such words (most languages put no
# word between a day and its month, and few capitalise every noun).
OPTIONAL_LIST_KEYS = (
    "attached_joiners",
    "day_suffixes",
    "year_words",
    "day_month_links",
    "year_links",
    "time_words",
    "hour_words",
    "title_words",
    "noun_endings",
    "complementizers",
    "quotatives",
    "locative_endings",
    "locative_particles",
    "visit_verbs",
    "topic_words",
    "capital_words",
    "again",
    "day_patterns",
    "span_end",
    "attributive_words",
    "relative_pronouns",
    "person_pronouns",
    "host_verbs",
    "receive_verbs",
    "after_words",
    "after_words_last",
    "before_words",
    "before_words_last",
    "morrow_words",
    "last_meeting",
    "during_words",
    "another_words",
    "originally_after",
    "return_verbs",
    "return_verbs_last",
    "held_participles",
    "there_words",
    "presence_cues",
    "planned_for",
    "function_words",
    "last_time",
    "interview_words",
    "journey_verbs",
    "presence_words",
    "same_place",
    "from_prepositions",
    "instead_words",
    "sides_words",
    "continue_words",
    "question_marks",
)
MAPPING_KEYS = (
    "status",
    "tense",
    "weekdays",
    "months_extra",
    "relative_days",
    "weekday_modifiers",
    "relative_offsets",
    "numbers",
    "places",
)
# Keys a language file may leave out: zone → phrases, period key → phrases, relative
# day ("today", ...) or weekday ("sunday", ...) → its adjectives ("dzisiejsz\w*",
# "niedzieln\w*"), a number of days → the phrases of a meeting that long ("two-day"),
# an ordinal → the phrases of that day of a meeting ("second day of"), a place → its
# adjectives ("женевск\w*", "genfi": rule *place adjective*).
OPTIONAL_MAPPING_KEYS = (
    "time_zones",
    "place_adjectives",
    "periods",
    "day_adjectives",
    "weekday_adjectives",
    "weekday_targets",
    "day_spans",
    "day_ordinals",
    "day_words",
    "month_refs",
)

# One-to-one character folds (offsets stay valid): typographic apostrophes and ё.
_FOLD = str.maketrans(
    {
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "‘": "'",
        "ё": "е",
        "Ё": "Е",
        # quotation marks never carry a cue; as spaces they stop splitting phrases
        "„": " ",
        "“": " ",
        "”": " ",
        "«": " ",
        "»": " ",
        '"': " ",
        "\u00a0": " ",
        # Persian writes a zero-width non-joiner inside words (می‌کند); as a space it
        # keeps offsets and lets an entry written with a space or \s* match it
        "\u200c": " ",
    }
)


_CACHE_LIMIT = 20_000  # bounded memory for the per-scanner classification cache


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and the key."""


# The same folds as (old, new) pairs: a few str.replace calls scan a text many times
# faster than str.translate with a mapping does on non-ASCII text. Lower-casing may
# come first: of the folded characters only Ё changes, into ё, which is folded too.
_FOLD_PAIRS = tuple((chr(k), str(v)) for k, v in _FOLD.items() if chr(k) == chr(k).lower())


# Arabic-Indic and Persian digits (۱۲ مارس, ١٢ مارس) read as the ASCII ones the date
# patterns are written with.
_EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_TO_ASCII_DIGITS = str.maketrans(
    {**{0x0660 + i: str(i) for i in range(10)}, **{0x06F0 + i: str(i) for i in range(10)}}
)


def fold(text: str) -> str:
    """Lower-case and fold apostrophes and digits without changing the string's length."""
    lowered = text.lower()
    if len(lowered) == len(text):
        for old, new in _FOLD_PAIRS:
            if old in lowered:
                lowered = lowered.replace(old, new)
        if _EASTERN_DIGITS.search(lowered):
            lowered = lowered.translate(_TO_ASCII_DIGITS)
        return lowered
    # A few characters (e.g. 'İ') grow when lower-cased; keep offsets aligned.
    return "".join(
        ch if len(ch) == 1 else orig for orig, ch in ((c, c.translate(_FOLD).lower()) for c in text)
    )


def _spaceless(ch: str) -> bool:
    """Han, kana and Thai: words run together, so a cue has no word boundary to ask for."""
    return (
        "\u3040" <= ch <= "\u30ff"
        or "\u3400" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
        or "\u0e00" <= ch <= "\u0e7f"
    )


def words_in(text: str) -> int:
    """Rule *words without spaces*: how many words ``text`` holds, where Han, kana and
    Thai letters, which run together, count as a word for every two."""
    return len(text.split()) + sum(map(_spaceless, text)) // 2


def _needs_left(pattern: str) -> bool:
    if _spaceless(pattern[:1] or " "):
        return False
    return pattern[:1].isalnum() or pattern.startswith(("\\w", "(", "["))


def _body_and_right(pattern: str) -> tuple[str, str]:
    """An entry with spaces generalised, and the right word boundary it needs (if any)."""
    # any run of spaces or a line break; an escaped space too (re.escape of a CLDR name
    # of two words, "thứ hai", Monday)
    pattern = pattern.replace("\\ ", " ").replace(" ", "\\s+")
    tail = pattern.rstrip()
    # rule *no boundary in Han and kana*: an entry that starts or ends in those letters
    # ("计划(?:于|在)", planned for) runs into the next word as the text does
    if _spaceless(tail[-1:] or " ") or _spaceless(pattern[:1] or " "):
        return pattern, ""
    right = "(?![\\w'])" if tail[-1:].isalnum() or tail.endswith(("*", ")", "]", "?")) else ""
    return pattern, right


def _with_right(pattern: str) -> str:
    """One entry with spaces generalised and a right word boundary where it ends in a letter."""
    body, right = _body_and_right(pattern)
    return f"(?:{body}){right}"


def bounded(pattern: str) -> str:
    """Wrap one lexicon entry with word boundaries on the sides that end in a letter."""
    left = "(?<!\\w)" if _needs_left(pattern) else ""
    return f"{left}{_with_right(pattern)}"


# Whitespace with at most one word in it: a word and the one it qualifies or governs.
ONE_WORD_GAP = re.compile(r"\s+(?:\w+\s+)?")


@lru_cache(maxsize=1024)
def lexicon_words(language: str, key: str) -> re.Pattern[str] | None:
    """The lexicon list ``key`` of ``language`` as one alternation at word starts
    (compiled once per language and list); None when the language has no entries."""
    return alternation(load_lexicon(language).raw[key])


# After a word that governs a meeting word ("after", "during", "ahead of"): up to two
# words before the meeting word, an elided article running into it ("dell'incontro",
# "l'entretien"); an entry may end in the apostrophe itself ("prima dell'").
_GOVERNED_TAIL = r"(?:(?<=')|\s+)(?:[\w']+\s+|\w+'){0,2}$"


def governing_words(language: str, key: str) -> re.Pattern[str] | None:
    """The lexicon list ``key`` ("after_words", "during_words", "before_words", ...) as
    words that govern the meeting word right after them: searched in the stretch before
    it, they end where it starts."""
    return entries_between(language, key, r"(?<!\w)", _GOVERNED_TAIL)


@lru_cache(maxsize=1024)
def entries_between(language: str, key: str, before: str, after: str) -> re.Pattern[str] | None:
    """The lexicon list ``key`` of ``language`` as one alternation in a rule's own
    context, ``before`` and ``after`` it (compiled once per language); None when the
    language has no entries."""
    words = load_lexicon(language).raw[key]
    if not words:
        return None
    return re.compile(before + "(?:" + "|".join(words) + ")" + after)


def alternation(patterns: list[str] | tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled regex for a list of entries (longest first), or None if empty.

    The left boundary is written once, outside the alternation: a look-behind
    inside every branch stops the regex engine from skipping ahead quickly and
    makes a scan about twenty times slower.
    """
    items = sorted({p for p in patterns if p}, key=len, reverse=True)
    if not items:
        return None
    left = [_body_and_right(p) for p in items if _needs_left(p)]
    free = [_with_right(p) for p in items if not _needs_left(p)]
    parts = []
    if left:
        parts.append("(?<!\\w)(?:" + _by_first_char(left) + ")")
    parts.extend(free)
    return re.compile("|".join(parts))


# Below this many entries a plain alternation is as fast as a grouped one.
_GROUPING_MIN = 12
_QUANTIFIERS = frozenset("*+?{")


def _by_first_char(entries: list[tuple[str, str]]) -> str:
    """The alternation of (body, right) entries, grouped by their first character.

    The regex engine tries the branches of an alternation one after the other at
    every word start; with a hundred entries that dominates a scan. Grouped as
    ``o(?:dwoła\\w*|...)|p(?:rzełoż\\w*|...)``, only the entries that can start
    with the character at hand are tried, in their original order, so every match
    is the one the plain alternation finds. Entries that start with a class
    (``\\d{1,2} days ago``) join every group whose character the class accepts, and
    a last branch for the characters no group has; when an entry's first character
    cannot be told at all, the plain alternation is kept.
    """
    fulls = [f"(?:{body}){right}" for body, right in entries]
    plain = "|".join(fulls)
    if len(entries) < _GROUPING_MIN:
        return plain
    firsts = [_first_chars(full) for full in fulls]
    known = [f for f in firsts if f is not None]
    if len(known) < len(firsts):
        return plain
    groups: dict[str, list[int]] = {}
    for chars, _ in known:
        for char in sorted(chars):
            groups.setdefault(char, [])
    for char, members in groups.items():
        members.extend(
            i for i, (chars, tests) in enumerate(known) if char in chars or _accepts(tests, char)
        )
    branches = []
    mixed = 0
    for char, members in groups.items():
        rests = [_after_first(entries[i][0], char) for i in members]
        if all(rest is not None for rest in rests):
            branches.append(
                re.escape(char)
                + "(?:"
                + "|".join(
                    f"(?:{rest}){entries[i][1]}" for rest, i in zip(rests, members, strict=True)
                )
                + ")"
            )
        else:  # the character is tested by a look-ahead: slower than a literal
            mixed += 1
            branches.append(f"(?={re.escape(char)})(?:" + "|".join(fulls[i] for i in members) + ")")
    if mixed * 2 > len(groups):
        return plain  # an entry such as "\\w{3,}ed" belongs to every group
    with_classes = [fulls[i] for i, (_, classes) in enumerate(known) if classes]
    if with_classes:  # characters that no group starts with
        branches.append("(?:" + "|".join(with_classes) + ")")
    return "|".join(branches)


def _accepts(classes: tuple[Callable[[str], bool], ...], char: str) -> bool:
    return any(accept(char) for accept in classes)


def _after_first(body: str, char: str) -> str | None:
    """A regex R such that ``char`` + R matches what ``body`` matches starting with
    ``char`` (same matches, tried in the same order); None if not worked out.

    Handles an entry that starts with the character itself (``odwoła\\w*``) and
    one that starts with a group, possibly optional (``(?:next|this) week``,
    ``(?:w )?tym tygodniu``): the group keeps the alternatives that can start with
    the character, each with the character taken off.
    """
    if body[:1] == char and char not in _META and body[1:2] not in _QUANTIFIERS:
        return body[1:] if not _top_level_bars(body) else None
    if not body.startswith("(?:"):
        return None
    close = _closing(body, 0)
    if close is None:
        return None
    inner, after = body[3:close], body[close + 1 :]
    optional = after[:1] == "?"
    rest = after[1:] if optional else after
    if rest[:1] in _QUANTIFIERS or _top_level_bars(rest):
        return None  # "(?:a|b)+", "(?:a)??", "(?:a)|b": not handled
    kept: list[str] = []
    for alternative in _top_level_bars(inner) or [inner]:
        firsts = _first_chars(alternative)
        if firsts is None:
            return None  # may match the empty string, or starts with anything
        if char not in firsts[0] and not _accepts(firsts[1], char):
            continue  # cannot start here
        tail = _after_first(alternative, char)
        if tail is None:
            return None
        kept.append(tail)
    branches = [f"(?:{'|'.join(kept)}){rest}"] if kept else []
    if optional:  # greedy: with the group first, then without it
        firsts = _first_chars(rest)
        if firsts is None:
            return None
        if char in firsts[0] or _accepts(firsts[1], char):
            tail = _after_first(rest, char)
            if tail is None:
                return None
            branches.append(tail)
    if not branches:
        return None
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


_META = frozenset("\\.^$*+?{}[]|()")


def _structure(body: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, char, depth after it) for each parenthesis and ``|`` of ``body`` that
    is real regex structure: escaped characters and character classes are skipped."""
    depth = 0
    in_class = False
    index = start
    while index < len(body):
        ch = body[index]
        if ch == "\\":
            index += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()|":
            depth += {"(": 1, ")": -1}.get(ch, 0)
            yield index, ch, depth
        index += 1


def _closing(body: str, open_at: int) -> int | None:
    """Index of the parenthesis closing the one at ``open_at``."""
    for index, ch, depth in _structure(body, open_at):
        if ch == ")" and depth == 0:
            return index
    return None


def _top_level_bars(body: str) -> list[str]:
    """The alternatives of ``body`` split at its top-level ``|`` ([] if it has none)."""
    cuts = [index for index, ch, depth in _structure(body) if ch == "|" and depth == 0]
    if not cuts:
        return []
    bounds = [-1, *cuts, len(body)]
    return [body[a + 1 : b] for a, b in pairwise(bounds)]


# (characters, classes): what a match may start with; a class is a predicate on one
# character, the same test the regex engine applies (\d is str.isdecimal, ...).
_Firsts = tuple[frozenset[str], tuple[Callable[[str], bool], ...]]


def _first_chars(pattern: str) -> _Firsts | None:
    """The characters a match of ``pattern`` can start with; None if unknown."""
    try:
        parser = importlib.import_module("re._parser")
        constants = importlib.import_module("re._constants")
        parsed = parser.parse(pattern)
        return _first_of(list(parsed), constants)
    except (ImportError, re.error, AttributeError, TypeError, ValueError):
        return None


def _first_of(items: list[Any], c: Any) -> _Firsts | None:
    """First characters of a parsed sequence (re._parser's ``(op, argument)`` items)."""
    if not items:
        return None  # may match the empty string: anything can follow
    op, av = items[0]
    if op is c.LITERAL:
        return frozenset(chr(av)), ()
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None
        return _first_of([*sub, *items[1:]], c)
    if op is c.BRANCH:
        alternatives = [_first_of([*alt, *items[1:]], c) for alt in av[1]]
        return _union(alternatives)
    if op is c.IN:
        chars: set[str] = set()
        classes: list[Callable[[str], bool]] = []
        for item_op, item_av in av:
            if item_op is c.LITERAL:
                chars.add(chr(item_av))
            elif item_op is c.RANGE and item_av[1] - item_av[0] < 64:
                chars.update(chr(code) for code in range(item_av[0], item_av[1] + 1))
            elif item_op is c.RANGE:
                classes.append(_in_range(chr(item_av[0]), chr(item_av[1])))
            elif item_op is c.CATEGORY and item_av in _category_tests():
                classes.append(_category_tests()[item_av])
            else:
                return None  # a negated set and the like
        return frozenset(chars), tuple(classes)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT) or op is getattr(c, "POSSESSIVE_REPEAT", None):
        low, _high, sub = av
        head = _first_of(list(sub), c)
        if low > 0 or head is None:
            return head
        return _union([head, _first_of(items[1:], c)])  # the repeated part may be skipped
    return None


def _in_range(low: str, high: str) -> Callable[[str], bool]:
    return lambda ch: low <= ch <= high


def _union(parts: list[_Firsts | None]) -> _Firsts | None:
    if any(part is None for part in parts):
        return None
    chars: set[str] = set()
    classes: list[Callable[[str], bool]] = []
    for part in parts:
        assert part is not None
        chars |= part[0]
        classes.extend(part[1])
    return frozenset(chars), tuple(classes)


@lru_cache(maxsize=1)
def _category_tests() -> dict[Any, Callable[[str], bool]]:
    """The regex engine's tests for \\d, \\w, \\s (str patterns use these Unicode ones)."""
    constants = importlib.import_module("re._constants")
    return {
        constants.CATEGORY_DIGIT: str.isdecimal,
        constants.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdecimal(),
        constants.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
        constants.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
        constants.CATEGORY_SPACE: str.isspace,
        constants.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    }


@dataclass(frozen=True)
class Lexicon:
    """A language's compiled cue groups plus the raw tables the date finder needs."""

    language: str  # the file's language, FALLBACK for the generic one
    key: str  # the language asked for (tables built from this lexicon are cached by it)
    locales: tuple[str, ...]  # CLDR locales for month, weekday and relative-day names
    # ``coverage: partial`` in the file: the rules may miss what the language says, so an
    # article they find no news in still gets the unverified report (extract.fallback)
    partial: bool
    raw: dict[str, Any]
    meeting: re.Pattern[str] | None
    status: dict[str, re.Pattern[str] | None]
    negation: re.Pattern[str] | None
    modal: re.Pattern[str] | None
    deliberation: re.Pattern[str] | None
    hedge: re.Pattern[str] | None
    confirm: re.Pattern[str] | None
    indefinite: re.Pattern[str] | None
    idioms: re.Pattern[str] | None
    official: re.Pattern[str] | None
    reporting: re.Pattern[str] | None
    reaffirm: re.Pattern[str] | None
    originally: re.Pattern[str] | None
    past: re.Pattern[str] | None
    future: re.Pattern[str] | None
    non_talks: re.Pattern[str] | None
    # status cues, idioms, "originally", reaffirmations and indefinite phrases in one
    # regex (longest entry first); group "s<i>" is an entry of kind structure_kinds[i]
    structure: Combined | None
    flags: Combined | None  # "originally", "reaffirm", "indefinite", "habitual", "purpose"
    context: Combined | None  # meeting words, hedges, reporting verbs, official sources
    places: tuple[tuple[str, re.Pattern[str]], ...]
    # all place phrases at once (one non-capturing scan, like Combined), and per place
    # its own phrases in file order: the first place whose phrases match where the
    # scan matched is the one the scan's alternation chose
    places_any: re.Pattern[str] | None
    place_phrases: tuple[tuple[str, re.Pattern[str]], ...]
    clause_breaks: tuple[str, ...]
    abbreviations: frozenset[str]
    locatives: re.Pattern[str] | None
    targets: frozenset[str]
    connectives: Connectives
    locative_endings: tuple[str, ...]  # case endings that mark a place ("-ssa", "'de")
    locative_particles: tuple[str, ...]  # "in" written right before a name (Chinese 在)
    visits: re.Pattern[str] | None  # verbs whose object is the place visited ("visit")
    topics: re.Pattern[str] | None  # "war", "peace": a place after them is the topic's
    capitals: re.Pattern[str] | None  # "capital": "in the capital of Oman, Muscat"
    # the patterns above (by field name; "denied" for status["denied"]) that have a
    # faster form for word_start_spans
    word_start: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Connectives:
    """Small words that link places: "or" (alternatives are not venues), "and" and
    commas (a list of venues), "of" (a meeting word's genitive: "the talks of Geneva")."""

    alternative_after: re.Pattern[str]  # "… Switzerland or Turkey": matched right after
    alternative_before: re.Pattern[str]  # searched in the few characters before a place
    genitive_link: re.Pattern[str]  # the whole gap between a meeting word and a place
    list_gap: re.Pattern[str]  # the whole gap between two places of one list
    joiner_after: re.Pattern[str]  # "… Miami and": matched right after a place


_NEVER = "(?!)"


def connectives(raw: dict[str, Any]) -> Connectives:
    """The connective patterns of a lexicon's ``alternatives``, ``list_joiners`` and
    ``genitive_links`` words."""

    def words(key: str, elided: bool = False) -> str:
        found = sorted(
            {re.escape(fold(w)) for w in raw[key] if w and w.endswith("'") is elided},
            key=len,
            reverse=True,
        )
        return "|".join(found) or _NEVER

    alternatives = words("alternatives")
    joiners = words("list_joiners")
    # a link is a word ("of", "de") or an elided one, joined to the place ("d'Abou Dhabi")
    # or written apart from it (Maltese "ta' Ġinevra")
    link = rf"(?:(?:{words('genitive_links')})\s+|(?:{words('genitive_links', True)})\s*)"
    genitive = rf"\s+{link}"
    if raw.get("unmarked_genitive") is True:
        # "talks Geneva" is "the Geneva talks" (Persian ezafe, Arabic and Hebrew
        # construct state): nothing but a space may link the two
        genitive = rf"\s+{link}?"
    return Connectives(
        alternative_after=re.compile(rf"\s+(?:{alternatives})\s"),
        alternative_before=re.compile(rf"\s(?:{alternatives})\s+\S*\s*$"),
        genitive_link=re.compile(genitive),
        joiner_after=re.compile(rf"\s+(?:{joiners})\s"),
        # rule *list with its prepositions*: "в Абу Даби и в Женева", "in Kyiv and in Geneva"
        list_gap=re.compile(
            rf"^[\s,;:–—-]*(?:(?:{joiners}|{alternatives})\s+)?"
            rf"(?:(?:{words('locative_prepositions')})\s+)?[\s,]*$"
        ),
    )


# Kinds of the flag scan (they may overlap status cues, so they have a scan of their own).
FLAG_KINDS = ("originally", "originally_after", "reaffirm", "indefinite", "habitual", "purpose")
# Among entries of equal length, the earlier kind wins.
STRUCTURE_ORDER = (
    "idiom",
    *STATUS_GROUPS,
    "reaffirm",
    "originally",
    "originally_after",
    "indefinite",
    "habitual",
    "purpose",
)


@dataclass(frozen=True)
class Combined:
    """Many entries of several kinds scanned at once.

    One non-capturing alternation does the scan (named groups inside a large
    alternation make every attempt record marks and cost several times more); a
    match is then classified by the kinds whose own entries match it exactly.
    """

    pattern: re.Pattern[str]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]  # in priority order
    # matched text -> kind; the same words recur in every article
    _seen: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    # ``pattern`` in the form :func:`word_start_spans` scans with, when it has one
    _fast: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    # entries with a positive look-around ("изтеглен\w*(?= за )"): their matched text
    # alone cannot tell their kind, the text around the match can
    _in_context: tuple[tuple[str, re.Pattern[str]], ...] = field(
        default=(), compare=False, repr=False
    )

    def scan(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, matched text, kind) of every match, as ``finditer`` finds them."""
        seen = self._seen
        found: list[tuple[int, int, str, str]] = []
        spans = (
            word_start_spans(self._fast, text)
            if self._fast is not None
            else [m.span() for m in self.pattern.finditer(text)]
        )
        for start, end in spans:
            matched = text[start:end]
            if matched in seen:
                kind = seen[matched]
            else:
                kind = next((k for k, exact in self.kinds if exact.fullmatch(matched)), None)
                if len(seen) < _CACHE_LIMIT:
                    seen[matched] = kind
            if kind is None and self._in_context:
                kind = self.kind_in_context(text, start, end)
            if kind is not None:
                found.append((start, end, matched, kind))
        return found

    def kind_in_context(self, text: str, start: int, end: int) -> str | None:
        """The kind of an entry with a positive look-around that matches ``text`` from
        ``start`` to ``end``, read in its place (not cached: the context decides)."""
        for kind, entry in self._in_context:
            found = entry.match(text, start)
            if found is not None and found.end() == end:
                return kind
        return None

    def finditer(self, text: str) -> Iterator[tuple[re.Match[str], str]]:
        seen = self._seen
        for match in self.pattern.finditer(text):
            found = match.group(0)
            if found in seen:
                kind = seen[found]
            else:
                kind = next((k for k, exact in self.kinds if exact.fullmatch(found)), None)
                if len(seen) < _CACHE_LIMIT:
                    seen[found] = kind
            if kind is None and self._in_context:
                kind = self.kind_in_context(text, match.start(), match.end())
            if kind is not None:
                yield match, kind


def combined(entries: list[tuple[str, str]], order: tuple[str, ...] = ()) -> Combined | None:
    """A :class:`Combined` scanner over (pattern, kind) entries; ``order`` ranks kinds
    for a text that several kinds match (others follow in first-seen order)."""
    items = [p for p, _ in entries]
    pattern = alternation(items)
    if pattern is None:
        return None
    by_kind: dict[str, list[str]] = {}
    for entry, kind in entries:
        by_kind.setdefault(kind, []).append(entry)
    ranked = sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order))
    kinds = tuple(
        (kind, re.compile("|".join(f"(?:{_with_right(p)})" for p in by_kind[kind])))
        for kind in ranked
    )
    in_context = tuple(
        (kind, re.compile(bounded(entry)))
        for kind in ranked
        for entry in by_kind[kind]
        if "(?=" in entry or "(?<=" in entry
    )
    return Combined(pattern, kinds, _fast=word_start_form(pattern), _in_context=in_context)


_WORD_START = "(?<!\\w)(?:"


def word_start_form(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``(?<!\\w)(?:X)`` rewritten as ``\\W(?:X)`` for :func:`word_start_spans`.

    A pattern that starts with a look-behind makes the regex engine try a match
    at every character; one that starts with a character class lets it skip in a
    tight loop to the next non-word character, and try only there. None when
    ``pattern`` has another shape or an entry may match the empty string.
    """
    source = pattern.pattern
    if (
        not source.startswith(_WORD_START)
        or _closing(source, len(_WORD_START) - 3) != len(source) - 1
    ):
        return None
    inner = source[len(_WORD_START) : -1]
    if _first_chars(f"(?:{inner})") is None:
        return None
    return re.compile(f"\\W(?:{inner})")


def word_start_spans(fast: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The spans ``finditer`` of the original pattern yields in ``text``.

    The text gets one leading space, so that a match at its start has a non-word
    character before it too; each match covers that character, so the next search
    starts on the last character of the previous match (which may be the next
    match's non-word character, as the look-behind allowed). (A search per match
    is faster here than ``finditer`` with a test per match: clauses hold few.)
    """
    padded = " " + text
    search = fast.search
    spans: list[tuple[int, int]] = []
    position = 0
    while (match := search(padded, position)) is not None:
        start, end = match.span()
        spans.append((start, end - 1))  # in ``text``: one less, without the leading character
        position = end - 1
    return spans


def _require_list(name: str, data: dict[Any, Any], key: object) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{name}: '{key}' must be a list of strings")
    return value


def validate(name: str, data: Any) -> dict[str, Any]:
    """Check a parsed lexicon file's shape; raise LexiconError naming what is wrong."""
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: top level must be a mapping")
    for key in (*LIST_KEYS, *OPTIONAL_LIST_KEYS):
        _require_list(name, data, key)
    for key in MAPPING_KEYS:
        if not isinstance(data.get(key), dict):
            raise LexiconError(f"{name}: '{key}' must be a mapping")
    for group in STATUS_GROUPS:
        _require_list(name, data["status"], group)
    for group in ("past", "future"):
        _require_list(name, data["tense"], group)
    for group in RELATIVE_DAY_OFFSETS:
        _require_list(name, data["relative_days"], group)
    for group in ("next", "last", "this"):
        _require_list(name, data["weekday_modifiers"], group)
    for group in ("ahead", "ago"):
        _require_list(name, data["relative_offsets"], group)
    for key in data["weekdays"]:
        if key not in WEEKDAY_KEYS:
            raise LexiconError(f"{name}: unknown weekday '{key}'")
        _require_list(name, data["weekdays"], key)
    for month in data["months_extra"]:
        if not isinstance(month, int) or not 1 <= month <= 12:
            raise LexiconError(f"{name}: months_extra keys must be 1..12, got {month!r}")
        _require_list(name, data["months_extra"], month)
    for word, value in data["numbers"].items():
        if not isinstance(word, str) or not isinstance(value, int):
            raise LexiconError(f"{name}: numbers must map words to integers")
    for key in data["places"]:
        _require_list(name, data["places"], key)
    for optional in OPTIONAL_MAPPING_KEYS:
        table = data.get(optional, {})
        if not isinstance(table, dict):
            raise LexiconError(f"{name}: '{optional}' must be a mapping when given")
        for entry in table:  # keys may be words or numbers (day ordinals)
            _require_list(name, table, entry)
    return data


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The language codes that have a lexicon file (a language is its file)."""
    folder = resources.files("bot").joinpath("lexicons")
    names = (entry.name for entry in folder.iterdir() if entry.name.endswith(".yaml"))
    return tuple(sorted(n[: -len(".yaml")] for n in names if n != f"{FALLBACK}.yaml"))


def _with_defaults(data: Any) -> Any:
    """A language file may leave out any group it has no words for: it is empty."""
    if not isinstance(data, dict):
        return data
    filled: dict[Any, Any] = {key: [] for key in (*LIST_KEYS, *OPTIONAL_LIST_KEYS)}
    filled.update({key: {} for key in MAPPING_KEYS})
    filled["status"] = {group: [] for group in STATUS_GROUPS}
    filled["tense"] = {"past": [], "future": []}
    filled["relative_days"] = {key: [] for key in RELATIVE_DAY_OFFSETS}
    filled["weekday_modifiers"] = {"next": [], "last": [], "this": []}
    filled["relative_offsets"] = {"ahead": [], "ago": []}
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(filled.get(key), dict):
            filled[key] = {**filled[key], **value}
        else:
            filled[key] = value
    return filled


def read_raw(language: str) -> dict[str, Any]:
    """The parsed (validated, uncompiled) lexicon file for ``language``."""
    name = f"{language}.yaml"
    text = resources.files("bot").joinpath("lexicons", name).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise LexiconError(f"{name}: not valid YAML: {exc}") from exc
    return validate(name, _with_defaults(data))


def cldr_locales(language: str, raw: dict[str, Any]) -> tuple[str, ...]:
    """The CLDR locales whose month, weekday and relative-day names a language uses:
    the file's ``locales`` (Serbian reads both scripts), else the language itself when
    CLDR knows it, else English."""
    listed = raw.get("locales")
    wanted = [str(x) for x in listed] if isinstance(listed, list) else [language]
    known = tuple(code for code in wanted if _cldr_knows(code))
    return known or ("en",)


@lru_cache(maxsize=128)
def _cldr_knows(code: str) -> bool:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def title_words() -> frozenset[str]:
    """Every lexicon's ``title_words`` (plain words, not patterns): titles and the
    capitalised parts of office names ("Secretary of State", "secrétaire d'État"),
    which stand before a surname in any language's text without being a given name."""
    words: set[str] = set()
    for language in (*languages(), FALLBACK):
        words.update(read_raw(language)["title_words"])
    return frozenset(words)


@lru_cache(maxsize=64)
def noun_endings(language: str) -> tuple[str, ...]:
    """Endings that mark a capitalised word as a noun, not a given name, in a language
    that capitalises every noun (lexicon ``noun_endings``: German "-ung", "-heit")."""
    lang = language if language in languages() else FALLBACK
    return tuple(read_raw(lang)["noun_endings"])


def place_adjective_phrases(raw: dict[str, Any]) -> dict[str, list[str]]:
    """Rule *place adjective*: a place's adjective ("Стамбульские переговоры", "a genfi
    tárgyalások", "Genfer Gespräche") or attributive genitive ("Ženevos derybos") names
    the talks' place when a meeting word follows, at once or after one word ("женевские
    мирные переговоры"); elsewhere ("московское время", "Berliner Zeitung") it names
    none. Each becomes a place phrase ending before that meeting word."""
    adjectives: dict[str, list[str]] = raw.get("place_adjectives") or {}
    meeting = "|".join(f"(?:{entry})" for entry in raw["meeting"])
    if not adjectives or not meeting:
        return {}
    # one word may stand between, or a compound's first part ("Trump–Putyin-csúcs")
    follows = f"(?=\\s+(?:\\S*[\\s-])?(?<!\\w)(?:{meeting})(?![\\w']))"
    return {
        place: [f"(?:{'|'.join(forms)}){follows}", *raw["places"].get(place, [])]
        for place, forms in adjectives.items()
        if forms
    }


def _place_patterns(
    places: dict[str, list[str]],
) -> tuple[
    tuple[tuple[str, re.Pattern[str]], ...],
    re.Pattern[str] | None,
    tuple[tuple[str, re.Pattern[str]], ...],
]:
    """The lexicon's place phrases: one pattern per place, one for any of them (with
    the word start outside, grouped by first character), and one per place for the
    phrase scan."""
    each = tuple(
        (key, pattern)
        for key, forms in places.items()
        if (pattern := alternation(forms)) is not None
    )
    keys = [key for key, forms in places.items() if forms]
    forms = [f for key in keys for f in places[key]]
    any_place = re.compile(place_alternation(forms, _by_first_char)) if keys else None
    phrases = tuple(
        (key, re.compile(place_alternation(places[key], _plain_alternation))) for key in keys
    )
    return each, any_place, phrases


def _plain_alternation(entries: list[tuple[str, str]]) -> str:
    return "|".join(f"(?:{body}){right}" for body, right in entries)


def place_alternation(forms: list[str], join: Callable[[list[tuple[str, str]]], str]) -> str:
    """Rule *place phrases without spaces*: the place phrases, those that
    start with a letter after a word start, and those in Han or kana ("在克里姆林宫",
    "クレムリンで") wherever they stand, as words run together there."""
    left = [_body_and_right(f) for f in forms if _needs_left(f)]
    free = [_with_right(f) for f in forms if not _needs_left(f)]
    parts = (["(?<!\\w)(?:" + join(left) + ")"] if left else []) + free
    return "|".join(parts)


@lru_cache(maxsize=64)
def load_lexicon(language: str) -> Lexicon:
    """The compiled lexicon for a language code, or the generic one if there is none.

    The generic one still takes month, weekday and relative-day names from CLDR for
    ``language``: dates are understood in any language CLDR knows."""
    lang = language if language in languages() else FALLBACK
    raw = read_raw(lang)
    # participles are held cues like any other (rule *participle in the background*)
    held = [*raw["status"]["held"], *raw["held_participles"]]
    raw = {**raw, "status": {**raw["status"], "held": held}}
    places, places_any, place_phrases = _place_patterns(
        {**raw["places"], **place_adjective_phrases(raw)}
    )
    structure_entries = [(p, g) for g in STATUS_GROUPS for p in raw["status"][g]]
    structure_entries.extend((p, "idiom") for p in raw["idioms"])
    # these flags may overlap status cues ("was planned for"), so they get their own scan
    flag_entries = [(p, key) for key in FLAG_KINDS for p in raw[key]]
    structure = combined(structure_entries, STRUCTURE_ORDER)
    flags = combined(flag_entries, STRUCTURE_ORDER)
    context_order = ("meeting", "hedge", "reporting", "official")
    context = combined([(p, key) for key in context_order for p in raw[key]], context_order)
    lexicon = Lexicon(
        language=lang,
        key=language,
        locales=cldr_locales(language, raw) if lang != FALLBACK else _fallback_locales(language),
        partial=lang == FALLBACK or raw.get("coverage") == "partial",
        raw=raw,
        meeting=alternation(raw["meeting"]),
        status={g: alternation(raw["status"][g]) for g in STATUS_GROUPS},
        negation=alternation(raw["negation"]),
        modal=alternation(raw["modal"]),
        deliberation=alternation(raw["deliberation"]),
        hedge=alternation(raw["hedge"]),
        confirm=alternation(raw["confirm"]),
        indefinite=alternation(raw["indefinite"]),
        idioms=alternation(raw["idioms"]),
        official=alternation(raw["official"]),
        reporting=alternation(raw["reporting"]),
        reaffirm=alternation(raw["reaffirm"]),
        originally=alternation(raw["originally"]),
        past=alternation(raw["tense"]["past"]),
        future=alternation(raw["tense"]["future"]),
        non_talks=alternation(raw["non_talks"]),
        structure=structure,
        flags=flags,
        context=context,
        places=places,
        places_any=places_any,
        place_phrases=place_phrases,
        clause_breaks=tuple(raw["clause_breaks"]),
        abbreviations=frozenset(a.replace("\\.", ".") for a in raw["abbreviations"]),
        locatives=alternation(raw["locative_prepositions"]),
        targets=frozenset(fold(w) for w in raw["target_prepositions"]),
        connectives=connectives(raw),
        locative_endings=tuple(fold(e) for e in raw["locative_endings"] if e),
        locative_particles=tuple(fold(e) for e in raw["locative_particles"] if e),
        visits=alternation(raw["visit_verbs"]),
        topics=alternation(raw["topic_words"]),
        capitals=alternation(raw["capital_words"]),
    )
    scanned = {
        "meeting": lexicon.meeting,
        "denied": lexicon.status["denied"],
        "confirm": lexicon.confirm,
        "past": lexicon.past,
        "future": lexicon.future,
        "places_any": lexicon.places_any,
    }
    for name, pattern in scanned.items():
        fast = word_start_form(pattern) if pattern is not None else None
        if fast is not None:
            lexicon.word_start[name] = fast
    return lexicon


def _fallback_locales(language: str) -> tuple[str, ...]:
    return (language,) if language and _cldr_knows(language) else ("en",)
