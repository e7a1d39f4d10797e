"""Find watchlist actors and venues in article text, in any language and case form.

One Aho-Corasick automaton holds every generated key (see ``forms``); the article is
normalised token by token (see ``normalize``) and searched once. A key hit counts when
it starts a capitalised word (rule *capitalised names*; scripts without case, and
Georgian, which news writes without capitals, are exempt) and the rest of that word is
an ending the language allows (Slavic case endings for pl/ru/uk/... and any Cyrillic
word, else only a possessive/genitive ``s``), so ``Putinowi`` and ``Путиным`` match
while ``Putinism``, ``Trumpet`` and "la berline" do not.

Two further filters keep precision:

- exclusion phrases from the watchlist (``Miami Heat``, ``Washington Post``) remove a
  hit they cover; their capitalised words must be capitalised in the text too, so
  "a Miami heat wave" still names the city;
- ambiguous surnames (``ambiguous: true``) count only with evidence: a cue nearby (first
  name, office), another tracked actor in the item, or the entity's first name right
  before it. A different given name right before the surname ("historian Yuri
  Dmitriev", "Elizaveta Peskova") marks a namesake, and bare repeats of that surname
  in the same item are taken to mean the same namesake.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import partial
from typing import Any

import ahocorasick
from rapidfuzz import fuzz, process

from bot.extract.lexicons import noun_endings, title_words
from bot.match.forms import (
    ATTACHED_ENDINGS,
    OWN_SCRIPT_ONLY,
    PLAIN_ENDINGS,
    SCRIPT_ENDINGS,
    SLAVIC_ENDINGS,
    SLAVIC_LANGS,
    KeyInfo,
    Mode,
    Script,
    keys_for_alias,
)
from bot.match.normalize import (
    TOKEN_RE,
    Normalizer,
    NormText,
    is_cyrillic,
    normalize_phrase,
    normalize_token,
    script_block,
)
from bot.match.scripts import (
    attached_endings,
    own_script_only,
    script_endings,
    spaceless_scripts,
)
from bot.match.skeletons import short_consonant_name, written_as_named
from bot.models import EntityKind, Mention, WatchEntity, Watchlist

CUE_WINDOW = 4  # tokens either side of an ambiguous surname that may hold a cue
_CUE_EXTRA_ENDINGS = frozenset({"es", "en", "er", "ern", "ens", "n", "r", "ia", "ii"})
_NO_ENDINGS: frozenset[str] = frozenset()
# A cue word at least this like a given name (difflib's ratio) is a spelling of it.
_SIMILAR_RATIO = 0.75
_CACHE_LIMIT = 50_000  # bounded memory for the per-matcher verdict caches
_LINE_BREAK = re.compile("\n")
_SENTENCE_END = re.compile(r"[.!?\n:;\"«»„“”()\[\]]")


@dataclass(frozen=True, slots=True)
class _Exclusion:
    tokens: tuple[str, ...]  # normal form
    capitalized: tuple[bool, ...]  # the configured word is capitalised: the text's must be


@dataclass(frozen=True, slots=True)
class _EntityExclusions:
    """One entity's exclusion phrases, and which words can be part of one."""

    rules: tuple[_Exclusion, ...]
    longest: int  # tokens in the longest phrase
    # text word -> it matches a word of some phrase; the same neighbours recur
    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def has_word(self, word: str) -> bool:
        return _remembered(self.memo, word, self._has_word)

    def _has_word(self, word: str) -> bool:
        return any(
            _phrase_word_matches(token, word) for rule in self.rules for token in rule.tokens
        )


@dataclass(slots=True)
class _Candidate:
    first: int  # first token index
    last: int  # last token index (inclusive)
    entity: int
    info: KeyInfo

    # Written out (see ``Statement.__init__`` in bot/extract/statements.py for why).
    def __init__(self, first: int, last: int, entity: int, info: KeyInfo) -> None:
        self.first = first
        self.last = last
        self.entity = entity
        self.info = info


@dataclass(frozen=True, slots=True)
class _Cues:
    words: frozenset[str]  # normal-form cue tokens (prefixes, with endings allowed)
    long_words: tuple[str, ...]  # cues long enough to be found at the end of a compound
    # word -> is a cue; the same words are asked about in every article
    memo: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)


