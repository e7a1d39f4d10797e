"""Dated feed templates: each placeholder, day 0 on every weekday, and bad placeholders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.ingest.feedtemplate import (
    FeedTemplateError,
    is_feed_template,
    render_feed_template,
    story_day_zero,
)

# Wednesday 9 December 2026, 15:00 UTC: day 0 is Monday 7 December.
ANCHOR = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{locale en}}{{date +5 MMMM d}}", "December 12"),
        ("{{locale pl}}w sobotę {{date +5 d MMMM}}", "w sobotę 12 grudnia"),
        ("{{locale ru}}в субботу, {{date +5 d MMMM}}", "в субботу, 12 декабря"),
        ("{{locale uk}}{{date +5 d MMMM}}", "12 грудня"),
        ("{{locale de}}am {{date +9 d. MMMM}}", "am 16. Dezember"),
        ("{{locale fr}}samedi {{date +26 d MMMM}}", "samedi 2 janvier"),
        ("{{locale de}}Mitte {{date +24 MMMM}}", "Mitte Dezember"),
        ("{{rfc822 -14 08:15 +0100}}", "Mon, 23 Nov 2026 08:15:00 +0100"),
        ("{{iso -1 07:50 Z}}", "2026-12-06T07:50:00+00:00"),
        ("{{iso -10 12:10 +03:00}}", "2026-11-27T12:10:00+03:00"),
        ("no placeholders {here}", "no placeholders {here}"),
    ],
)
def test_placeholders_render(template: str, expected: str) -> None:
    assert render_feed_template(template, ANCHOR) == expected


@pytest.mark.parametrize(
    ("anchor", "day_zero"),
    [
        (datetime(2026, 12, 7, 0, 0, tzinfo=UTC), date(2026, 12, 7)),  # Monday
        (datetime(2026, 12, 13, 23, 59, tzinfo=UTC), date(2026, 12, 7)),  # Sunday
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), date(2026, 12, 28)),  # across the year
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), date(2028, 2, 28)),  # leap day
    ],
)
def test_day_zero_is_the_monday_of_the_anchor_week(anchor: datetime, day_zero: date) -> None:
    assert story_day_zero(anchor) == day_zero
    assert day_zero.weekday() == 0


def test_weekday_of_a_multiple_of_seven_is_kept_whatever_the_anchor() -> None:
    days = {
        render_feed_template("{{date +12 EEEE}}", datetime(2026, 12, day, 9, tzinfo=UTC))
        for day in range(1, 32)
    }
    assert days == {"Saturday"}


@pytest.mark.parametrize(
    "template",
    ["{{when +3}}", "{{date soon MMMM}}", "{{rfc822 -1 25h +0100}}", "{{iso -1 10:00}}"],
)
def test_bad_placeholders_are_named(template: str) -> None:
    with pytest.raises(FeedTemplateError, match=r"placeholder|offset|zone|expected"):
        render_feed_template(template, ANCHOR)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("pl.xml.tmpl", True), ("ru.json.TMPL", True), ("pl.xml", False), ("tmpl.xml", False)],
)
def test_template_files_are_named_by_suffix(name: str, expected: bool) -> None:
    assert is_feed_template(name) is expected
