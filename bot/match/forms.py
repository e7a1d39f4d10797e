"""Search keys generated from configured aliases: inflections, transliterations, stems.

Only base forms are configured (``Witkoff``, ``Moskwa``, ``Рубио``). This module
derives, in normal form (see ``normalize``), what an article may actually write:

- transliteration variants a Cyrillic text produces from a Latin name
  (Witkoff -> Уиткофф, Driscoll -> Дрисколл, Marco -> Марко) and the Polish /
  Ukrainian ``e``/``ie`` spelling of Russian ``е`` (Umerov -> Umierow, Умєров);
- a stem key without the final vowel (Moskwa -> moskv-, Rubio -> rubi-) that is
  only accepted with a case ending (Moskwy, Moskwę, Rubiem);
- Polish locatives with consonant alternations (Budapeszt -> Budapeszcie,
  Rijad -> Rijadzie, Moskwa -> Moskwie, Alaska -> Alasce) and Ukrainian ones
  (Аляска -> Алясці), accepted only as whole words.

The ending sets say which case endings a name may carry; they are in normal form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from anyascii import anyascii

from bot.match.normalize import fold, normalize_phrase

# Languages whose nouns (and borrowed names) take case endings.
SLAVIC_LANGS = frozenset(
    {"pl", "ru", "uk", "be", "bg", "cs", "sk", "sl", "hr", "sr", "bs", "mk", "sh", "rue", "csb"}
)

_RAW_SLAVIC_ENDINGS = (
    # Polish / Czech / Slovak nouns
    "a",
    "u",
    "e",
    "i",
    "o",
    "y",
    "ą",
    "ę",
    "em",
    "om",
    "owi",
    "ovi",
    "ie",
    "iem",
    "owie",
    "ów",
    "ami",
    "ach",
    "ego",
    "emu",
    "iego",
    "iemu",
    "im",
    "ym",
    "imi",
    "ymi",
    "m",
    "ou",
    "um",
    "ům",
    "ech",
    # Russian
    "ом",
    "ым",
    "им",
    "ой",
    "ого",
    "ому",
    "ою",
    "ей",
    "ем",
    "ю",
    "я",
    "ям",
    "ями",
    "ях",
    "ов",
    "ев",
    "ам",
    "ах",
    "их",
    "ыми",
    "ими",
    "ии",
    "ие",
    "ые",
    # Ukrainian
    "ові",
    "еві",
    "єві",
    "ів",
    "ою",
    "єю",
    "ею",
    "і",
    "ій",
    "ім",
    "ого",
)
# Endings other languages put on a name: nothing, or a possessive/genitive s.
PLAIN_ENDINGS = frozenset({"", "s"})
_VOWELS = frozenset("aeiou")


def _norm_ending(raw: str) -> str:
    return fold(anyascii(raw).casefold())


SLAVIC_ENDINGS = frozenset({""} | {_norm_ending(e) for e in _RAW_SLAVIC_ENDINGS})
# Masculine endings of adjective-type surnames (Zełenski, Зеленский): the feminine ones
# (Zełenska, Зеленская, Зеленської) name his wife, not him.
ADJ_MASC_ENDINGS = frozenset(
    _norm_ending(e)
    for e in (
        "iego",
        "iemu",
        "im",
        "imi",
        "ich",
        "ego",
        "emu",
        "ого",
        "ому",
        "им",
        "ом",
        "ими",
        "их",
        "ие",
        "ые",
        "ого",
        "ому",
        "им",
        "ім",
        "ими",
        "их",
        "і",
    )
)


class Mode(Enum):
    FULL = "full"  # the whole alias; case endings allowed where the language has them
    STEM = "stem"  # alias minus its final vowel; a (Slavic) case ending is required
    EXACT = "exact"  # a generated inflected word form; nothing may follow


class Script(Enum):
    ANY = "any"
    LATIN = "latin"
    CYRILLIC = "cyrillic"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What one automaton key means: which entity, from which alias, how to accept it."""

    entity: int  # index into the matcher's entity tuple
    alias: str  # the configured alias it was generated from
    mode: Mode
    script: Script
    declinable: bool  # may carry Slavic case endings (alias listed for "*" or a Slavic language)
    has_given_name: bool  # multi-word alias such as "Kirill Dmitriev": confirms ambiguous names
    length: int
    cyrillic: bool  # the configured alias is written in Cyrillic
    # for STEM keys: the endings this stem takes (None: any Slavic case ending)
    endings: frozenset[str] | None = None


