"""Scoring predictions against gold labels, and the extract/eval commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.cli import evaluate as eval_cli
from bot.cli import extract as extract_cli
from bot.evaluation import evaluate, format_report

GOLD = [
    {
        "id": "pl-001",
        "lang": "pl",
        "actors": ["witkoff", "putin"],
        "venues": ["moscow"],
        "meetings": [
            {"venue": "moscow", "date": "2026-02-01", "status": "upcoming", "tentative": True},
            {"venue": "miami", "date": None, "status": "held", "tentative": False},
        ],
        "alert": True,
    },
    {
        "id": "en-002",
        "lang": "en",
        "actors": [],
        "venues": ["abu-dhabi"],
        "meetings": [],
        "alert": False,
    },
]

PRED = [
    {
        "id": "pl-001",
        "actors": ["witkoff"],
        "venues": ["moscow", "kyiv"],
        "meetings": [
            {"venue": "moscow", "date": "2026-02-01", "status": "cancelled", "tentative": True},
            {"venue": "miami", "date": "2026-01-30", "status": "held", "tentative": False},
        ],
        "alert": True,
    },
    {
        "id": "en-002",
        "actors": [],
        "venues": ["abu-dhabi"],
        "meetings": [{"venue": "abu-dhabi", "date": None, "status": "upcoming"}],
        "alert": True,
    },
]


def test_field_counts() -> None:
    report = evaluate(GOLD, PRED).overall
    assert (report.fields["actors"].tp, report.fields["actors"].fn) == (1, 1)
    assert (report.fields["venues"].tp, report.fields["venues"].fp) == (2, 1)
    meetings = report.fields["meetings"]
    assert (meetings.tp, meetings.fp, meetings.fn) == (1, 2, 1)
    assert meetings.precision == pytest.approx(1 / 3)
    assert meetings.recall == pytest.approx(1 / 2)
    by_venue = report.fields["meetings_venue"]
    assert (by_venue.tp, by_venue.fp, by_venue.fn) == (2, 1, 0)
    dates = report.fields["dates"]
    assert (dates.tp, dates.fp, dates.fn) == (1, 1, 0)
    assert (report.alert.tp, report.alert.fp, report.alert.fn) == (1, 1, 0)
    # status/tentative only on the meeting paired by venue and day
    assert (report.status.right, report.status.total) == (0, 1)
    assert (report.tentative.right, report.tentative.total) == (1, 1)


def test_per_language_and_missing_predictions() -> None:
    report = evaluate([*GOLD, {"id": "ru-003", "meetings": [], "alert": False}], PRED)
    assert sorted(report.by_lang) == ["en", "pl", "ru"]
    assert report.by_lang["en"].alert.fp == 1
    assert report.missing == ["ru-003"]
    text = format_report(report)
    assert "== overall (3 articles)" in text and "missing predictions" in text


def test_perfect_prediction_scores_one() -> None:
    report = evaluate(GOLD, GOLD).overall
    for counts in report.fields.values():
        assert counts.f1 == 1.0
    assert report.status.value == 1.0


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot")
    sub = parser.add_subparsers()
    extract_cli.register(sub)
    eval_cli.register(sub)
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.func(args))


CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
ARTICLES = [
    {
        "id": "a1",
        "published": "2026-01-28",
        "title": "Talks in Geneva",
        "text": "Witkoff will meet Umerov in Geneva on 4 February.",
    },
    {"id": "a2", "published": None, "title": "Weather", "text": "Rain in Miami."},
]


def test_extract_then_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    out = tmp_path / "out.jsonl"
    argv = ["extract", "--input", str(source), "--output", str(out), "--config", str(CONFIG_DIR)]
    assert _run(argv) == 0
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [p["id"] for p in lines] == ["a1", "a2"]
    first = lines[0]
    assert first["alert"] is True
    assert first["meetings"][0]["venue"] == "geneva"
    assert first["meetings"][0]["date"] == "2026-02-04"
    for key in ("date_end", "status", "tentative", "previous_date", "previous_venue"):
        assert key in first["meetings"][0]
    assert lines[1]["meetings"] == [] and lines[1]["alert"] is False

    gold = [
        {
            **ARTICLES[0],
            "lang": "en",
            "actors": ["witkoff", "umerov"],
            "venues": ["geneva"],
            "meetings": [
                {"venue": "geneva", "date": "2026-02-04", "status": "upcoming", "tentative": False}
            ],
            "alert": True,
        },
        {
            **ARTICLES[1],
            "lang": "en",
            "actors": [],
            "venues": ["miami"],
            "meetings": [],
            "alert": False,
        },
    ]
    gold_path = _write_jsonl(tmp_path / "gold.jsonl", gold)
    capsys.readouterr()
    assert _run(["eval", "--gold", str(gold_path), "--pred", str(out), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["overall"]["meetings"]["f1"] == 1.0
    assert scores["overall"]["alert"]["precision"] == 1.0
    argv = ["eval", "--gold", str(gold_path), "--extract", "--config", str(CONFIG_DIR)]
    assert _run(argv) == 0
    assert "== overall (2 articles)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "in.jsonl:2: not valid JSON"),
        ("[1, 2]", "in.jsonl:2: expected a JSON object"),
        ('{"title": "x", "text": "y"}', "in.jsonl:2: missing 'id'"),
        ('{"id": 1, "published": "yesterday", "title": "", "text": ""}', "in.jsonl:2: 'published'"),
    ],
)
def test_malformed_line_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ARTICLES[0]) + "\n" + line + "\n", "utf-8")
    argv = [
        "extract",
        "--input",
        str(source),
        "--output",
        str(tmp_path / "o.jsonl"),
        "--config",
        str(CONFIG_DIR),
    ]
    assert _run(argv) == 2
    assert message in capsys.readouterr().err
    # the lines before the bad one were extracted and written
    written = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text("utf-8").splitlines()]
    assert [p["id"] for p in written] == ["a1"]


def test_extract_writes_every_article_in_input_order(tmp_path: Path) -> None:
    """More articles than one batch (extract_cli.BATCH_SIZE), in input order."""
    count = extract_cli.BATCH_SIZE * 2 + 3
    records = [
        {**ARTICLES[i % 2], "id": f"n{i}", "text": f"{ARTICLES[i % 2]['text']} ({i})"}
        for i in range(count)
    ]
    source = _write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    argv = ["extract", "--input", str(source), "--output", str(out), "--config", str(CONFIG_DIR)]
    assert _run(argv) == 0
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [p["id"] for p in lines] == [f"n{i}" for i in range(count)]
    assert [p["alert"] for p in lines] == [i % 2 == 0 for i in range(count)]


def test_summary_has_one_row_per_language_then_overall() -> None:
    report = evaluate([*GOLD, {"id": "ru-003", "meetings": [], "alert": False}], PRED)
    rows = format_report(report).splitlines()
    assert rows[0].split()[:3] == ["lang", "articles", "actors"]
    assert [row.split()[0] for row in rows[1:5]] == ["en", "pl", "ru", "overall"]
