"""docs/setup.md names every environment variable the code reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pydantic import BaseModel

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]
SETUP = REPO / "docs" / "setup.md"
# Names in these namespaces are environment variables wherever they appear in the code.
ENV_PREFIXES = ("TELEGRAM_", "SLACK_", "BOT_", "DATABASE_", "LOG_", "PTB_")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def _env_reads(node: ast.AST) -> str | None:
    """The name in ``os.environ[X]``, ``os.environ.get(X)``, ``os.getenv(X)``, ``env.get(X)``."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        target = ast.unparse(node.value)
        if target.endswith(("environ", "env")):
            return str(node.slice.value)
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = ast.unparse(node.func)
        if func.endswith(("environ.get", "environ.setdefault", "getenv", "env.get")):
            return str(node.args[0].value)
    return None


def variables_in_code() -> set[str]:
    names = set()
    for path in (REPO / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            read = _env_reads(node)
            if read and ENV_NAME.match(read):
                names.add(read)
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ENV_NAME.match(node.value)
                and node.value.startswith(ENV_PREFIXES)
            ):
                names.add(node.value)
    return names


def settings_overrides() -> set[str]:
    """``BOT_<SECTION>_<KEY>`` for every setting (bot.config._apply_env_overrides)."""
    names = set()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        names |= {f"BOT_{section}_{key}".upper() for key in model.model_fields}
    return names


def test_the_scan_sees_the_known_variables() -> None:
    found = variables_in_code()
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "DATABASE_URL",
        "BOT_CONFIG_DIR",
        "BOT_ALLOW_DEMO_TO_CHATS",
        "SLACK_HTTP_PORT",
    ):
        assert name in found


def test_setup_guide_names_every_environment_variable() -> None:
    text = SETUP.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", text))
    missing = sorted((variables_in_code() | settings_overrides()) - documented)
    assert not missing, f"docs/setup.md does not name: {missing}"
