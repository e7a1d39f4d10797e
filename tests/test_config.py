from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, secrets_from_env

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config"


def write_config(
    tmp_path: Path, settings: str = "", feeds: str | None = None, watchlist: str | None = None
) -> Path:
    (tmp_path / "settings.toml").write_text(settings, encoding="utf-8")
    (tmp_path / "feeds.toml").write_text(
        feeds if feeds is not None else '[[feed]]\nid = "a"\nurl = "demo/a.xml"\n',
        encoding="utf-8",
    )
    (tmp_path / "watchlist.yaml").write_text(
        watchlist
        if watchlist is not None
        else "actors:\n  witkoff: {name: Steve Witkoff, aliases: [Witkoff]}\n"
        "venues:\n  miami: {name: Miami}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_shipped_configuration_is_valid() -> None:
    config = load_config(REPO_CONFIG, env={})
    assert config.feeds, "the shipped defaults must poll the demo feeds"
    ids = {e.id for e in config.watchlist.entities()}
    expected = {
        "witkoff",
        "kushner",
        "dmitriev",
        "umerov",
        "ushakov",
        "rubio",
        "driscoll",
        "peskov",
        "budanov",
        "bessent",
        "gruenbaum",
        "putin",
        "zelensky",
        "trump",
        "abu-dhabi",
        "miami",
        "moscow",
        "geneva",
        "istanbul",
        "riyadh",
        "jeddah",
        "berlin",
        "brussels",
        "washington",
        "kyiv",
        "davos",
        "budapest",
        "anchorage",
        "mar-a-lago",
        "paris",
        "doha",
    }
    assert expected <= ids
    for feed in config.feeds:
        location = config.feed_location(feed)
        if location.startswith("file:"):
            assert Path(location.removeprefix("file://")).exists(), location


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        (
            "settings.toml",
            "[polling]\nmax_redirects = 99\n",
            ["settings.toml", "polling.max_redirects"],
        ),
        ("settings.toml", "[polling]\nbogus = 1\n", ["settings.toml", "polling.bogus"]),
        ("settings.toml", "[polling\n", ["settings.toml", "not valid TOML"]),
        ("feeds.toml", '[[feed]]\nid = "a"\nurl = "gopher://x"\n', ["feeds.toml", "feed.0.url"]),
        ("feeds.toml", '[[feed]]\nid = "bad id!"\nurl = "x.xml"\n', ["feeds.toml", "feed.0.id"]),
        (
            "feeds.toml",
            '[[feed]]\nid = "a"\nurl = "x"\n[[feed]]\nid = "a"\nurl = "y"\n',
            ["feeds.toml", "unique", "'a'"],
        ),
        ("watchlist.yaml", "actors: {}\n", ["watchlist.yaml", "venues", "Field required"]),
        (
            "watchlist.yaml",
            "actors:\n  Bad Id: {name: X}\nvenues: {}\n",
            ["watchlist.yaml", "Bad Id"],
        ),
        ("watchlist.yaml", "actors: [\n", ["watchlist.yaml", "not valid YAML"]),
    ],
)
def test_errors_name_file_key_and_problem(
    tmp_path: Path, file: str, content: str, expected: list[str]
) -> None:
    write_config(tmp_path)
    (tmp_path / file).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, env={})
    for fragment in expected:
        assert fragment in str(info.value)


def test_environment_overrides_files(tmp_path: Path) -> None:
    write_config(tmp_path, settings="[polling]\ndefault_interval_seconds = 300\n")
    env = {
        "BOT_POLLING_DEFAULT_INTERVAL_SECONDS": "42",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
        "SLACK_HTTP_PORT": "3999",
        "DATABASE_URL": "sqlite+aiosqlite:///elsewhere.db",
    }
    config = load_config(tmp_path, env=env)
    assert config.settings.polling.default_interval_seconds == 42
    assert config.settings.telegram.api_base_url == "http://127.0.0.1:9/bot"
    assert config.settings.slack.http_port == 3999
    assert config.database_url == "sqlite+aiosqlite:///elsewhere.db"


def test_relative_feed_paths_resolve_against_config_dir(tmp_path: Path) -> None:
    write_config(tmp_path)
    config = load_config(tmp_path, env={})
    assert config.feed_location(config.feeds[0]) == (tmp_path / "demo/a.xml").resolve().as_uri()


def test_secrets_come_from_environment_and_never_print() -> None:
    secrets = secrets_from_env({"TELEGRAM_BOT_TOKEN": "123456:SECRETVALUE", "SLACK_BOT_TOKEN": " "})
    assert secrets.telegram_bot_token == "123456:SECRETVALUE"
    assert secrets.slack_bot_token is None
    assert "SECRETVALUE" not in repr(secrets)
    assert secrets.values() == ("123456:SECRETVALUE",)


def test_watchlist_aliases_per_language(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        watchlist="actors:\n  rubio:\n    name: Marco Rubio\n    aliases:\n      '*': [Rubio]\n"
        "      ru: [Рубио]\nvenues: {}\n",
    )
    entity = load_config(tmp_path, env={}).watchlist.get("rubio")
    assert entity is not None
    assert entity.aliases == {"*": ("Rubio",), "ru": ("Рубио",)}
    assert entity.all_aliases() == ("Marco Rubio", "Rubio", "Рубио")
