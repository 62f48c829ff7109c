"""Settings from the environment and .env: defaults, parsing and one-line errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_DATABASE_PATH,
    VARIABLES,
    ConfigError,
    Settings,
    load_settings,
    settings_from_mapping,
)

TOKEN = "fake-token-for-tests-" + "a1" * 20
OTHER_TOKEN = "other-fake-token-for-tests-" + "b2" * 20


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def config_error(values: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(values)
    return str(caught.value)


def test_defaults_when_nothing_is_set() -> None:
    settings = settings_from_mapping({})
    assert settings == Settings()
    assert settings.discord_token is None
    assert settings.database_path == DEFAULT_DATABASE_PATH == Path("data/reviews.db")
    assert settings.command_prefix == "!"
    assert settings.prefix_commands_enabled
    assert settings.owner_ids == frozenset()
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.log_level_number == logging.INFO


def test_blank_values_count_as_unset() -> None:
    values = {name: "   " for name in VARIABLES if name != "COMMAND_PREFIX"}
    values["DISCORD_TOKEN"] = ""
    assert settings_from_mapping(values) == Settings()


def test_every_variable_is_parsed() -> None:
    settings = settings_from_mapping(
        {
            "DISCORD_TOKEN": f"  {TOKEN}  ",
            "DATABASE_PATH": "/srv/reviewbot/reviews.db",
            "COMMAND_PREFIX": " ?? ",
            "OWNER_IDS": "123456789012345678, 234567890123456789;345678901234567890",
            "DEV_GUILD_ID": " 456789012345678901 ",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.discord_token == TOKEN
    assert settings.database_path == Path("/srv/reviewbot/reviews.db")
    assert settings.command_prefix == "??"
    assert settings.owner_ids == frozenset(
        {123456789012345678, 234567890123456789, 345678901234567890}
    )
    assert settings.dev_guild_id == 456789012345678901
    assert settings.log_level == "DEBUG"
    assert settings.log_level_number == logging.DEBUG


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "warning"])
def test_every_log_level_name_is_accepted(level: str) -> None:
    settings = settings_from_mapping({"LOG_LEVEL": level})
    assert settings.log_level == level.upper()
    assert settings.log_level_number == getattr(logging, level.upper())


def test_empty_command_prefix_switches_prefix_commands_off() -> None:
    settings = settings_from_mapping({"COMMAND_PREFIX": ""})
    assert settings.command_prefix == ""
    assert not settings.prefix_commands_enabled


def test_owner_ids_ignore_empty_entries() -> None:
    assert settings_from_mapping({"OWNER_IDS": ",123456789012345678,, ;"}).owner_ids == {
        123456789012345678
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEV_GUILD_ID", "abc"),
        ("DEV_GUILD_ID", "0"),
        ("DEV_GUILD_ID", "-123456789012345678"),
        ("DEV_GUILD_ID", "1234.5"),
        ("DEV_GUILD_ID", "123 456"),
        ("DEV_GUILD_ID", "0x1f"),
        ("OWNER_IDS", "123456789012345678, abc"),
        ("OWNER_IDS", "0"),
        ("OWNER_IDS", "@someone"),
        ("OWNER_IDS", "123456789012345678 234567890123456789"),
        ("LOG_LEVEL", "verbose"),
        ("LOG_LEVEL", "WARN"),
        ("LOG_LEVEL", "10"),
        ("DISCORD_TOKEN", "short"),
        ("DISCORD_TOKEN", "a token with spaces that is long enough"),
        ("COMMAND_PREFIX", "toolong"),
    ],
)
def test_malformed_value_gives_a_one_line_error_naming_the_variable(name: str, value: str) -> None:
    message = config_error({name: value})
    assert name in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEV_GUILD_ID", "¹²³"), ("OWNER_IDS", "123456789012345678,²")],
)
def test_superscript_digits_in_ids_give_a_config_error(name: str, value: str) -> None:
    # Regression: str.isdigit() accepts superscript digits, which int() rejects
    # with a bare ValueError instead of a ConfigError naming the variable.
    message = config_error({name: value})
    assert name in message


@pytest.mark.parametrize("value", ["1" * 21, "9" * 5000])
def test_ids_longer_than_a_snowflake_give_a_config_error(value: str) -> None:
    # A snowflake is 64 bits (at most 20 digits); 5000 digits would also pass
    # int()'s digit limit and raise a bare ValueError.
    assert "DEV_GUILD_ID" in config_error({"DEV_GUILD_ID": value})


def test_token_error_does_not_echo_the_secret() -> None:
    secret = "not a token but secret"
    message = config_error({"DISCORD_TOKEN": secret})
    assert secret not in message
    assert "discord.com/developers" in message


def test_snowflake_error_shows_the_bad_value_and_how_to_fix_it() -> None:
    message = config_error({"DEV_GUILD_ID": "guild"})
    assert "'guild'" in message
    assert ".env" in message


def test_with_database_overrides_only_when_given() -> None:
    settings = Settings()
    assert settings.with_database(None) is settings
    assert settings.with_database(Path("x.db")).database_path == Path("x.db")
    assert settings.database_path == DEFAULT_DATABASE_PATH


def test_env_file_values_are_used(tmp_path: Path, clean_environment: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DISCORD_TOKEN={TOKEN}\nDEV_GUILD_ID=456789012345678901\n"
        'OWNER_IDS="1, 2"\nLOG_LEVEL=warning\nCOMMAND_PREFIX=?\n',
        encoding="utf-8",
    )
    settings = load_settings(env_file)
    assert settings.discord_token == TOKEN
    assert settings.dev_guild_id == 456789012345678901
    assert settings.owner_ids == frozenset({1, 2})
    assert settings.log_level == "WARNING"
    assert settings.command_prefix == "?"


def test_environment_wins_over_env_file(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DISCORD_TOKEN={TOKEN}\nLOG_LEVEL=DEBUG\nDEV_GUILD_ID=1\n", encoding="utf-8"
    )
    clean_environment.setenv("DISCORD_TOKEN", OTHER_TOKEN)
    clean_environment.setenv("LOG_LEVEL", "ERROR")
    settings = load_settings(env_file)
    assert settings.discord_token == OTHER_TOKEN
    assert settings.log_level == "ERROR"
    assert settings.dev_guild_id == 1  # not overridden, so the file's value stays


def test_environment_can_fix_a_bad_value_in_the_env_file(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=loud\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load_settings(env_file)
    clean_environment.setenv("LOG_LEVEL", "info")
    assert load_settings(env_file).log_level == "INFO"


def test_missing_env_file_means_environment_only(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("OWNER_IDS", "42")
    assert load_settings(tmp_path / "absent.env").owner_ids == frozenset({42})
    assert load_settings(None).owner_ids == frozenset({42})


def test_default_env_file_is_read_from_the_working_directory(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("DATABASE_PATH=elsewhere.db\n", encoding="utf-8")
    clean_environment.chdir(tmp_path)
    assert load_settings().database_path == Path("elsewhere.db")


def test_env_file_key_without_value_is_ignored(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("COMMAND_PREFIX\nDEV_GUILD_ID\n", encoding="utf-8")
    settings = load_settings(env_file)
    assert settings.command_prefix == "!"
    assert settings.dev_guild_id is None


def test_bad_env_file_value_error_names_the_variable(
    tmp_path: Path, clean_environment: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEV_GUILD_ID=my-server\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="DEV_GUILD_ID") as caught:
        load_settings(env_file)
    assert "\n" not in str(caught.value)


def test_env_example_documents_every_variable() -> None:
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    documented = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert documented == set(VARIABLES)


def test_database_url_selects_postgresql_and_with_database_switches_back() -> None:
    url = "postgresql://reviewbot@db.example/reviewbot"
    settings = settings_from_mapping({"DATABASE_URL": url, "DATABASE_POOL_SIZE": "25"})
    assert settings.database == url
    assert settings.database_pool_size == 25
    assert settings.with_database(Path("x.db")).database == Path("x.db")
    assert Settings().with_database("postgres://h/d").database == "postgres://h/d"
    assert Settings().database == DEFAULT_DATABASE_PATH


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a PostgreSQL URL"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be a whole number from 1"),
        ({"DATABASE_POOL_SIZE": "1" + "0" * 30}, "DATABASE_POOL_SIZE must be a whole number"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT must be a whole number"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,4"}, "from 0 to 3 (SHARD_COUNT is 4), got '4'"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,1"}, "SHARD_IDS must list each shard once"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": ","}, "SHARD_IDS must list each shard once"),
    ],
)
def test_malformed_database_and_shard_settings_are_one_line_errors(
    values: dict[str, str], message: str
) -> None:
    assert message in config_error(values)


def test_shards_split_across_processes() -> None:
    settings = settings_from_mapping({"SHARD_COUNT": "4", "SHARD_IDS": " 3, 2 "})
    assert settings.shard_count == 4
    assert settings.shard_ids == (2, 3)
    assert settings_from_mapping({"SHARD_COUNT": "4"}).shard_ids is None


def test_observability_settings_default_to_off_on_this_machine_and_readable_logs() -> None:
    settings = settings_from_mapping({})
    assert settings.metrics_port is None
    assert settings.metrics_host == "127.0.0.1"
    assert settings.log_format == "text"


@pytest.mark.parametrize("host", ["0.0.0.0", "::1", "10.1.2.3", "localhost", "metrics.internal"])
def test_metrics_port_and_host_are_parsed(host: str) -> None:
    settings = settings_from_mapping(
        {"METRICS_PORT": " 9108 ", "METRICS_HOST": f" {host} ", "LOG_FORMAT": "JSON"}
    )
    assert settings.metrics_port == 9108
    assert settings.metrics_host == host
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"METRICS_PORT": "0"}, "METRICS_PORT must be a whole number from 1 to 65535, got '0'"),
        ({"METRICS_PORT": "65536"}, "METRICS_PORT must be a whole number from 1 to 65535"),
        ({"METRICS_PORT": "http"}, "METRICS_PORT must be a whole number"),
        ({"METRICS_HOST": "0.0.0.0"}, "METRICS_HOST needs METRICS_PORT"),
        ({"METRICS_PORT": "9108", "METRICS_HOST": "a b"}, "METRICS_HOST must be an IP address"),
        ({"METRICS_PORT": "9108", "METRICS_HOST": "-x.example"}, "got '-x.example'"),
        ({"METRICS_PORT": "9108", "METRICS_HOST": "http://h"}, "METRICS_HOST must be an IP"),
        ({"LOG_FORMAT": "yaml"}, "LOG_FORMAT must be text or json, got 'yaml'"),
    ],
)
def test_malformed_observability_settings_are_one_line_errors(
    values: dict[str, str], message: str
) -> None:
    error = config_error(values)
    assert message in error
    assert "\n" not in error
