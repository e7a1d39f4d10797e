"""Feed text made plain: HTML to visible text, then ``bot.text.normalise_text``
(invisible characters removed, NFC, whitespace collapsed), length bounded."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.ingest import feedprep
from bot.text import normalise_text

MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 50_000  # enough for any article summary; bounds matcher work

# Tags in a field typed as plain text: it is really HTML (common in titles).
# Entities alone do not count, so a literal "&amp;" in real plain text survives.
_MARKUP_HINT = re.compile(r"<(?:[A-Za-z][A-Za-z0-9]*[\s/>]|/[A-Za-z]|!--)")

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th",
        "tr", "ul",
    }
)  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Visible text of an HTML fragment; entities decoded once. Not normalised."""
    if "<" not in value and "&" not in value:
        return value
    parser = _TextExtractor()
    try:
        parser.feed(value)
        parser.close()
    except (AssertionError, ValueError):  # pathological markup: keep what we have
        pass
    return "".join(parser.parts)


def to_text(value: str, content_type: str | None, limit: int, single_line: bool) -> str:
    if not value:
        return ""
    value = value[: limit * 4]  # bound the work before stripping markup
    is_html = content_type in (None, "text/html", "application/xhtml+xml", "html", "xhtml")
    # Plain-typed fields that carry tags are mislabelled HTML (common in titles).
    if is_html or _MARKUP_HINT.search(value):
        value = html_to_text(value)
    # A '<link>' quoted inside HTML content went through protect_links as well.
    text = normalise_text(feedprep.restore_link(value), single_line=single_line)
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return text
