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

from bot.match.normalize import fold, normalize_phrase, script_block
from bot.match.scripts import belarusian_spellings

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
    # Czech / Slovak adjective-type and other endings (Zelenského, Zelenským)
    "ého",
    "ému",
    "ým",
    "ých",
    "ými",
    "ím",
    "ová",
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
# Georgian attaches case endings and postpositions to a name written as its stem
# (პუტინ: პუტინი, პუტინის, პუტინმა, მოსკოვში, ვაშინგტონთან); vowel-final names take the
# short forms (რუბიოს, რუბიომ).
_RAW_GEORGIAN_ENDINGS = (
    "ი ის ს მა მ ით თ ად დ ში ზე თან ისთვის სთვის ისგან სგან ისა ისკენ იდან დან მდე ამდე "
    "ისადმი სადმი ები ების ებმა ებთან ებში ისთან სთან შიც ზეც იც მაც საც ისაც"
)
_VOWELS = frozenset("aeiou")


def _norm_ending(raw: str) -> str:
    return fold(anyascii(raw).casefold())


SLAVIC_ENDINGS = frozenset({""} | {_norm_ending(e) for e in _RAW_SLAVIC_ENDINGS})
# Case endings that Finnic, Hungarian, Baltic and Turkish text attaches to a foreign
# name (Witkoffin, Witkoffiga, Washingtonban, Vitkofas, Maskavā, Putin'in); a name
# token minus one of these is the name.
_RAW_ATTACHED_ENDINGS = {
    "et": "i e s st sse l lt le ga ks ni na ta ist isse il ilt ile iga iks ini ina ita is",
    "fi": "n in a ia ssa ssä sta stä lla llä lta ltä lle ksi iin ille issa issä ista istä "
    "illa illä ilta iltä ina inä na nä ta tä han hin hon ta iin",
    "hu": "ot et at t ba be ban ben ból ből hoz hez höz nak nek nál nél val vel al el "
    "tól től ról ről ra re on en ön n ig kal kel ék é ért",
    "lt": "as o ui u ą e is io iui į y ai ų ams us oje e ą",
    "lv": "s a am u ā ai i os ā ā ē e",
    "tr": "in ın un ün nin nın nun nün a e ya ye da de ta te dan den tan ten i ı u ü yi yı",
}
ATTACHED_ENDINGS = {
    lang: frozenset(_norm_ending(e) for e in raw.split())
    for lang, raw in _RAW_ATTACHED_ENDINGS.items()
}
# Korean particles after a name (푸틴은, 모스크바에서, 위트코프와의; headlines shorten
# 에서 to 서: 리야드서, in Riyadh).
_RAW_KOREAN_ENDINGS = (
    "은 는 이 가 을 를 의 에 에서 에게 와 과 와의 과의 도 로 으로 에서의 이나 나 만 측 까지 부터 "
    "서 에서는 에는 과는 와는 으로서 이라고 라고 에서도 에도 와도 과도 로도 으로도 "
    "대통령 특사 장관 대변인"
)
SCRIPT_ENDINGS = {
    "georgian": frozenset({""} | {_norm_ending(e) for e in _RAW_GEORGIAN_ENDINGS.split()}),
    "hangul": frozenset({""} | {_norm_ending(e) for e in _RAW_KOREAN_ENDINGS.split()}),
}
# Scripts whose transliteration is too lossy to compare with Latin or Cyrillic aliases
# (no vowels, syllables): their text matches only aliases written in the same script.
OWN_SCRIPT_ONLY = frozenset({"hebrew", "arabic", "han", "hangul"})
# Masculine endings of adjective-type surnames (Zełenski, Зеленский): the feminine ones
# (Zełenska, Зеленская, Зеленської) name his wife, not him.
ADJ_MASC_ENDINGS = frozenset(
    _norm_ending(e)
    for e in (
        "ého",
        "ému",
        "ým",
        "ém",
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
    block: str = ""  # the alias's script block (normalize.script_block)


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


def w_read_as_u(raw_alias: str, base: str) -> set[str]:
    """Rule *W as U*: a name whose English spelling starts a word with W is written
    with U where the W sound has no letter of its own (Azerbaijani and Uzbek Uitkoff,
    Albanian Uashington, Armenian Ուիթքոֆ, Russian Уиткофф)."""
    raw_tokens = raw_alias.split()
    tokens = base.split(" ")
    if len(raw_tokens) != len(tokens):
        return set()
    out: set[str] = set()
    for idx, raw_token in enumerate(raw_tokens):
        if raw_token[:1] in "Ww" and tokens[idx].startswith("v"):
            out.add(" ".join([*tokens[:idx], "u" + tokens[idx][1:], *tokens[idx + 1 :]]))
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
    ("g", "zi"),  # Петербург -> Петербурзі
)


def _last_token_forms(base: str, rules: tuple[tuple[str, str], ...]) -> set[str]:
    out: set[str] = set()
    for ending, repl in rules:
        if base.endswith(ending) and len(base) - len(ending) >= 2:
            out.add(base[: -len(ending)] + repl)
            break
    return out


def keys_for_alias(
    alias: str, alias_lang: str, entity: int, *, spellings: bool = True
) -> list[tuple[str, KeyInfo]]:
    """All (normal-form key, KeyInfo) pairs one configured alias contributes.

    ``spellings=False`` leaves out the spelling variants (Cyrillic transliterations of
    a Latin name, Russian е as ie): for names listed in each language's own spelling."""
    base = normalize_phrase(alias)
    if not base:
        return []
    declinable = alias_lang == "*" or alias_lang in SLAVIC_LANGS
    has_given = " " in base
    latin = _is_latin(alias)
    block = next((script_block(ch) for ch in alias if ch.isalpha()), "")
    keys: dict[tuple[str, Mode, Script], frozenset[str] | None] = {}

    def add(key: str, mode: Mode, script: Script, endings: frozenset[str] | None = None) -> None:
        if key:
            keys.setdefault((key, mode, script), endings)

    add(base, Mode.FULL, Script.ANY)
    ie_forms = _ie_variants(base) if spellings else {base}
    for variant in ie_forms:
        add(variant, Mode.FULL, Script.ANY)
    cyr_forms: set[str] = set()
    if latin and spellings:
        cyr_forms = _cyrillic_variants(alias, base) - {base}
        for variant in w_read_as_u(alias, base):
            add(variant, Mode.FULL, Script.ANY)
    if spellings and (latin or not block):
        for form in {base} | cyr_forms:
            declined, nominatives = belarusian_spellings(form)
            cyr_forms |= declined - {base}
            for variant in nominatives:
                add(variant, Mode.EXACT, Script.CYRILLIC)
    for variant in cyr_forms:
        add(variant, Mode.FULL, Script.CYRILLIC)
    if declinable:
        forms = [(base, Script.ANY)] + [(v, Script.ANY) for v in ie_forms - {base}]
        forms += [(v, Script.CYRILLIC) for v in cyr_forms]
        for form, script in forms:
            last = form.rsplit(" ", 1)[-1]
            if last[-1] in _VOWELS and len(last) >= 4:
                adjective = last.endswith(("ski", "tski", "ckii"))
                add(form[:-1], Mode.STEM, script, ADJ_MASC_ENDINGS if adjective else None)
            if last.endswith("ia") and len(last) >= 5:
                # -ia/-ja/-ия names: Turcja -> Turcji, Турция -> Турции (ii folds to i)
                add(form[:-1], Mode.EXACT, script)
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
                block=block,
            ),
        )
        for (key, mode, script), endings in keys.items()
    ]
