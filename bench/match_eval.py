"""Score actor/venue mention matching against a labelled corpus, per language.

Usage:
    python bench/match_eval.py [CORPUS.jsonl] [--watchlist config/watchlist.yaml]
                               [--use-gold-lang] [--errors] [--speed]

Gold ``actors`` / ``venues`` are per-article id sets (title + text). Scores are micro
precision/recall/F1 over (article, id) pairs. The language is detected from the text
unless ``--use-gold-lang`` is given. ``--speed`` times the matcher on 2 KB texts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bot.config import load_watchlist  # noqa: E402
from bot.langdetect import detect_language  # noqa: E402
from bot.match import Matcher, actor_ids, venue_ids  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "dev.jsonl"
DEFAULT_WATCHLIST = REPO_ROOT / "config" / "watchlist.yaml"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, item_id: str, gold: Iterable[str], pred: Iterable[str]) -> None:
        g, p = set(gold), set(pred)
        self.tp += len(g & p)
        self.fp += len(p - g)
        self.fn += len(g - p)
        for miss in sorted(g - p):
            self.errors.append(f"{item_id}: missed {miss}")
        for extra in sorted(p - g):
            self.errors.append(f"{item_id}: spurious {extra}")

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def article_text(row: Mapping[str, Any]) -> str:
    return f"{row.get('title') or ''}\n{row.get('text') or ''}"


def evaluate(
    rows: list[dict[str, Any]], matcher: Matcher, use_gold_lang: bool = False
) -> dict[str, dict[str, Counts]]:
    """{"actors"|"venues": {lang or "ALL": Counts}}."""
    result: dict[str, dict[str, Counts]] = {
        "actors": defaultdict(Counts),
        "venues": defaultdict(Counts),
    }
    for row in rows:
        text = article_text(row)
        gold_lang = str(row.get("lang") or "?")
        lang = gold_lang if use_gold_lang else detect_language(text)
        mentions = matcher.find(text, lang)
        for field_name, pred in (("actors", actor_ids(mentions)), ("venues", venue_ids(mentions))):
            gold = row.get(field_name) or []
            result[field_name][gold_lang].add(str(row.get("id")), gold, pred)
            result[field_name]["ALL"].add(str(row.get("id")), gold, pred)
    return result


def speed(matcher: Matcher, rows: list[dict[str, Any]], seconds: float = 2.0) -> float:
    """Articles per second for ``find`` on texts padded/cut to about 2 KB."""
    texts: list[tuple[str, str]] = []
    for row in rows:
        text = article_text(row)
        while len(text) < 2048:
            text += "\n" + text
        texts.append((text[:2048], str(row.get("lang") or "en")))
    for text, lang in texts:  # warm the token cache like a long-running process
        matcher.find(text, lang)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text, lang in texts:
            matcher.find(text, lang)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--watchlist", type=Path, default=DEFAULT_WATCHLIST)
    ap.add_argument("--use-gold-lang", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list every miss and spurious id")
    ap.add_argument("--speed", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    rows = [
        json.loads(line)
        for line in args.corpus.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    start = time.perf_counter()
    matcher = Matcher(load_watchlist(args.watchlist))
    build = time.perf_counter() - start
    result = evaluate(rows, matcher, args.use_gold_lang)
    for field_name, per_lang in result.items():
        print(f"{field_name}:  lang    n_gold    P      R      F1")
        for lang in sorted(per_lang, key=lambda x: (x == "ALL", x)):
            c = per_lang[lang]
            p, r, f = c.prf()
            print(f"  {lang:>10} {c.tp + c.fn:6d}  {p:.3f}  {r:.3f}  {f:.3f}")
        if args.errors:
            for err in per_lang["ALL"].errors:
                print("    " + err)
    print(f"matcher build: {build * 1000:.1f} ms")
    if args.speed:
        print(f"matcher speed: {speed(matcher, rows):.0f} articles/s (2 KB, one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