# Georgian news writes names in Mkhedruli, which Unicode files as lower case (its
# capitals, Mtavruli, serve only for all-caps titles).
_MKHEDRULI = ("\u10d0", "\u10ff")


def written_without_capitals(ch: str) -> bool:
    """Rule *capitalised names*, exempt scripts: a name in a script whose news is
    written without capitals (Georgian) needs none, even in a text that quotes a
    capitalised Latin word ("CNN", "Reuters")."""
    return _MKHEDRULI[0] <= ch <= _MKHEDRULI[1]


def capital_after_prefix(word: str) -> bool:
    """Rule *capitalised names*, mutated initials: Irish eclipsis and h-prothesis put
    one or two lower-case letters before a name's capital ("i mBúdaipeist", "i
    nGinéiv", "na hÚcráine", "bhFrainc"); the name is still capitalised."""
    return word[1:2].isupper() or (word[2:3].isupper() and word[:2] == "bh")


class Matcher:
    """Built once per watchlist (the automaton is compiled here); ``find`` is thread-safe
    apart from shared caches (token forms, key-hit verdicts, cue words), which only
    ever grow or are cleared whole, so a race costs a recomputation at worst."""

    def __init__(self, watchlist: Watchlist, *, spellings: bool = True) -> None:
        """``spellings=False``: the aliases are each language's own spelling of a name
        (a gazetteer's), so no transliteration variants are generated (see ``forms``)."""
        self._entities: tuple[WatchEntity, ...] = watchlist.entities()
        # titles and office words of every lexicon ("President", "secrétaire d'État")
        self._title_words = frozenset(normalize_token(w) for w in title_words())
        self._normalizer = Normalizer()
        table: dict[str, list[KeyInfo]] = {}
        for index, entity in enumerate(self._entities):
            seen: set[tuple[str, str]] = set()
            for lang, forms in (("*", _name_forms(entity)), *entity.aliases.items()):
                for alias in forms:
                    if (lang, alias) in seen:
                        continue
                    seen.add((lang, alias))
                    for key, info in keys_for_alias(alias, lang, index, spellings=spellings):
                        table.setdefault(key, []).append(info)
        self._automaton: Any = ahocorasick.Automaton()
        for key, infos in table.items():
            self._automaton.add_word(key, tuple(_prefer(infos)))
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()
        self._exclusions: dict[int, _EntityExclusions] = {}
        for i, entity in enumerate(self._entities):
            rules = tuple(_exclusion(p) for p in entity.exclude if normalize_phrase(p))
            if rules:
                longest = max(len(rule.tokens) for rule in rules)
                self._exclusions[i] = _EntityExclusions(rules, longest)
        self._cues: dict[int, _Cues] = {
            i: _cues_for(e) for i, e in enumerate(self._entities) if e.ambiguous
        }
        # Office words of any entity before a surname are not a namesake's given name
        # ("Kremlin aide Ushakov"); other actors' given names are left out on purpose, so
        # "Yuri Dmitriev" still reads as a namesake of Kirill Dmitriev.
        given = {g for e in self._entities for g in _given_names(e)}
        all_cues = _not_given_names({w for c in self._cues.values() for w in c.words}, given)
        self._any_cue = _Cues(frozenset(all_cues), tuple(w for w in all_cues if len(w) >= 5))
        self._script_endings = {**SCRIPT_ENDINGS, **script_endings(normalize_token)}
        self._attached = {**ATTACHED_ENDINGS, **attached_endings(normalize_token)}
        self._own_script_only = OWN_SCRIPT_ONLY | own_script_only()
        # scripts with no inflection and no spaces: a name as written, exactly
        self._as_written = frozenset({"han"}) | spaceless_scripts()
        # key hit (text, ending, script, language family) -> accepted readings
        self._accepted: dict[tuple[str, str, str, bool], tuple[KeyInfo, ...]] = {}

    @property
    def entities(self) -> tuple[WatchEntity, ...]:
        return self._entities

    def find(self, text: str, lang: str | None) -> list[Mention]:
        """Mentions of watchlist entities in ``text`` (offsets into ``text``), in order."""
        if self._empty or not text:
            return []
        norm = self._normalizer.text(text)
        if not norm.joined.strip():
            return []
        slavic = _base_lang(lang) in SLAVIC_LANGS
        # Names are capitalised in every supported language; requiring it keeps common
        # words out (trumpet, москвич, kiwi). Text with no capitals at all is exempt.
        need_capital = not text.islower()
        attached = self._attached.get(_base_lang(lang), _NO_ENDINGS)
        candidates = self._candidates(norm, slavic, need_capital, attached)
        if not candidates:
            return []
        candidates = _drop_overlaps(candidates)
        exclusions = self._exclusions
        if exclusions:
            candidates = [
                c
                for c in candidates
                if c.entity not in exclusions or not _excluded(c, exclusions[c.entity], norm)
            ]
        if self._cues:
            candidates = self._resolve_ambiguous(candidates, norm, text, _base_lang(lang))
        mentions = []
        matches = norm.matches
        for cand in candidates:
            entity = self._entities[cand.entity]
            start = matches[cand.first].start()
            end = matches[cand.last].end()
            mention = Mention(
                entity_id=entity.id,
                kind=entity.kind,
                alias=cand.info.alias,
                surface=text[start:end],
                start=start,
                end=end,
            )
            if not short_consonant_name(mention.alias) or written_as_named(mention):
                mentions.append(mention)
        return mentions

    # ----------------------------------------------------------------- key hits

    def _candidates(
        self, norm: NormText, slavic: bool, need_capital: bool, attached: frozenset[str]
    ) -> list[_Candidate]:
        joined = norm.joined
        starts = norm.starts
        matches = norm.matches
        accepted = self._accepted
        endings_of_script = self._script_endings
        as_written = self._as_written
        out: list[_Candidate] = []
        for end_index, infos in self._automaton.iter(joined):
            stop = end_index + 1
            begin = stop - infos[0].length
            if begin and joined[begin - 1] != " ":
                continue  # not at a word start
            first = bisect_right(starts, begin) - 1
            raw = matches[first].group()  # NormText.capitalized / .cyrillic, inlined
            if (
                need_capital
                and raw[0].islower()
                and not written_without_capitals(raw[0])
                and not capital_after_prefix(raw)
            ):
                continue  # (scripts without case, Hebrew to Han, have no capitals to ask for)
            # most keys end inside the token they start in
            last = first if end_index < starts[first + 1] else bisect_right(starts, end_index) - 1
            rest = joined[stop : starts[last + 1] - 1]
            is_cyr = is_cyrillic(raw[0]) or is_cyrillic(raw[-1])
            block = script_block(raw[0]) if raw[0] >= "\u0370" and not is_cyr else ""
            script_endings = endings_of_script.get(block) if block else None
            if script_endings is not None:  # Georgian, Korean, Armenian: endings of their own
                if rest not in script_endings:
                    continue
                rest = ""
            elif rest in attached:
                rest = ""
            # the verdict depends on these four only, and the same names recur
            memo = (joined[begin:stop], rest, block or ("cyrillic" if is_cyr else ""), slavic)
            chosen = accepted.get(memo)
            if chosen is None:
                chosen = _choose(infos, rest, is_cyr, slavic, block, self._own_script_only)
                if len(accepted) >= _CACHE_LIMIT:
                    accepted.clear()
                accepted[memo] = chosen
            if block and block in as_written:  # no inflection, no spaces: the alias as written
                surface = "".join(m.group() for m in matches[first : last + 1])
                chosen = tuple(i for i in chosen if i.alias.replace(" ", "") == surface)
            for info in chosen:
                out.append(_Candidate(first, last, info.entity, info))
        return out

    # ----------------------------------------------------------------- ambiguity

    def _resolve_ambiguous(
        self, cands: list[_Candidate], norm: NormText, text: str, lang: str
    ) -> list[_Candidate]:
        if not any(c.entity in self._cues for c in cands):
            return cands
        covered: set[int] = set()
        for c in cands:
            covered.update(range(c.first, c.last + 1))
        verdict: dict[int, str] = {}  # candidate position -> confirm | reject | neutral
        lines = _Lines(text)
        for pos, c in enumerate(cands):
            if c.entity not in self._cues:
                continue
            verdict[pos] = self._local_verdict(c, norm, lang, covered, lines)
        accepted_entities = {
            c.entity for pos, c in enumerate(cands) if c.entity not in self._cues
        } | {cands[p].entity for p, v in verdict.items() if v == "confirm"}
        accepted_actors = [
            e for e in accepted_entities if self._entities[e].kind is EntityKind.ACTOR
        ]
        verdicts_of: dict[int, set[str]] = {}  # entity -> the verdicts on its mentions
        for pos, said in verdict.items():
            verdicts_of.setdefault(cands[pos].entity, set()).add(said)
        keep: list[_Candidate] = []
        for pos, c in enumerate(cands):
            v = verdict.get(pos)
            if v is None or v == "confirm":
                keep.append(c)
                continue
            if v == "reject":
                continue
            same = verdicts_of[c.entity]
            if "confirm" in same:
                keep.append(c)  # a confirmed mention elsewhere: same person
            elif "reject" in same:
                continue  # a namesake was introduced by another given name
            elif any(e != c.entity for e in accepted_actors) or self._cue_near(c, norm):
                keep.append(c)  # another tracked actor, or a cue nearby (the cheap test first)
        return keep

    def _local_verdict(
        self, c: _Candidate, norm: NormText, lang: str, covered: set[int], lines: _Lines
    ) -> str:
        text = lines.text
        if c.info.has_given_name:
            return "confirm"
        prev = c.first - 1
        if prev < 0:
            return "neutral"
        gap = text[norm.span(prev)[1] : norm.span(c.first)[0]]
        if gap.strip(" \u00a0\t"):
            return "neutral"  # punctuation or a line break: not "right before"
        word = norm.word(prev)
        cues = self._cues[c.entity]
        if _is_cue(word, cues):
            return "confirm"
        if prev in covered or not norm.capitalized(prev) or word in self._title_words:
            return "neutral"
        if _is_cue(word, self._any_cue):
            return "neutral"
        raw = norm.raw(prev)
        if raw.isupper() or not raw.isalpha():
            return "neutral"  # an acronym (RDIF, CEO) or a number
        if prev == 0 or _SENTENCE_END.search(text, norm.span(prev - 1)[1], norm.span(prev)[0]):
            return "neutral"  # capitalised as the first word of a sentence ("The", "Дочь")
        endings = noun_endings(lang)
        if endings and raw.lower().endswith(endings):
            return "neutral"  # a noun in a language that capitalises nouns
        if lines.headline_at(norm.span(c.first)[0]):
            return "neutral"  # headline style: every word capitalised
        return "reject"

    def _cue_near(self, c: _Candidate, norm: NormText) -> bool:
        cues = self._cues[c.entity]
        lo = max(0, c.first - CUE_WINDOW)
        hi = min(len(norm), c.last + CUE_WINDOW + 1)
        for i in range(lo, hi):
            if c.first <= i <= c.last:
                continue
            if _is_cue(norm.word(i), cues):
                return True
        return False


