"""Score predicted extractions against hand-labelled gold records (pure functions).

Records are JSON objects (docs/extraction.md, "Measuring"): ``id``,
``actors``, ``venues``, ``meetings`` (``venue``, ``date``, ``status``, ``tentative``…)
and ``alert``. Scores are micro-averaged over articles, overall and per language.

Fields:
- ``actors`` / ``venues``: the sets of ids per article.
- ``meetings``: (venue, start day) pairs; both must be right (null counts as a value,
  so an undated meeting at the right venue matches an undated gold meeting).
- ``meetings_venue``: venues of meetings only.
- ``dates``: the set of stated start days per article.
- ``alert``: the article-level flag.
Status and tentative accuracy are measured on the meetings paired by (venue, day).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SET_FIELDS = ("actors", "venues", "meetings", "meetings_venue", "dates")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Counter[Hashable], pred: Counter[Hashable]) -> None:
        common = sum((gold & pred).values())
        self.tp += common
        self.fp += sum(pred.values()) - common
        self.fn += sum(gold.values()) - common

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {"right": self.right, "total": self.total, "accuracy": round(self.value, 4)}


@dataclass
class Scores:
    articles: int = 0
    fields: dict[str, Counts] = field(default_factory=lambda: {f: Counts() for f in SET_FIELDS})
    alert: Counts = field(default_factory=Counts)
    status: Accuracy = field(default_factory=Accuracy)
    tentative: Accuracy = field(default_factory=Accuracy)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            **{name: counts.as_dict() for name, counts in self.fields.items()},
            "alert": self.alert.as_dict(),
            "status": self.status.as_dict(),
            "tentative": self.tentative.as_dict(),
        }


@dataclass
class Report:
    overall: Scores
    by_lang: dict[str, Scores]
    missing: list[str]  # gold ids with no prediction (scored as empty predictions)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "by_lang": {lang: s.as_dict() for lang, s in sorted(self.by_lang.items())},
            "missing_predictions": self.missing,
        }


def _meetings(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = record.get("meetings") or []
    return [m for m in value if isinstance(m, Mapping)]


def _key(meeting: Mapping[str, Any]) -> tuple[Any, Any]:
    return (meeting.get("venue"), meeting.get("date"))


def _alert(record: Mapping[str, Any]) -> bool:
    if "alert" in record:
        return bool(record["alert"])
    return any(
        m.get("status") in {"upcoming", "rescheduled", "postponed", "cancelled", "denied"}
        for m in _meetings(record)
    )


def language_of(record: Mapping[str, Any]) -> str:
    lang = record.get("lang")
    if isinstance(lang, str) and lang:
        return lang
    return str(record.get("id", "xx")).split("-", 1)[0] or "xx"


def score_pair(scores: Scores, gold: Mapping[str, Any], pred: Mapping[str, Any]) -> None:
    """Add one article's comparison to ``scores``."""
    scores.articles += 1
    g_meet, p_meet = _meetings(gold), _meetings(pred)
    pairs: dict[str, tuple[Iterable[Hashable], Iterable[Hashable]]] = {
        "actors": (set(gold.get("actors") or []), set(pred.get("actors") or [])),
        "venues": (set(gold.get("venues") or []), set(pred.get("venues") or [])),
        "meetings": ([_key(m) for m in g_meet], [_key(m) for m in p_meet]),
        "meetings_venue": ([m.get("venue") for m in g_meet], [m.get("venue") for m in p_meet]),
        "dates": (
            {m.get("date") for m in g_meet if m.get("date")},
            {m.get("date") for m in p_meet if m.get("date")},
        ),
    }
    for name, (g, p) in pairs.items():
        scores.fields[name].add(Counter(g), Counter(p))
    g_alert, p_alert = _alert(gold), _alert(pred)
    scores.alert.tp += int(g_alert and p_alert)
    scores.alert.fp += int(p_alert and not g_alert)
    scores.alert.fn += int(g_alert and not p_alert)
    unused = list(p_meet)
    for g in g_meet:
        match = next((p for p in unused if _key(p) == _key(g)), None)
        if match is None:
            continue
        unused.remove(match)
        scores.status.total += 1
        scores.status.right += int(match.get("status") == g.get("status"))
        scores.tentative.total += 1
        scores.tentative.right += int(bool(match.get("tentative")) == bool(g.get("tentative")))


def evaluate(gold: Iterable[Mapping[str, Any]], pred: Iterable[Mapping[str, Any]]) -> Report:
    """Score predictions (matched by ``id``) against gold records."""
    predictions = {str(p.get("id")): p for p in pred}
    overall = Scores()
    by_lang: dict[str, Scores] = {}
    missing: list[str] = []
    for record in gold:
        rid = str(record.get("id"))
        prediction = predictions.get(rid)
        if prediction is None:
            missing.append(rid)
            prediction = {"id": rid}
        score_pair(overall, record, prediction)
        score_pair(by_lang.setdefault(language_of(record), Scores()), record, prediction)
    return Report(overall=overall, by_lang=by_lang, missing=missing)


def summary_rows(report: Report) -> list[str]:
    """One row per language, then overall: the figures the targets are set on."""
    lines = [
        f"{'lang':<9}{'articles':>9}{'actors F1':>10}{'venues F1':>10}{'alert P':>8}"
        f"{'alert R':>8}{'meet F1':>8}{'status':>8}"
    ]
    for name, scores in [*sorted(report.by_lang.items()), ("overall", report.overall)]:
        fields = scores.fields
        lines.append(
            f"{name:<9}{scores.articles:>9}{fields['actors'].f1:>10.2f}"
            f"{fields['venues'].f1:>10.2f}{scores.alert.precision:>8.2f}"
            f"{scores.alert.recall:>8.2f}{fields['meetings'].f1:>8.2f}{scores.status.value:>8.2f}"
        )
    return lines


def format_report(report: Report) -> str:
    """A summary row per language, then the full table per language, then overall."""
    lines: list[str] = [*summary_rows(report), ""]
    header = f"{'field':<16}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"
    blocks = [*sorted(report.by_lang.items()), ("overall", report.overall)]
    for name, scores in blocks:
        lines.append(f"== {name} ({scores.articles} articles)")
        lines.append(header)
        for field_name, counts in [*scores.fields.items(), ("alert", scores.alert)]:
            lines.append(
                f"{field_name:<16}{counts.precision:>7.3f}{counts.recall:>7.3f}"
                f"{counts.f1:>7.3f}{counts.tp:>6}{counts.fp:>6}{counts.fn:>6}"
            )
        lines.append(
            f"{'status acc':<16}{scores.status.value:>7.3f}  ({scores.status.right}/"
            f"{scores.status.total} matched meetings)"
        )
        lines.append(
            f"{'tentative acc':<16}{scores.tentative.value:>7.3f}  ({scores.tentative.right}/"
            f"{scores.tentative.total})"
        )
        lines.append("")
    if report.missing:
        lines.append(
            f"missing predictions for {len(report.missing)} article(s): "
            + ", ".join(report.missing[:10])
        )
    return "\n".join(lines).rstrip() + "\n"
