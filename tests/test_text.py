"""bot.text: one rule for invisible characters, two ways of making text plain."""

from __future__ import annotations

import pytest

from bot.text import clean_text, normalise_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Talks\u202ein Geneva", "Talksin Geneva"),  # bidi override
        ("Gen\u00adeva", "Geneva"),  # soft hyphen
        ("\u061cGeneva", "Geneva"),  # Arabic letter mark
        ("a\ud800b", "a?b"),  # a lone surrogate is shown as "?"
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("a\tb", "a b"),
        ("keep  two spaces\n\nand a blank line", "keep  two spaces\n\nand a blank line"),
        ("Cafe\u0301", "Café"),  # NFC
    ],
)
def test_clean_text_keeps_layout_and_drops_invisibles(raw: str, shown: str) -> None:
    assert clean_text(raw) == shown


@pytest.mark.parametrize(
    ("raw", "single_line", "normalised"),
    [
        ("Gen\u00adeva\u200b talks", True, "Geneva talks"),
        ("a\ud800b", True, "ab"),  # a lone surrogate is removed
        ("  one \n\n two\u2028three ", False, "one\ntwo\nthree"),
        ("one\n\ntwo", True, "one two"),
    ],
)
def test_normalise_text_collapses_spaces(raw: str, single_line: bool, normalised: str) -> None:
    assert normalise_text(raw, single_line=single_line) == normalised
