"""Untrusted text made plain and safe, with one rule for which characters are invisible.

``clean_text(text)``  text to be shown (alerts, replies, names typed in chat): lone
    surrogates become "?", line ends and tabs are normalised, invisible and control
    characters removed, NFC; the layout (spaces, blank lines) is kept.
``normalise_text(text, *, single_line=False)``  text read from feeds: invisible and
    control characters (lone surrogates included) removed, NFC, whitespace collapsed;
    titles become one line, bodies keep single line breaks between blocks.
"""

from __future__ import annotations

import re
import unicodedata

# C0 (except \t \n \r), DEL, C1, zero-width, soft hyphen, bidi marks, embeddings,
# overrides and isolates, BOM, interlinear annotation and object replacement
# characters, and lone surrogates.
INVISIBLE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffc\ud800-\udfff]"
)
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r" *\n[\s]*")
_ANY_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Untrusted text → safe plain text (no controls, bidi overrides or lone surrogates)."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates → "?"
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return INVISIBLE_CHARS.sub("", text.replace("\t", " "))


def normalise_text(value: str, *, single_line: bool = False) -> str:
    """Remove invisible/control characters, NFC, collapse whitespace."""
    value = INVISIBLE_CHARS.sub("", value)
    value = unicodedata.normalize("NFC", value)
    if single_line:
        return _ANY_SPACE.sub(" ", value).strip()
    value = value.replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    value = _SPACES.sub(" ", value)
    return _NEWLINES.sub("\n", value).strip()