# --------------------------------------------------------------------------- helpers


def _name_forms(entity: WatchEntity) -> tuple[str, ...]:
    """The display name as aliases: "Keith Kellogg" also as "Kellogg" (an actor is
    mostly named by surname), "Anchorage (Alaska)" as "Anchorage" and "Alaska"."""
    name = entity.name.strip()
    forms = [name]
    if "(" in name and name.endswith(")"):
        head, _, inner = name[:-1].partition("(")
        forms = [head.strip(), inner.strip()]
    if entity.kind is EntityKind.ACTOR:
        words = forms[0].split()
        if len(words) >= 2 and len(words[-1]) >= 3:
            forms.append(words[-1])
    return tuple(f for f in forms if f)


def _base_lang(lang: str | None) -> str:
    if not lang:
        return ""
    return lang.replace("_", "-").split("-", 1)[0].lower()


def _prefer(infos: list[KeyInfo]) -> list[KeyInfo]:
    # FULL before STEM before EXACT so the most natural alias is reported first.
    order = {Mode.FULL: 0, Mode.EXACT: 1, Mode.STEM: 2}
    return sorted(infos, key=lambda i: order[i.mode])


def _accept(
    info: KeyInfo, rest: str, is_cyr: bool, slavic_lang: bool, block: str, own: frozenset[str]
) -> bool:
    if info.block != block and (block in own or info.block):
        return False  # a Hebrew text against a Latin alias, a Chinese alias in Korean
    if info.script is Script.CYRILLIC and not is_cyr:
        return False
    if info.script is Script.LATIN and is_cyr:
        return False
    if info.mode is Mode.EXACT:
        return rest == ""
    slavic = (is_cyr or slavic_lang) and info.declinable
    if info.mode is Mode.STEM:
        allowed = SLAVIC_ENDINGS if info.endings is None else info.endings
        return slavic and rest != "" and rest in allowed
    if info.length < 4:
        # short keys (Київ -> kiv) would hit too much with case endings
        return rest == "" or (rest == "s" and not slavic)
    return rest in (SLAVIC_ENDINGS if slavic else PLAIN_ENDINGS)


