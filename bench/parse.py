"""Feed parsing: event-loop stalls and peak memory, on the loop, in a thread, in the worker.

Each (feed, way) pair runs in a fresh Python process (so peak RSS belongs to that pair
alone). A ticker on the event loop sleeps 5 ms at a time and records how late it wakes:
the largest lateness is how long a chat reply would have waited. Peak memory is the
process's ``ru_maxrss`` plus, for the worker, the worker process's ``VmHWM``.

Feeds (built in memory):
* ``quadratic``: one 100 KB entity referenced 10,000 times (~130 KB; ~1 GB expanded)
* ``huge``: 100,000 small items (~12 MB; the cap keeps 1,000)
* ``normal``: 1,000 items with 1 KB bodies (~1.3 MB)
* ``small``: a 15 KB feed (under the worker's 16 KiB threshold: parsed on the loop)

Ways: ``loop`` (parse_feed called on the event loop), ``thread`` (asyncio.to_thread),
``worker`` (bot.ingest.parseworker.ParseWorker, what the bot uses from 16 KiB).

    .venv/bin/python bench/parse.py [--quick]
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchlib import REPO_ROOT, Report, ms, peak_rss_mb

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def build(name: str) -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    if name == "quadratic":
        prolog = f'<!DOCTYPE rss [\n<!ENTITY big "{"x" * 100_000}">\n]>\n'
        items = (
            f"<item><guid>q</guid><title>Q</title><description>{'&big;' * 10_000}</description>"
            "</item>"
        )
        channel = f'<rss version="2.0"><channel><title>Q</title>{items}</channel></rss>'
        return (head + prolog + channel).encode()
    sizes = {"huge": (100_000, "b"), "normal": (1_000, "Talks " * 170), "small": (70, "b" * 100)}
    count, body = sizes[name]
    items = "".join(
        f"<item><guid>g{n}</guid><title>Witkoff meets Dmitriev {n}</title>"
        f"<link>https://n.example/{n}</link><description>{body}</description></item>"
        for n in range(count)
    )
    return (head + f'<rss version="2.0"><channel><title>W</title>{items}</channel></rss>').encode()


def worker_peak_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(feed: str, way: str) -> dict[str, float]:
    from bot.ingest.parse import parse_feed
    from bot.ingest.parseworker import ParseWorker

    body = build(feed)
    lateness = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal lateness
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            lateness = max(lateness, time.perf_counter() - started - 0.005)

    worker = ParseWorker()
    if way == "worker":  # start the process first: its start-up is not a parse
        await worker.parse(build("normal"), feed_id="warm", now=NOW)
    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    if way == "loop":
        parsed = parse_feed(body, feed_id="b", now=NOW, max_bytes=10**9)
    elif way == "thread":
        parsed = await asyncio.to_thread(parse_feed, body, feed_id="b", now=NOW, max_bytes=10**9)
    else:
        parsed = await worker.parse(body, feed_id="b", now=NOW, max_bytes=10**9)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.05)
    done.set()
    await tick
    process = worker._process
    extra = worker_peak_mb(process.pid if process is not None else None)
    await worker.close()
    return {
        "bytes": len(body),
        "items": len(parsed.items),
        "seconds": elapsed,
        "stall": lateness,
        "peak_mb": peak_rss_mb() + extra,
    }


def run_one(feed: str, way: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", feed, way],
        capture_output=True, text=True, check=True, cwd=REPO_ROOT,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(asyncio.run(measure(sys.argv[2], sys.argv[3]))))
        return 0
    quick = "--quick" in sys.argv
    report = Report("feed parsing: event-loop stall and peak memory")
    results: dict[tuple[str, str], dict[str, float]] = {}
    pairs = [
        (feed, way)
        for feed in ("quadratic", "huge", "normal", "small")
        for way in ("loop", "thread", "worker")
        if not (quick and way == "thread")
    ]
    for feed, way in pairs:
        got = results[(feed, way)] = run_one(feed, way)
        report.figure(
            f"{feed:<9} {way:<6}",
            f"{got['bytes'] / 1024:8.0f} KiB  {int(got['items']):5d} items  "
            f"parse {ms(got['seconds']):>10}  max stall {ms(got['stall']):>10}  "
            f"peak {got['peak_mb']:6.1f} MB",
        )
    quad = results[("quadratic", "worker")]
    report.target("quadratic entity: peak memory < 300 MB", f"{quad['peak_mb']:.0f} MB",
                  quad["peak_mb"] < 300)  # fmt: skip
    for feed in ("quadratic", "huge", "normal"):
        stall = results[(feed, "worker")]["stall"]
        report.target(f"{feed}: chat reply delayed < 1 s", ms(stall), stall < 1.0)
    small = results[("small", "loop")]["seconds"]
    report.target("a feed under 16 KiB parses on the loop in < 50 ms", ms(small), small < 0.05)
    report.print()
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
