"""Settings read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_DATABASE_PATH = Path("data/reviews.db")
# Every variable reviewbot reads (documented in .env.example and the README).
VARIABLES = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "SHARD_COUNT",
    "SHARD_IDS",
    "COMMAND_PREFIX",
    "OWNER_IDS",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "METRICS_PORT",
    "METRICS_HOST",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
# Metrics and health stay on this machine unless the operator says otherwise.
DEFAULT_METRICS_HOST = "127.0.0.1"
MAX_PORT = 65_535
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"  # one DNS label
_HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")
DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")
DEFAULT_POOL_SIZE = 10
MAX_POOL_SIZE = 1_000
MAX_SHARDS = 100_000  # a sanity bound on a typed number, far above any real bot


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
    database_url: str | None = None  # PostgreSQL; None: SQLite at database_path
    database_pool_size: int = DEFAULT_POOL_SIZE
    shard_count: int | None = None  # None: as many as Discord recommends
    shard_ids: tuple[int, ...] | None = None  # None: all of them, in this process
    log_format: str = "text"  # or "json": one object per line, for log collectors
    metrics_port: int | None = None  # None: no /metrics, /healthz or /readyz
    metrics_host: str = DEFAULT_METRICS_HOST

    @property
    def prefix_commands_enabled(self) -> bool:
        """An empty prefix switches prefix commands (and the privileged intent) off."""
        return bool(self.command_prefix)

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))

    @property
    def database(self) -> str | Path:
        """Where the catalog lives: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url or self.database_path

    def with_database(self, target: str | Path | None) -> Settings:
        """These settings with another catalog: a ``postgresql://`` URL or a file path."""
        if target is None:
            return self
        if str(target).startswith(DATABASE_URL_SCHEMES):
            return replace(self, database_url=str(target))
        return replace(self, database_path=Path(target), database_url=None)


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


def _parse_count(name: str, text: str, largest: int) -> int:
    # Length first: int() of a huge digit string is slow, and no count has 10 digits.
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or not 1 <= int(text) <= largest:
        raise ConfigError(f"{name} must be a whole number from 1 to {largest}, got {text[:40]!r}")
    return int(text)


def _parse_database_url(text: str) -> str | None:
    if not text:
        return None
    if not text.startswith(DATABASE_URL_SCHEMES):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL such as "
            "postgresql://reviewbot@localhost/reviewbot (leave it unset for SQLite)"
        )
    return text


def _parse_shards(count_text: str, ids_text: str) -> tuple[int | None, tuple[int, ...] | None]:
    count = _parse_count("SHARD_COUNT", count_text, MAX_SHARDS) if count_text else None
    if not ids_text:
        return count, None
    if count is None:
        raise ConfigError("SHARD_IDS needs SHARD_COUNT: the total number of shards of the bot")
    parts = [part.strip() for part in ids_text.split(",") if part.strip()]
    ids = []
    for part in parts:
        if not (part.isascii() and part.isdigit() and len(part) <= 9) or int(part) >= count:
            raise ConfigError(
                f"SHARD_IDS must be comma-separated numbers from 0 to {count - 1} "
                f"(SHARD_COUNT is {count}), got {part[:40]!r}"
            )
        ids.append(int(part))
    if len(set(ids)) != len(ids) or not ids:
        raise ConfigError(f"SHARD_IDS must list each shard once, got {ids_text[:40]!r}")
    return count, tuple(sorted(ids))


def _parse_metrics(port_text: str, host_text: str) -> tuple[int | None, str]:
    port = _parse_count("METRICS_PORT", port_text, MAX_PORT) if port_text else None
    if not host_text:
        return port, DEFAULT_METRICS_HOST
    if port is None:
        raise ConfigError(
            "METRICS_HOST needs METRICS_PORT: the port to serve metrics and health on"
        )
    try:
        ipaddress.ip_address(host_text)
    except ValueError:
        if len(host_text) > 253 or not _HOST_NAME.fullmatch(host_text):
            raise ConfigError(
                "METRICS_HOST must be an IP address or a host name such as 127.0.0.1 or "
                f"0.0.0.0 (every interface), got {host_text[:40]!r}"
            ) from None
    return port, host_text


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
    log_format = get("LOG_FORMAT").lower() or "text"
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be text or json, got {log_format[:40]!r}")
    prefix = values.get("COMMAND_PREFIX")
    if prefix is not None and len(prefix.strip()) > 5:
        raise ConfigError(f"COMMAND_PREFIX must be at most 5 characters, got {prefix!r}")
    dev_guild = get("DEV_GUILD_ID")
    pool_size = get("DATABASE_POOL_SIZE")
    shard_count, shard_ids = _parse_shards(get("SHARD_COUNT"), get("SHARD_IDS"))
    metrics_port, metrics_host = _parse_metrics(get("METRICS_PORT"), get("METRICS_HOST"))
    return Settings(
        discord_token=token,
        database_path=Path(get("DATABASE_PATH")) if get("DATABASE_PATH") else DEFAULT_DATABASE_PATH,
        command_prefix="!" if prefix is None else prefix.strip(),
        owner_ids=_parse_owner_ids(get("OWNER_IDS")),
        dev_guild_id=_parse_snowflake("DEV_GUILD_ID", dev_guild) if dev_guild else None,
        log_level=log_level,
        database_url=_parse_database_url(get("DATABASE_URL")),
        database_pool_size=(
            _parse_count("DATABASE_POOL_SIZE", pool_size, MAX_POOL_SIZE)
            if pool_size
            else DEFAULT_POOL_SIZE
        ),
        shard_count=shard_count,
        shard_ids=shard_ids,
        log_format=log_format,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
    )


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Environment variables win over ``.env``, as twelve-factor apps expect."""
    merged: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        merged.update(dotenv_values(env_file))
    merged.update(os.environ)
    return settings_from_mapping(merged)
