"""Print pins for the Docker image: the runtime dependencies of talkwatch-bot as installed.

Run from the project's virtual environment after installing or upgrading dependencies:

    .venv/bin/python deploy/freeze_constraints.py > deploy/constraints.txt

Only what the installed package needs at run time is pinned (its dependencies, their
dependencies, and the extras asked for), plus the build tools the image uses to install
the package itself; test and lint tools stay out.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "talkwatch-bot"
# the image builds its wheel (mypyc, see setup.py) without build isolation
BUILD_TOOLS = ("setuptools", "wheel", "mypy")


def runtime_requirements(name: str, extras: frozenset[str]) -> list[Requirement]:
    """``name``'s requirements that apply here, with ``extras`` asked for."""
    wanted = []
    for line in distribution(name).requires or ():
        req = Requirement(line)
        if req.marker is None:
            wanted.append(req)
            continue
        if any(req.marker.evaluate({"extra": extra}) for extra in extras or {""}):
            wanted.append(req)
    return wanted


def closure(root: str) -> dict[str, str]:
    """Every distribution ``root`` needs at run time → its installed version."""
    pins: dict[str, str] = {}
    todo = [(root, frozenset[str]())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen:
            continue
        seen.add((canonicalize_name(name), extras))
        for req in runtime_requirements(name, extras):
            dist = distribution(req.name)
            pins[canonicalize_name(req.name)] = dist.version
            todo.append((req.name, frozenset(req.extras)))
    return pins


def main() -> int:
    try:
        pins = closure(PROJECT)
        for tool in BUILD_TOOLS:
            pins[canonicalize_name(tool)] = distribution(tool).version
            pins.update(closure(tool))
    except PackageNotFoundError as exc:
        print(
            f"not installed: {exc}; run from the project's venv (pip install -e '.[dev]')",
            file=sys.stderr,
        )
        return 1
    print(f"# Pins for the Docker image, from: python deploy/freeze_constraints.py ({PROJECT})")
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
