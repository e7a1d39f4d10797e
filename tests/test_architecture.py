"""The layers' import rules, as a table: the core does no I/O, adapters do not reach the
store, and nothing imports a layer above its own.

Imports are read from the source (every ``import`` statement, at any depth, including
those inside functions and ``TYPE_CHECKING`` blocks), so a lazy import cannot hide a
dependency. Beside them, the rule that no function runs over about 80 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bot"

# Libraries that do I/O: the network, a database, a chat platform, a scheduler.
IO_LIBRARIES = frozenset(
    {
        "aiohttp",
        "aiosqlite",
        "alembic",
        "apscheduler",
        "httpcore",
        "httpx",
        "slack_bolt",
        "slack_sdk",
        "sqlalchemy",
        "telegram",
    }
)

# The core: understanding, the timeline, rendering and commands. Pure functions of
# their inputs, so they run the same in the bot, in replay and in benchmarks.
CORE = (
    "bot.models",
    "bot.text",
    "bot.backoff",
    "bot.timeline",
    "bot.extract",
    "bot.match",
    "bot.render",
    "bot.commands",
)

# (modules the rule covers, modules or libraries they must not import, why)
RULES: list[tuple[tuple[str, ...], tuple[str, ...], str]] = [
    (CORE, tuple(sorted(IO_LIBRARIES)), "the core does no I/O"),
    (
        CORE,
        ("bot.store", "bot.chat", "bot.app", "bot.pipeline", "bot.delivery", "bot.cli"),
        "the core does not reach outward layers",
    ),
    (("bot.chat",), ("bot.store", "bot.pipeline", "bot.app", "bot.cli"), "adapters stay adapters"),
    (
        ("bot.store",),
        ("bot.chat", "bot.app", "bot.pipeline", "bot.delivery", "bot.cli"),
        "the store knows no caller",
    ),
    (
        ("bot.ingest",),
        ("bot.store", "bot.chat", "bot.app", "bot.cli", "bot.pipeline", "bot.delivery"),
        "ingest knows no caller",
    ),
    (("bot.delivery",), ("bot.app", "bot.cli", "bot.pipeline"), "delivery knows no caller"),
    (("bot.pipeline",), ("bot.app", "bot.cli", "bot.chat"), "the pipeline knows no caller"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


MODULES = {
    module_name(path): imported_names(path)
    for path in sorted(PACKAGE.rglob("*.py"))
    if "migrations" not in path.parts
}


@pytest.mark.parametrize(("covered", "banned", "why"), RULES, ids=[r[2] for r in RULES])
def test_import_rule(covered: tuple[str, ...], banned: tuple[str, ...], why: str) -> None:
    broken = sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if within(module, covered)
        for name in names
        if within(name, banned)
    )
    assert not broken, f"{why}: " + "; ".join(broken)


def test_every_rule_covers_existing_modules() -> None:
    # a renamed package must not silently turn a rule into one that checks nothing
    for covered, _, why in RULES:
        for prefix in covered:
            assert any(within(module, (prefix,)) for module in MODULES), (why, prefix)


# Recording an item is the last stage of the chain fetch → parse → extract → store; only
# the pipeline calls it (replay goes through ``pipeline.record_arrival``), so the stages
# are chained in one place. The store defines it.
RECORDERS = ("bot.pipeline", "bot.store")


def called_methods(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def test_only_the_pipeline_chains_the_stages() -> None:
    callers = sorted(
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts
        and not within(module_name(path), RECORDERS)
        and "record_item" in called_methods(path)
    )
    assert not callers, f"record items through bot.pipeline, not in {callers}"


MAX_FUNCTION_LINES = 80


def test_no_function_is_over_eighty_lines() -> None:
    """Each function does one job: none of the package's functions (methods and nested
    ones included) runs over about 80 lines."""
    too_long: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    where = path.relative_to(PACKAGE.parent)
                    too_long.append(f"{where}:{node.lineno} {node.name} ({length} lines)")
    assert too_long == []
