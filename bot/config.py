"""Settings read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_DATABASE_PATH = Path("data/reviews.db")
# Every variable reviewbot reads (documented in .env.example and the README).
VARIABLES = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "COMMAND_PREFIX",
    "OWNER_IDS",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line a person can act on."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str | None = None
    database_path: Path = DEFAULT_DATABASE_PATH
    command_prefix: str = "!"
    owner_ids: frozenset[int] = frozenset()
    dev_guild_id: int | None = None
    log_level: str = "INFO"

    @property
    def prefix_commands_enabled(self) -> bool:
        """An empty prefix switches prefix commands (and the privileged intent) off."""
        return bool(self.command_prefix)

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))

    def with_database(self, path: Path | None) -> Settings:
        return self if path is None else replace(self, database_path=path)


def _parse_snowflake(name: str, text: str) -> int:
    # isascii(): str.isdigit() also accepts superscripts like "²", which int() rejects.
    # A snowflake is a 64-bit number, so at most 20 digits (and int() stays cheap).
    if not (text.isascii() and text.isdigit()) or len(text) > 20 or not 0 < int(text) < 2**64:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ConfigError(
            f"{name} must be a Discord id (a number like 123456789012345678), got {shown!r}; "
            "fix it in .env or the environment"
        )
    return int(text)


def _parse_owner_ids(text: str) -> frozenset[int]:
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    return frozenset(_parse_snowflake("OWNER_IDS", part) for part in parts)


def settings_from_mapping(values: Mapping[str, str | None]) -> Settings:
    """Build settings from a mapping of variable names; raises :class:`ConfigError`."""

    def get(name: str) -> str:
        return (values.get(name) or "").strip()

    token = get("DISCORD_TOKEN") or None
    if token is not None and (" " in token or len(token) < 20):
        raise ConfigError(
            "DISCORD_TOKEN does not look like a bot token; copy it from the Bot page of your "
            "application at https://discord.com/developers/applications into .env"
        )
    log_level = get("LOG_LEVEL").upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
    prefix = values.get("COMMAND_PREFIX")
    if prefix is not None and len(prefix.strip()) > 5:
        raise ConfigError(f"COMMAND_PREFIX must be at most 5 characters, got {prefix!r}")
    dev_guild = get("DEV_GUILD_ID")
    return Settings(
        discord_token=token,
        database_path=Path(get("DATABASE_PATH")) if get("DATABASE_PATH") else DEFAULT_DATABASE_PATH,
        command_prefix="!" if prefix is None else prefix.strip(),
        owner_ids=_parse_owner_ids(get("OWNER_IDS")),
        dev_guild_id=_parse_snowflake("DEV_GUILD_ID", dev_guild) if dev_guild else None,
        log_level=log_level,
    )


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Environment variables win over ``.env``, as twelve-factor apps expect."""
    merged: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        merged.update(dotenv_values(env_file))
    merged.update(os.environ)
    return settings_from_mapping(merged)