# --------------------------------------------------------------------------- variants


def _is_latin(text: str) -> bool:
    return any("a" <= ch.lower() <= "z" for ch in text) and not any(
        "\u0400" <= ch <= "\u052f" for ch in text
    )


_CYR_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # How a Russian/Ukrainian spelling of a Latin-script name reads back in normal form.
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"qu"), "kv"),
    (re.compile(r"q"), "k"),
    (re.compile(r"ue"), "iu"),  # Gruenbaum -> Грюнбаум
    (re.compile(r"ou"), "u"),
    (re.compile(r"ea"), "i"),  # Keith/Reagan-like vowels read as и
    (re.compile(r"(?:(?<=^)|(?<= ))ie"), "e"),  # Yermak -> Ермак (Е is "ye" at a word start)
)


def _cyrillic_variants(raw_alias: str, base: str) -> set[str]:
    """Normal forms of plausible Cyrillic spellings of a Latin-script alias."""
    out = {base}
    for pattern, repl in _CYR_RULES:
        out |= {pattern.sub(repl, v) for v in out if pattern.search(v)}
    raw_tokens = raw_alias.split()
    tokens_variants: list[set[str]] = []
    for form in out:
        toks = form.split(" ")
        if len(toks) != len(raw_tokens):
            tokens_variants.append({form})
            continue
        alts: set[str] = {form}
        for idx, raw_tok in enumerate(raw_tokens):
            head = raw_tok[:1].lower()
            new: set[str] = set()
            for alt in alts:
                parts = alt.split(" ")
                if head == "w" and parts[idx].startswith("v"):
                    parts[idx] = "u" + parts[idx][1:]  # Witkoff -> Уиткофф, Walz -> Уолц
                    new.add(" ".join(parts))
                if head == "j" and parts[idx].startswith("i"):
                    parts = alt.split(" ")
                    parts[idx] = "dzh" + parts[idx][1:]  # Jared -> Джаред
                    new.add(" ".join(parts))
            alts |= new
        tokens_variants.append(alts)
    result: set[str] = set()
    for group in tokens_variants:
        result |= group
    return {_recollapse(v) for v in result}


_E_AFTER_CONSONANT = re.compile(r"(?<=[bcdfghklmnprstvz])e")


def _ie_variants(base: str) -> set[str]:
    """Russian е written ie (Polish Umierow, Ukrainian Умєров) and the reverse."""
    out = {base}
    if len(base) < 5:
        return out  # short words: a changed vowel makes a different word (Wien / Вэнс)
    positions = [m.start() for m in _E_AFTER_CONSONANT.finditer(base)]
    for pos in positions[:4]:
        out.add(base[:pos] + "ie" + base[pos + 1 :])
    if len(positions) > 1:
        out.add(_E_AFTER_CONSONANT.sub("ie", base))
    if "ie" in base:
        out.add(re.sub(r"(?<=[bcdfghklmnprstvz])ie", "e", base))
    return out


def _recollapse(s: str) -> str:
    return re.sub(r"([a-z])\1+", r"\1", s)


# --------------------------------------------------------------------------- inflection

