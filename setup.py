"""Build hook for the optional compiled build; everything else is in pyproject.toml.

``TALKWATCH_COMPILE=1 pip install --no-build-isolation .`` (with mypy and a C compiler
installed) compiles the extraction core (language detection, matching, extraction)
with mypyc: the same source, type-checked, as C extension modules, about 1.35x the
articles per second. Without the variable the package is pure Python. The Docker image
is the compiled build; ``tests/test_compiled_build.py`` checks it extracts the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

COMPILE_ENV = "TALKWATCH_COMPILE"
# The modules an article runs through, hot on every poll; nothing here imports the
# chat, HTTP, database or scheduler layers.
COMPILED = ("bot/langdetect.py", "bot/match/*.py", "bot/extract/*.py")


def compiled_modules() -> list[Any]:
    if os.environ.get(COMPILE_ENV, "") not in ("1", "true", "yes"):
        return []
    if "editable_wheel" in sys.argv:
        # compiled modules next to their sources would shadow every later edit
        raise SystemExit(
            f"{COMPILE_ENV}=1 is for a regular install (pip install --no-build-isolation .), "
            "not an editable one: unset it for pip install -e ."
        )
    try:
        from mypyc.build import mypycify
    except ImportError:
        raise SystemExit(
            f"{COMPILE_ENV}=1 needs mypy in the build environment: "
            "pip install mypy, then build with --no-build-isolation"
        ) from None
    root = Path(__file__).resolve().parent
    files = sorted(str(p.relative_to(root)) for pattern in COMPILED for p in root.glob(pattern))
    return list(mypycify(files, opt_level="3"))


setup(ext_modules=compiled_modules())
