"""The one exception the command line turns into a single line and a non-zero exit."""

from __future__ import annotations


class FatalError(Exception):
    """The bot cannot go on; the message says what is wrong and what to do."""