def _choose(
    infos: tuple[KeyInfo, ...],
    rest: str,
    is_cyr: bool,
    slavic: bool,
    block: str,
    own: frozenset[str],
) -> tuple[KeyInfo, ...]:
    """The accepted readings of one key hit, one per entity (``own``: the scripts whose
    text matches only aliases in the same script)."""
    chosen: dict[int, KeyInfo] = {}
    for info in infos:
        if _accept(info, rest, is_cyr, slavic, block, own):
            prev = chosen.get(info.entity)
            # report the alias written in the text's own script when there is one
            if prev is None or (prev.cyrillic != is_cyr and info.cyrillic == is_cyr):
                chosen[info.entity] = info
    return tuple(chosen.values())


def _drop_overlaps(cands: list[_Candidate]) -> list[_Candidate]:
    """Keep the longest hit where hits overlap (``Steve Witkoff`` over ``Witkoff``)."""
    cands.sort(key=lambda c: (c.first, -(c.last - c.first), -c.info.length))
    out: list[_Candidate] = []
    last_end = -1
    for c in cands:
        if c.first > last_end:
            out.append(c)
            last_end = c.last
        elif out and c.entity == out[-1].entity:
            continue
        elif c.last > last_end:
            # a different entity overlapping the tail: keep the longer one
            prev = out[-1]
            if (c.last - c.first) > (prev.last - prev.first):
                out[-1] = c
                last_end = c.last
    return out


