"""Records whose ``__init__`` is written out (so the compiled build makes it native):
it must take exactly the dataclass fields, in order, with the same defaults, and set
every one of them."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from bot.extract.dates import DateMention
from bot.extract.merge import MeetingDraft
from bot.extract.sentences import Sentence
from bot.extract.statements import Statement, _SentenceReading
from bot.match.matcher import _Candidate

RECORDS = [DateMention, MeetingDraft, Sentence, Statement, _SentenceReading, _Candidate]


def _default(f: dataclasses.Field[Any]) -> object:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return None  # written as "None: a new one"
    return inspect.Parameter.empty


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_written_init_takes_the_fields(record: type) -> None:
    fields = [f for f in dataclasses.fields(record) if f.init]
    params = list(inspect.signature(record).parameters.values())
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [_default(f) for f in fields]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_written_init_sets_every_field(record: type) -> None:
    fields = [f for f in dataclasses.fields(record) if f.init]
    values = {f.name: object() for f in fields}
    made = record(**values)
    assert {name: getattr(made, name) for name in values} == values
    # and dataclasses.replace, which the rules use, still works through it
    first = fields[0].name
    again = dataclasses.replace(made, **{first: "changed"})
    assert getattr(again, first) == "changed"
