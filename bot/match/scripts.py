"""Script and language data for name matching, read from ``scripts.yaml`` on first use.

Rules (each documented in docs/extraction.md):

- *script letters* (:func:`script_letters`): letters rewritten before transliteration
  (Armenian ու is u, not "ow");
- *spaceless scripts* (:func:`spaceless_scripts`, :func:`own_script_only`): Thai is
  written without spaces; abugidas are matched by aliases in their own script only;
- *attached endings* (:func:`script_endings`, :func:`attached_endings`): case endings
  and postpositions written onto a name;
- *Belarusian spelling* (:func:`belarusian_spellings`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

BELARUSIAN_MIN_LETTERS = 5


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("bot").joinpath("match", "scripts.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@lru_cache(maxsize=1)
def script_letters() -> Callable[[str], str]:
    """Rule *script letters*: a function rewriting a token's letters that anyascii
    would spell unlike the Latin name (Armenian ու as u, Devanagari फ as f)."""
    table: dict[str, str] = _data()["letters"]
    pattern = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    first = frozenset(key[0] for key in table)

    def rewrite(token: str) -> str:
        if first.isdisjoint(token):
            return token
        return pattern.sub(lambda m: table[m.group()], token)

    return rewrite


@lru_cache(maxsize=1)
def own_script_only() -> frozenset[str]:
    """Scripts whose text matches only aliases written in the same script."""
    return frozenset(_data()["own_script_only"])


@lru_cache(maxsize=1)
def spaceless_scripts() -> frozenset[str]:
    """Rule *spaceless scripts*: scripts written without spaces, where a name must be
    written exactly as its alias."""
    return frozenset(_data()["spaceless"])


def _endings(raw: str, normal: Callable[[str], str]) -> frozenset[str]:
    return frozenset({""} | {normal(e) for e in raw.split()})


@lru_cache(maxsize=1)
def script_endings(normal: Callable[[str], str]) -> dict[str, frozenset[str]]:
    """Rule *attached endings*, by script: the endings a script's text writes onto a
    name, in normal form (``normal`` is the token normaliser)."""
    raw: dict[str, str] = _data()["script_endings"]
    return {script: _endings(endings, normal) for script, endings in raw.items()}


@lru_cache(maxsize=1)
def attached_endings(normal: Callable[[str], str]) -> dict[str, frozenset[str]]:
    """Rule *attached endings*, by language (Kazakh, Kyrgyz, Azerbaijani, Uzbek, Albanian)."""
    raw: dict[str, str] = _data()["attached_endings"]
    return {lang: _endings(endings, normal) - {""} for lang, endings in raw.items()}


@lru_cache(maxsize=1)
def _belarusian_rules() -> tuple[
    tuple[tuple[re.Pattern[str], str], ...], tuple[tuple[re.Pattern[str], str], ...]
]:
    def compiled(rows: list[list[str]]) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((re.compile(pattern), repl) for pattern, repl in rows)

    return compiled(_data()["belarusian"]), compiled(_data()["belarusian_final"])


def belarusian_spellings(form: str) -> tuple[set[str], set[str]]:
    """Rule *Belarusian spelling*: the normal forms Belarusian Cyrillic gives a name
    that Russian writes as ``form`` (Путин -> Пуцін, Уиткофф -> Уіткаф, Умеров ->
    Умеравым), and, apart, those of the nominative alone (Умераў, Дзмітрыеў), which
    take no case ending; ``form`` itself is not among them. A short name is left alone:
    a changed vowel makes another word of it."""
    if len(form.replace(" ", "")) < BELARUSIAN_MIN_LETTERS:
        return set(), set()
    rules, final = _belarusian_rules()
    spelled = form
    for pattern, repl in rules:
        spelled = pattern.sub(repl, spelled)
    nominatives = {pattern.sub(repl, spelled) for pattern, repl in final}
    return {spelled} - {form}, nominatives - {form, spelled}
