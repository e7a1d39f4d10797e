"""An installed wheel carries the shipped configuration: check-config works from anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("bot", "config", "pyproject.toml", "README.md")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_", "SLACK_"))}
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a wheel from a copy of the sources (offline) and install it into a folder."""
    if int(version("setuptools").split(".")[0]) < 69:
        pytest.skip("needs setuptools>=69 (pip install -e '.[dev]')")
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(path, src / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy(path, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root), "."], src)
    assert built.returncode == 0, built.stderr
    (wheel,) = root.glob("*.whl")
    site = root / "site"
    installed = _run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], root)
    assert installed.returncode == 0, installed.stderr
    return site


def test_check_config_outside_the_source_tree_finds_the_shipped_config(
    installed_wheel: Path, tmp_path: Path
) -> None:
    result = _run(
        [sys.executable, "-m", "bot", "check-config"], tmp_path, PYTHONPATH=str(installed_wheel)
    )
    assert result.returncode == 0, result.stderr
    shipped = installed_wheel / "bot" / "default_config"
    assert f"configuration: {shipped}  (valid)" in result.stdout
    feeds = sum(
        1
        for line in (REPO / "config" / "feeds.toml").read_text().splitlines()
        if line.strip() == "[[feed]]"
    )
    assert f"feeds:         {feeds} enabled" in result.stdout
    # Every shipped file made it into the wheel, demo feeds included.
    for path in (REPO / "config").rglob("*"):
        if path.is_file():
            assert (shipped / path.relative_to(REPO / "config")).is_file(), path


def test_bot_config_dir_chooses_the_configuration(tmp_path: Path) -> None:
    own = tmp_path / "mine"
    shutil.copytree(REPO / "config", own)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    result = _run([sys.executable, "-m", "bot", "check-config"], elsewhere, BOT_CONFIG_DIR=str(own))
    assert result.returncode == 0, result.stderr
    assert f"configuration: {own.resolve()}  (valid)" in result.stdout
