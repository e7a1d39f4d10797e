"""Rule *commentators*: who speaks about a meeting rather than takes part in it.

The subject of a reporting verb or a denial right beside their name ("Peskov said",
"Peskov, the Kremlin spokesman, denied") or a name closing the clause after one
("..., said Peskov.", "according to Peskov") comments on the meeting: unless the
article names them as more than that, they are not among its participants.
"""

from __future__ import annotations

import re

from bot.extract.lexicons import Lexicon
from bot.extract.sentences import Sentence
from bot.extract.status import ClauseSignals
from bot.extract.venues import CLAUSE_PUNCT
from bot.models import Mention

_WORD = re.compile(r"\w+")


def commentators_of(
    actors: list[Mention],
    reporting: list[tuple[int, int]],
    analysed: list[tuple[int, int, ClauseSignals]],
    s: Sentence,
    lex: Lexicon,
) -> frozenset[str]:
    """Actors who speak about the meeting rather than take part in it: the subject of a
    reporting verb or a denial right beside their name ("Peskov said", "Peskov on
    Wednesday denied"), or a name that closes the clause after one ("..., said Peskov.",
    "according to Peskov")."""
    denial = any(sig.group == "denied" for _, _, sig in analysed)
    hedged = any(sig.tentative for _, _, sig in analysed)
    if not actors or not (reporting or denial or hedged):
        return frozenset()  # nobody is quoted: everyone named takes part
    speech = list(reporting)
    speech.extend(
        (s.start + c0 + sig.cue.start, s.start + c0 + sig.cue.end)
        for c0, _, sig in analysed
        if sig.cue is not None and sig.group == "denied"
    )
    starts = [m.start for m in actors]
    found = {
        m.entity_id for m in actors if any(_speaks_before(m, sp, s.folded, starts) for sp in speech)
    }
    # a name closing its clause is rare: only then are the attributions looked for
    closing = [
        m
        for m in actors
        if m.entity_id not in found
        and _CLAUSE_END.match(s.folded[m.end : min(s.end, m.end + 40)]) is not None
    ]
    if closing:
        sources = list(reporting)
        if hedged and lex.hedge is not None:
            sources.extend(h.span() for h in lex.hedge.finditer(s.folded, s.start, s.end))
        found.update(
            m.entity_id for m in closing if any(_quoted_after(m, sp, s.folded) for sp in sources)
        )
    return frozenset(found)


# "Peskov, the Kremlin spokesman, said" / "Peskov, a démenti": an apposition, or the
# comma that closes one opened before the name ("le porte-parole du Kremlin, Peskov,")
_APPOSITION = re.compile(r"^\s*,(?:[^,;.:()«»“”\"]{1,60},)?")
_SPEAKER_GAP_BEFORE = 2  # words between a name and its verb: "Peskov on Wednesday denied"
_SPEAKER_GAP_AFTER = 3  # "according to Kremlin spokesman Dmitry Peskov"
_CLAUSE_END = re.compile(r"^(?:\s*\w+){0,2}\s*(?:[,;.:!?)»“”\"]|$)")


def _speaks_before(mention: Mention, span: tuple[int, int], folded: str, starts: list[int]) -> bool:
    if mention.end > span[0] or any(mention.end <= at < span[0] for at in starts):
        return False  # after the verb, or another name is nearer to it
    gap = _APPOSITION.sub(" ", folded[mention.end : span[0]], count=1)
    return not CLAUSE_PUNCT.search(gap) and len(_WORD.findall(gap)) <= _SPEAKER_GAP_BEFORE


def _quoted_after(mention: Mention, span: tuple[int, int], folded: str) -> bool:
    if span[1] > mention.start:
        return False
    gap = folded[span[1] : mention.start]
    return not CLAUSE_PUNCT.search(gap) and len(_WORD.findall(gap)) <= _SPEAKER_GAP_AFTER
