"""The Dockerfile, .dockerignore and compose.yaml, read the way Docker reads them.

No Docker engine is needed: the Dockerfile is parsed into instructions and checked for
the layer order (dependencies before code), the pins and the volumes.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / "deploy" / "constraints.txt"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))


def _index(steps: list[tuple[str, str]], keyword: str, pattern: str) -> int:
    for i, (kw, args) in enumerate(steps):
        if kw == keyword and re.search(pattern, args):
            return i
    raise AssertionError(f"no {keyword} matching {pattern!r}")


def _copies(steps: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """The COPY instructions from the build context (not those from another stage)."""
    out = []
    for kw, args in steps:
        words = shlex.split(args)
        if kw == "COPY" and not any(w.startswith("--from") for w in words):
            parts = [p for p in words if not p.startswith("--")]
            out.append((parts[:-1], parts[-1]))
    return out


def stages(steps: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage (each starts with its FROM)."""
    result: list[list[tuple[str, str]]] = []
    for step in steps:
        if step[0] == "FROM":
            result.append([])
        result[-1].append(step)
    return result


def test_base_images_are_one_image_pinned_to_a_patch_release(
    dockerfile: list[tuple[str, str]],
) -> None:
    images = {args.split()[0] for kw, args in dockerfile if kw == "FROM"}
    (image,) = images  # the build stage compiles for the very Python the image runs
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim(-\w+)?", image), image


def test_dependencies_are_a_layer_before_the_code(dockerfile: list[tuple[str, str]]) -> None:
    build, image = stages(dockerfile)
    for stage in (build, image):
        copy_manifest = _index(stage, "COPY", r"pyproject\.toml")
        copy_sources, dest = _copies(stage)[0]
        assert sorted(copy_sources) == ["deploy/constraints.txt", "pyproject.toml"], (
            "the first COPY brings only what the dependency layer needs"
        )
        assert dest == "./"
        install_deps = _index(stage, "RUN", r"pip install -c constraints\.txt")
        assert copy_manifest < install_deps
    assert (
        _index(build, "RUN", r"pip install -c constraints\.txt")
        < _index(build, "COPY", r"^bot\b")
        < _index(build, "RUN", r"TALKWATCH_COMPILE=1 pip wheel")
    )
    assert (
        _index(image, "RUN", r"pip install -c constraints\.txt")
        < _index(image, "COPY", r"--from=build /wheels")
        < _index(image, "RUN", r"pip install --no-deps /wheels/")
    )


def test_the_image_holds_the_compiled_build_without_its_tools(
    dockerfile: list[tuple[str, str]],
) -> None:
    build, image = stages(dockerfile)
    assert build[0][1].endswith(" AS build")
    assert any(kw == "RUN" and "apt-get install" in args and "gcc" in args for kw, args in build)
    assert not any("gcc" in args or "mypy" in args for _, args in image)
    assert not any(kw == "COPY" and re.search(r"^bot\b", args) for kw, args in image)


def test_constraints_pin_every_dependency_within_its_range() -> None:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not a pin: {line!r}"
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    needed = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    for spec in needed:
        req = Requirement(spec)
        pinned = pins.get(canonicalize_name(req.name))
        assert pinned, f"{req.name} is not pinned: run deploy/freeze_constraints.py"
        assert req.specifier.contains(pinned, prereleases=True), f"{req.name}=={pinned} vs {spec}"


def test_config_volume_data_volume_and_user(dockerfile: list[tuple[str, str]]) -> None:
    env = " ".join(args for kw, args in dockerfile if kw == "ENV")
    assert "BOT_CONFIG_DIR=/config" in env
    assert "BOT_GENERAL_DATABASE=/data/" in env
    assert (["config"], "/config") in _copies(dockerfile)  # the demo, until you mount yours
    assert ("VOLUME", '["/data"]') in dockerfile
    assert not any(kw == "VOLUME" and "/config" in args for kw, args in dockerfile)
    users = [args for kw, args in dockerfile if kw == "USER"]
    assert users and users[-1] not in ("root", "0")
    _index(dockerfile, "HEALTHCHECK", r'"bot", "health"')
    assert dockerfile[-2:] == [("ENTRYPOINT", '["bot"]'), ("CMD", '["run"]')]


def _ignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and line[0] != "#"]


def _ignored(path: str, patterns: list[str]) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatch(prefix.split("/")[-1], bare)
            ):
                return True
    return False


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git",
        ".pytest_cache/x",
        ".mypy_cache/x",
        ".ruff_cache/x",
        "bot/__pycache__/app.cpython-311.pyc",
        "data/talkwatch.sqlite3",
        "talkwatch.env",
        "talkwatch-config/feeds.toml",
        "tests/test_cli.py",
        "x.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert _ignored(path, _ignore_patterns())


def test_dockerignore_keeps_what_the_image_copies(dockerfile: list[tuple[str, str]]) -> None:
    patterns = _ignore_patterns()
    for sources, _ in _copies(dockerfile):
        for source in sources:
            assert (REPO / source).exists(), source
            assert not _ignored(source, patterns), source
    for path in (REPO / "bot").rglob("*.py"):
        if "__pycache__" not in path.parts:
            assert not _ignored(path.relative_to(REPO).as_posix(), patterns), path


def test_compose_runs_the_bot_with_config_and_data_volumes() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"talkwatch"}  # no database service yet
    service = compose["services"]["talkwatch"]
    assert service["build"] == "."
    volumes = service["volumes"]
    assert any(v.endswith(":/config:ro") for v in volumes), volumes
    data = [v.split(":")[0] for v in volumes if v.split(":")[1] == "/data"]
    assert data and data[0] in compose["volumes"]
    assert service["env_file"]
    assert "postgres" not in yaml.safe_dump(compose).lower()
