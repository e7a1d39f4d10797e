"""Byte-level preparation of an XML feed before feedparser sees it.

Each function is one rule, applied by ``bot.ingest.xmlfeed`` in this order:

``neutralise_doctype(body)``
    The DOCTYPE keeps its name and external id but loses its internal subset, and any
    stray ``<!ENTITY`` declaration before the root element is removed. feedparser
    re-inserts "safe" entity declarations and its loose parser expands them without
    limit once expat's amplification guard trips (a 160 KB feed became 3.9 GB).
    Without declarations, ``&custom;`` stays literal; the predefined XML entities,
    character references and HTML's named entities (``&nbsp;``, which feedparser's
    loose parser knows) still work.
``replace_invalid_utf8(body, headers)``
    A document meant as UTF-8 with a few invalid bytes gets U+FFFD for those bytes
    only; feedparser would otherwise re-read the whole feed as windows-1252 and garble
    every non-ASCII character of every item.
``protect_links(body)`` / ``restore_link(text)``
    feedparser "repairs" RSS ``<link>`` text by turning ``&name;`` into ``&name`` and
    ``&amp;`` into ``&`` (so ``?q=&lt;b&gt;`` came out as ``?q=&ltb&gt``). The five
    XML-special characters of ``<link>`` text travel as private-use characters
    instead and are put back by ``restore_link``.
``cut_items(body, keep)``
    A document with far more items than the cap is cut after ``keep`` items (the
    document's own closing tags kept), so feedparser does not spend seconds on
    100,000 entries that would be dropped anyway.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def ascii_compatible(body: bytes) -> bool:
    """Whether byte-level markup edits are safe (no UTF-16/32 document)."""
    return not body.startswith(_UTF16_32_BOMS) and b"\x00" not in body[:4]


# --------------------------------------------------------------------------- DOCTYPE

# What may come before the root element: comments, processing instructions, the
# DOCTYPE (any case: feedparser's loose parser is not case-sensitive) and the root.
_PROLOG_TOKEN = re.compile(rb"<!--|<\?|<!DOCTYPE|<!ENTITY|<[A-Za-z_:]", re.I)
_DOCTYPE_TOKEN = re.compile(rb"\"[^\"]*\"|'[^']*'|\[|>")
_SUBSET_TOKEN = re.compile(rb"\"[^\"]*\"|'[^']*'|<!--.*?-->|\]\s*>", re.S)
_ENTITY_TOKEN = re.compile(rb"<!ENTITY", re.I)
_ANY_START_TAG = re.compile(rb"<\w")
_STRAY_ENTITY = re.compile(rb"<!ENTITY(?:[^>\"']|\"[^\"]*\"|'[^']*')*>?", re.I)


class UnclosedDoctypeError(ValueError):
    """The DOCTYPE declaration never ends: the document is not XML."""


def _doctype_end(body: bytes, start: int) -> tuple[int, int | None]:
    """(index after the declaration's ``>``, index of its ``[`` or None)."""
    pos = start
    while True:
        match = _DOCTYPE_TOKEN.search(body, pos)
        if match is None:
            raise UnclosedDoctypeError("the DOCTYPE declaration is never closed")
        if match.group() == b">":
            return match.end(), None
        if match.group() == b"[":
            subset = match.start()
            pos = match.end()
            while True:
                inner = _SUBSET_TOKEN.search(body, pos)
                if inner is None:
                    raise UnclosedDoctypeError("the DOCTYPE internal subset is never closed")
                if inner.group().startswith(b"]"):
                    return inner.end(), subset
                pos = inner.end()
        pos = match.end()


def neutralise_doctype(body: bytes) -> bytes:
    """The document without DOCTYPE internal subsets or entity declarations (see above).

    Raises ``UnclosedDoctypeError`` when a DOCTYPE never ends.
    """
    if b"<!" not in body:
        return body
    parts: list[bytes] = []
    pos = 0
    root = -1
    while True:
        match = _PROLOG_TOKEN.search(body, pos)
        if match is None:
            break
        token = match.group().upper()
        if token == b"<!--" or token == b"<?":
            closing = b"-->" if token == b"<!--" else b"?>"
            end = body.find(closing, match.end())
            if end == -1:
                break
            parts.append(body[pos : end + len(closing)])
            pos = end + len(closing)
        elif token == b"<!DOCTYPE":
            end, subset = _doctype_end(body, match.end())
            parts.append(body[pos:end] if subset is None else body[pos:subset].rstrip() + b">")
            pos = end
        elif token == b"<!ENTITY":
            stray = _STRAY_ENTITY.match(body, match.start())
            parts.append(body[pos : match.start()])
            pos = stray.end() if stray else match.end()
        else:  # the root element: declarations end here
            root = sum(map(len, parts)) + (match.start() - pos)
            break
    result = b"".join(parts) + body[pos:]
    return _without_entity_tokens(result, root)


def _without_entity_tokens(body: bytes, root: int) -> bytes:
    """No ``<!ENTITY`` left before the root element, not even in a comment or a PI.

    feedparser looks for declarations in everything before the first ``<`` + letter,
    comments included, and re-inserts the ones it finds into the DOCTYPE.
    """
    first_tag = _ANY_START_TAG.search(body)
    end = max(root, first_tag.start() if first_tag else 0) if root >= 0 else len(body)
    head = body[:end]
    if _ENTITY_TOKEN.search(head) is None:
        return body
    return _ENTITY_TOKEN.sub(b"", head) + body[end:]


# --------------------------------------------------------------------------- encoding

_XML_ENCODING = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']"
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_ASCII_BYTES = bytes(range(128))


def _declared_encodings(body: bytes, headers: Mapping[str, str]) -> set[str]:
    found: set[str] = set()
    charset = _CHARSET.search(headers.get("content-type", ""))
    if charset:
        found.add(charset.group(1).lower())
    declared = _XML_ENCODING.match(body[:512])
    if declared:
        found.add(declared.group(1).decode("ascii").lower())
    return found


def replace_invalid_utf8(body: bytes, headers: Mapping[str, str]) -> bytes:
    """A UTF-8 document with stray invalid bytes → the same with U+FFFD for each.

    Left alone: documents declared in another encoding, UTF-16/32 ones, valid UTF-8,
    and documents whose non-ASCII bytes are mostly invalid as UTF-8 (a legacy
    encoding mislabelled as UTF-8, which feedparser's fallback decodes correctly).
    """
    if not ascii_compatible(body) or not _declared_encodings(body, headers) <= _UTF8_NAMES:
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return body
    text = body.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - body.count("\ufffd".encode())
    non_ascii_bytes = len(body.translate(None, _ASCII_BYTES))
    if non_ascii_bytes - invalid < invalid:  # fewer valid UTF-8 bytes than invalid ones
        return body
    return text.encode("utf-8")


# --------------------------------------------------------------------------- links

_LINK_TEXT = re.compile(rb"(<link(?:\s[^<>]*[^<>/])?>)([^<]*)(</link\s*>)")
_LINK_CDATA = re.compile(
    rb"(<link(?:\s[^<>]*[^<>/])?>)\s*<!\[CDATA\[(.*?)\]\]>\s*(</link\s*>)", re.S
)
_SPECIAL_REFS = re.compile(rb"&(?:amp|lt|gt|quot|apos|#0*3[89]|#0*6[02]|#0*34|#[xX]0*2[26]|"
                           rb"#[xX]0*3[cCeE]|#[xX]0*27);")  # fmt: skip
_PLACEHOLDERS = {"&": "\ue000", "<": "\ue001", ">": "\ue002", '"': "\ue003", "'": "\ue004"}
_REF_CHAR = {
    b"&amp;": "&", b"&lt;": "<", b"&gt;": ">", b"&quot;": '"', b"&apos;": "'",
}  # fmt: skip
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDERS.items()})