def _exclusion(phrase: str) -> _Exclusion:
    raw = [m.group() for m in TOKEN_RE.finditer(phrase)]
    pairs = [(normalize_token(t), t[:1].isupper()) for t in raw]
    pairs = [(n, cap) for n, cap in pairs if n]
    tokens = tuple(n for n, _ in pairs)
    return _Exclusion(tokens=tokens, capitalized=tuple(cap for _, cap in pairs))


def _word_stem(word: str) -> str:
    return word[:-1] if len(word) >= 4 and word[-1] in "aeiou" else word


def _phrase_word_matches(pattern: str, word: str) -> bool:
    """An exclusion word matches its own inflected forms (Spartaka Moskwy)."""
    if word == pattern:
        return True
    if len(pattern) < 4:
        return False
    stem = _word_stem(pattern)
    return word.startswith(stem) and len(word) - len(stem) <= 4


def _excluded(cand: _Candidate, exclusions: _EntityExclusions, norm: NormText) -> bool:
    """An exclusion phrase covers the hit ("Miami Heat" over "Miami")."""
    size = cand.last - cand.first + 1
    if exclusions.longest < size:
        return False
    count = len(norm)
    # A phrase longer than the hit takes in the word before or after it; most hits have
    # neither in any phrase, and then only phrases exactly as long as the hit can apply.
    longer = (cand.first > 0 and exclusions.has_word(norm.word(cand.first - 1))) or (
        cand.last + 1 < count and exclusions.has_word(norm.word(cand.last + 1))
    )
    for rule in exclusions.rules:
        n = len(rule.tokens)
        if n < size or (n > size and not longer):
            continue
        # the phrase must cover the hit: try every alignment that does
        for begin in range(max(0, cand.last - n + 1), cand.first + 1):
            if begin + n > count:
                break
            for k in range(n):
                i = begin + k
                if not _phrase_word_matches(rule.tokens[k], norm.word(i)):
                    break
                if rule.capitalized[k] and not norm.capitalized(i):
                    break
            else:
                return True
    return False


