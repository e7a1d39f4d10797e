"""The compiled build (setup.py, ``TALKWATCH_COMPILE=1``): the extraction core as mypyc
extension modules extracts exactly what the Python sources extract.

The wheel is built the way the Docker image builds it, from a copy of the sources (the
checkout stays clean), but with the C compiler's optimisation off
(``TALKWATCH_COMPILE_OPT=0``: mypyc generates the same C; only how fast it runs differs,
which the benchmark measures), installed into a folder of its own and put first on the path
of subprocesses (``python -P``: the current directory's sources are not). Needs a C
compiler and mypy (a dev extra); skipped, saying which is missing, without them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE_FILES = ("bot/langdetect.py", "bot/match/matcher.py", "bot/extract/statements.py")
# Tests of the extraction core, run again on the compiled build. The one left out counts
# calls between two functions of a module through monkeypatching: compiled modules
# call each other natively, so there is nothing to count.
CORE_TESTS = (
    "tests/test_language_sentences.py",
    "tests/test_dates.py",
    "tests/test_places.py",
    "tests/test_status.py",
    "tests/test_extract.py",
    "tests/test_match.py",
    "tests/test_match_scripts.py",
    "tests/test_lexicons.py",
    "tests/test_langdetect.py",
)
NOT_FOR_COMPILED = "tests/test_match.py::test_each_line_is_read_once_for_headline_style"
BUILD_TIMEOUT = 1200

# Extracts the benchmark's synthetic articles (8 languages, every rule stage) and prints
# one JSON line per article; run once on the sources and once on the compiled build.
EXTRACT_SCRIPT = """
import json, sys
from dataclasses import asdict
sys.path.insert(0, sys.argv[1])
import extract as bench
extractor = bench._extractor()
for title, text, published, _ in bench.make_articles(400, seed=5, talks_share=0.8):
    found = extractor.extract(title, text, published)
    print(json.dumps({"lang": found.lang, "actors": found.actors, "venues": found.venues,
                      "meetings": [asdict(m) for m in found.meetings]}, default=str))
"""


def _missing_tool() -> str | None:
    try:
        import mypyc.build  # noqa: F401
    except ImportError:
        return "mypy (with mypyc) is not installed: pip install -e '.[dev]'"
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler}) to build the compiled extraction core"
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.exists():
        return f"no Python headers ({headers}) to build the compiled extraction core"
    return None


@pytest.fixture(scope="module")
def compiled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = _missing_tool()
    if missing:
        pytest.skip(missing)
    work = tmp_path_factory.mktemp("compiled")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.pyd")
    shutil.copytree(REPO / "config", source / "config", ignore=ignore)
    shutil.copytree(REPO / "bot", source / "bot", symlinks=True, ignore=ignore)
    # the C compiler's quickest level: the generated code is the same, built in half the time
    env = {**os.environ, "TALKWATCH_COMPILE": "1", "TALKWATCH_COMPILE_OPT": "0"}
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(work / "dist"), str(source)],
        env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("*.whl")
    site = work / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
         str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    return site


def _run(site: Path | None, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-P", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def test_the_core_modules_are_extension_modules(compiled_site: Path) -> None:
    modules = [f.removesuffix(".py").replace("/", ".") for f in CORE_FILES]
    probe = (
        "import importlib, json; "
        f"print(json.dumps([importlib.import_module(m).__file__ for m in {modules}]))"
    )
    result = _run(compiled_site, "-c", probe)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)
    assert all(str(compiled_site) in f and not f.endswith(".py") for f in files), files


def test_the_core_tests_pass_on_the_compiled_build(compiled_site: Path) -> None:
    result = _run(
        compiled_site, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
        "--deselect", NOT_FOR_COMPILED, *CORE_TESTS, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout.splitlines()[-1]


def test_the_compiled_build_extracts_what_the_sources_extract(compiled_site: Path) -> None:
    bench = str(REPO / "bench")
    compiled = _run(compiled_site, "-c", EXTRACT_SCRIPT, bench)
    sources = _run(None, "-c", EXTRACT_SCRIPT, bench)
    assert compiled.returncode == 0, compiled.stderr[-3000:]
    assert sources.returncode == 0, sources.stderr[-3000:]
    rows = compiled.stdout.splitlines()
    assert len(rows) == 400
    assert sum(bool(json.loads(r)["meetings"]) for r in rows) > 200  # the rules did run
    assert rows == sources.stdout.splitlines()


def test_a_compiled_editable_install_is_refused() -> None:
    """Extension modules beside their sources would shadow every later edit."""
    run = (
        "import sys; sys.argv = ['setup.py', 'editable_wheel']; "
        "exec(compile(open('setup.py').read(), 'setup.py', 'exec'))"
    )
    env = {**os.environ, "TALKWATCH_COMPILE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", run], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not an editable one" in lines[0], result.stderr