def _placeholder_ref(char: str) -> bytes:
    return f"&#{ord(_PLACEHOLDERS[char])};".encode("ascii")


def _ref_to_placeholder(match: re.Match[bytes]) -> bytes:
    ref = match.group()
    char = _REF_CHAR.get(ref)
    if char is None:
        digits = ref[2:-1]
        code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
        char = chr(code)
    return _placeholder_ref(char)


def _protect_text(match: re.Match[bytes]) -> bytes:
    return match.group(1) + _SPECIAL_REFS.sub(_ref_to_placeholder, match.group(2)) + match.group(3)


def _protect_cdata(match: re.Match[bytes]) -> bytes:
    text = match.group(2)
    for char in _PLACEHOLDERS:
        text = text.replace(char.encode("ascii"), _placeholder_ref(char))
    return match.group(1) + text + match.group(3)


def protect_links(body: bytes) -> bytes:
    """``<link>`` text with its XML-special characters as placeholders (see above)."""
    if b"<link" not in body or not ascii_compatible(body):
        return body
    if any(p.encode("utf-8") in body for p in _PLACEHOLDERS.values()):
        return body  # a document that uses the placeholders itself: leave it as it is
    return _LINK_TEXT.sub(_protect_text, _LINK_CDATA.sub(_protect_cdata, body))


def restore_link(text: str) -> str:
    return text.translate(_RESTORE)


# --------------------------------------------------------------------------- item cap

_ITEM_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")


def cut_items(body: bytes, keep: int) -> tuple[bytes, int]:
    """(document cut after ``keep`` items, number of items it had).

    The part after the last item (the closing channel/feed tags) is kept, so a
    well-formed document stays well-formed. Documents with at most ``keep`` items
    come back unchanged.
    """
    total = 0
    cut = last = -1
    for match in _ITEM_END.finditer(body):
        total += 1
        if total == keep:
            cut = match.end()
        last = match.end()
    if total <= keep or cut < 0:
        return body, total
    return body[:cut] + body[last:], total


# --------------------------------------------------------------------------- refusals

_WIDE_ENTITY = tuple("<!ENTITY".encode(codec) for codec in
                     ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037"))  # fmt: skip
_UNSAFE_ENCODINGS = frozenset({"utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7"})


def wide_entity_declaration(body: bytes) -> bool:
    """An entity declaration in a UTF-16/32 (or EBCDIC) document, which the byte-level
    rules above cannot see; such documents are refused."""
    return any(marker in body for marker in _WIDE_ENTITY)


def declares_unsafe_encoding(body: bytes, headers: Mapping[str, str]) -> bool:
    """UTF-7 could spell ``<!ENTITY`` without a single ``<`` byte."""
    return bool(_declared_encodings(body, headers) & _UNSAFE_ENCODINGS)