def _given_names(entity: WatchEntity) -> set[str]:
    """Every word but the last of the name and of multi-word aliases (normal form)."""
    if entity.kind is not EntityKind.ACTOR:
        return set()
    out: set[str] = set()
    for phrase in (entity.name, *entity.all_aliases()):
        out.update(normalize_phrase(phrase).split()[:-1])
    return {w for w in out if len(w) >= 3}


def _similar(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b).ratio() >= _SIMILAR_RATIO


def _not_given_names(words: set[str], given: set[str]) -> set[str]:
    """The cue words that are no spelling of a given name (Yuri/Iouri, Dmitry/Dymitr)."""
    names = sorted(given)
    return {w for w in words if w not in given and not _similar_to_any(w, names)}


def _similar_to_any(word: str, names: list[str]) -> bool:
    """``_similar(word, name)`` for some name, without asking difflib about every name.

    difflib's matching blocks form a common subsequence, so its ratio (2 * matched /
    total length) never exceeds rapidfuzz's ``fuzz.ratio`` (the same with the longest
    common subsequence): the names difflib finds similar are among rapidfuzz's hits at
    the same threshold, which it finds in C. difflib then decides on those few.
    """
    hits = process.extract(
        word, names, scorer=fuzz.ratio, score_cutoff=_SIMILAR_RATIO * 100 - 0.01, limit=None
    )
    return any(_similar(word, name) for name, _, _ in hits)


def _cues_for(entity: WatchEntity) -> _Cues:
    words: set[str] = set()
    for cue in entity.cues:
        words.update(normalize_phrase(cue).split())
    words |= _given_names(entity)
    words = {w for w in words if len(w) >= 2}
    return _Cues(frozenset(words), tuple(w for w in words if len(w) >= 5))


def _remembered(memo: dict[str, bool], word: str, verdict: Callable[[str], bool]) -> bool:
    """``verdict(word)``, kept in ``memo`` (bounded: cleared whole when full)."""
    known = memo.get(word)
    if known is None:
        if len(memo) >= _CACHE_LIMIT:
            memo.clear()
        known = memo[word] = verdict(word)
    return known


def _is_cue(word: str, cues: _Cues) -> bool:
    return _remembered(cues.memo, word, partial(_is_cue_uncached, cues=cues))


def _is_cue_uncached(word: str, cues: _Cues) -> bool:
    if word in cues.words:
        return True
    for n in range(1, min(5, len(word) - 1)):
        head = word[:-n]
        if head in cues.words:
            tail = word[-n:]
            if tail in SLAVIC_ENDINGS or tail in _CUE_EXTRA_ENDINGS:
                return True
        # given names ending in a vowel drop it before the case ending (Юрий -> Юрия,
        # Marco -> Marca, Marcem)
        if (head + "i" in cues.words or head + "o" in cues.words) and word[-n:] in SLAVIC_ENDINGS:
            return True
    # compounds: Kremlsprecher, Sondergesandter
    return any(len(word) > len(c) and (c in word) for c in cues.long_words)


class _Lines:
    """The lines of one text, each looked at once however many hits it holds."""

    __slots__ = ("_breaks", "_headline", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._breaks: list[int] | None = None  # offsets of the line breaks, found on demand
        self._headline: dict[int, bool] = {}  # line number -> written headline style

    def headline_at(self, pos: int) -> bool:
        """``_title_case_line`` of the line holding offset ``pos``."""
        if self._breaks is None:
            self._breaks = [m.start() for m in _LINE_BREAK.finditer(self.text)]
        breaks = self._breaks
        line = bisect_left(breaks, pos)  # breaks before pos
        known = self._headline.get(line)
        if known is None:
            start = breaks[line - 1] + 1 if line else 0
            end = breaks[line] if line < len(breaks) else len(self.text)
            known = self._headline[line] = _title_case_line(self.text[start:end])
        return known


def _title_case_line(line: str) -> bool:
    """A line written headline style: its content words (almost) all capitalised."""
    words = [w for w in TOKEN_RE.findall(line) if len(w) >= 4 and w.isalpha()]
    if len(words) < 3:
        return False
    # headline style: (almost) no lower-case content word at all
    return sum(1 for w in words if not w[0].isupper()) <= len(words) // 8