# Polish locative (and dative) of the last word, in normal form: (ending, replacement).
_PL_LOCATIVE: tuple[tuple[str, str], ...] = (
    ("sht", "shcie"),  # Budapeszt -> Budapeszcie
    ("st", "scie"),  # Brest -> Brzeście
    ("ka", "ce"),  # Alaska -> Alasce
    ("ga", "dze"),  # Praga -> Pradze
    ("cha", "she"),  # Dauha (Doha) -> Dausze
    ("ha", "she"),
    ("ra", "rze"),  # Ankara -> Ankarze
    ("ta", "cie"),  # Malta -> Malcie
    ("da", "dzie"),  # Dżudda -> Dżuddzie
    ("va", "vie"),  # Moskwa -> Moskwie, Genewa -> Genewie
    ("t", "cie"),  # Kuwejt -> Kuwejcie
    ("d", "dzie"),  # Rijad -> Rijadzie
    ("r", "rze"),  # Kair -> Kairze
    ("k", "ce"),
    ("g", "dze"),
    ("v", "vie"),  # Kijów -> Kijowie
)
# Ukrainian locative/dative with the k/h alternation, in normal form.
_UK_LOCATIVE: tuple[tuple[str, str], ...] = (
    ("ka", "tsi"),  # Аляска -> Алясці
    ("ga", "zi"),
    ("ha", "zi"),  # Прага -> Празі
)


def _last_token_forms(base: str, rules: tuple[tuple[str, str], ...]) -> set[str]:
    out: set[str] = set()
    for ending, repl in rules:
        if base.endswith(ending) and len(base) - len(ending) >= 2:
            out.add(base[: -len(ending)] + repl)
            break
    return out


def keys_for_alias(alias: str, alias_lang: str, entity: int) -> list[tuple[str, KeyInfo]]:
    """All (normal-form key, KeyInfo) pairs one configured alias contributes."""
    base = normalize_phrase(alias)
    if not base:
        return []
    declinable = alias_lang == "*" or alias_lang in SLAVIC_LANGS
    has_given = " " in base
    latin = _is_latin(alias)
    keys: dict[tuple[str, Mode, Script], frozenset[str] | None] = {}

    def add(key: str, mode: Mode, script: Script, endings: frozenset[str] | None = None) -> None:
        if key:
            keys.setdefault((key, mode, script), endings)

    add(base, Mode.FULL, Script.ANY)
    for variant in _ie_variants(base):
        add(variant, Mode.FULL, Script.ANY)
    cyr_forms: set[str] = set()
    if latin:
        cyr_forms = _cyrillic_variants(alias, base) - {base}
        for variant in cyr_forms:
            add(variant, Mode.FULL, Script.CYRILLIC)
    if declinable:
        forms = [(base, Script.ANY)] + [(v, Script.ANY) for v in _ie_variants(base) - {base}]
        forms += [(v, Script.CYRILLIC) for v in cyr_forms]
        for form, script in forms:
            last = form.rsplit(" ", 1)[-1]
            if last[-1] in _VOWELS and len(last) >= 4:
                adjective = last.endswith(("ski", "tski", "ckii"))
                add(form[:-1], Mode.STEM, script, ADJ_MASC_ENDINGS if adjective else None)
            if script is Script.ANY:
                for loc in _last_token_forms(form, _PL_LOCATIVE):
                    add(loc, Mode.EXACT, Script.LATIN)
            for loc in _last_token_forms(form, _UK_LOCATIVE):
                add(loc, Mode.EXACT, Script.CYRILLIC)
            if last.endswith("iv") and len(last) >= 3:
                # Ukrainian і/о/е alternation: Київ -> Києва, Львів -> Львова
                add(form[:-2] + "iev", Mode.STEM, Script.CYRILLIC)
                add(form[:-2] + "ov", Mode.STEM, Script.CYRILLIC)
    return [
        (
            key,
            KeyInfo(
                entity=entity,
                alias=alias,
                mode=mode,
                script=script,
                declinable=declinable,
                has_given_name=has_given,
                length=len(key),
                cyrillic=not latin,
                endings=endings,
            ),
        )
        for (key, mode, script), endings in keys.items()
    ]
