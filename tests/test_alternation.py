"""Grouped alternations and word-start scans find exactly what the plain regexes find.

``alternation`` groups large entry lists by first character and ``word_start_form``
rewrites ``(?<!\\w)(?:X)`` as ``\\W(?:X)``; both are speed-ups only, so every lexicon
list of every language is compared with the plain form on the same texts.
"""

from __future__ import annotations

import re

import pytest

from bot.extract.lexicons import (
    FALLBACK,
    _needs_left,
    _with_right,
    alternation,
    fold,
    languages,
    read_raw,
    word_start_form,
    word_start_spans,
)

TEXTS = [
    "Kolejna runda rozmów odbędzie się w przyszłym tygodniu w Genewie; spotkanie odwołano.",
    "The summit was postponed until further notice, but talks will resume next week.",
    "Talks in Geneva were not cancelled, officials said on Friday; a new round is planned.",
    "Переговоры перенесли на следующую неделю, сообщил Песков, встреча не состоится.",
    "Зустріч відбудеться наступного тижня у Женеві, але дату ще не визначено.",
    "Das Treffen wurde abgesagt und auf nächste Woche verschoben, hieß es in Berlin.",
    "La rencontre n'aura pas lieu; le sommet est reporté à la semaine prochaine.",
    "L'incontro è stato rinviato a data da destinarsi, il vertice si terrà giovedì.",
    "La reunión fue aplazada sin nueva fecha; la cumbre se celebrará el 4 de febrero.",
    "in 3 days, 2 days ago, x-1 1-x --, 12.02. 2026-02-14 ’quoted’ «text» mid-word cues",
]


def _lists(data: object, path: str = "") -> list[tuple[str, list[str]]]:
    if isinstance(data, list) and all(isinstance(item, str) for item in data):
        return [(path, data)]
    if isinstance(data, dict):
        return [item for key, value in data.items() for item in _lists(value, f"{path}.{key}")]
    return []


def _plain(patterns: list[str]) -> re.Pattern[str]:
    items = sorted({p for p in patterns if p}, key=len, reverse=True)
    left = [_with_right(p) for p in items if _needs_left(p)]
    free = [_with_right(p) for p in items if not _needs_left(p)]
    parts = ["(?<!\\w)(?:" + "|".join(left) + ")"] if left else []
    return re.compile("|".join(parts + free))


def _entry_texts(patterns: list[str]) -> list[str]:
    """Rough literal renderings of the entries, so that every entry gets exercised."""
    rendered = []
    for pattern in patterns:
        text = re.sub(r"\(\?:|\)|\?|\*|\\w|\+|\{[^}]*\}|\[[^\]]*\]|\\s", " ", pattern)
        rendered.append(" ".join(text.split("|")) + ", x" + text.replace("|", "y "))
    return rendered


@pytest.mark.parametrize("lang", [*languages(), FALLBACK])
def test_grouped_alternation_matches_plain(lang: str) -> None:
    checked = 0
    for _path, patterns in _lists(read_raw(lang)):
        patterns = [p.replace("{n}", "(?:\\d{1,2}|one|two)") for p in patterns if p]
        if not patterns or any(p[:1] in ",;" for p in patterns):
            continue  # clause breaks and abbreviations are not regexes
        grouped, plain = alternation(patterns), _plain(patterns)
        assert grouped is not None
        text = fold("\n".join(TEXTS + _entry_texts(patterns)))
        assert [m.span() for m in grouped.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ]
        for start in range(0, len(text), 3):
            a, b = grouped.match(text, start), plain.match(text, start)
            assert (a and a.span()) == (b and b.span())
        fast = word_start_form(grouped)
        if fast is not None:
            for sample in text.split("\n"):
                assert word_start_spans(fast, sample) == [
                    m.span() for m in grouped.finditer(sample)
                ]
        checked += 1
    assert checked > 10


def test_large_lists_are_grouped() -> None:
    status = read_raw("en")["status"]
    patterns = [p for group in status.values() for p in group]
    grouped = alternation(patterns)
    assert grouped is not None
    assert grouped.pattern != _plain(patterns).pattern
    assert word_start_form(grouped) is not None


def test_word_start_form_needs_the_simple_shape() -> None:
    assert word_start_form(re.compile("(?<!\\w)(?:a|b)|c")) is None  # a free branch
    assert word_start_form(re.compile("(?<!\\w)(?:a?)")) is None  # may match nothing
    fast = word_start_form(re.compile("(?<!\\w)(?:ab|b)"))
    assert fast is not None
    assert word_start_spans(fast, "ab b xab ab") == [(0, 2), (3, 4), (9, 11)]
