"""The schema migrations: numbered SQL files, applied in order by each engine's runner.

Every engine keeps its own in a ``migrations/`` folder beside it
(``bot/store/sqlite/migrations/``, ``bot/store/postgres/migrations/``), numbered
together: migration N has the same number and name on every engine
(tests/bot/test_store.py checks it), so a schema version means the same tables
everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from bot.store.errors import StoreError


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(package: str) -> list[Migration]:
    """The ``migrations/*.sql`` files beside the engine ``package``, in order."""
    folder = resources.files(package) / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.is_file() and entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(
                Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8"))
            )
    return sorted(found, key=lambda migration: migration.version)


def refuse_newer(location: str, version: int, migrations: Sequence[Migration]) -> None:
    """Refuse a database a newer reviewbot has migrated past what ``migrations`` know."""
    latest = migrations[-1].version
    if version > latest:
        raise StoreError(
            f"{location} has schema version {version}, newer than this reviewbot "
            f"({latest}); upgrade reviewbot"
        )
