"""Moving a catalog between SQLite and PostgreSQL: nothing lost, either way."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from bot.catalog import STARTER_CATALOG
from bot.cli import main
from bot.formats.export import EXPORTERS
from bot.models import ReviewFilters
from bot.store import TABLES, Store, StoreError
from bot.store.transfer import SQLITE_ONLY_TABLES
from tests.conftest import make_review, new_postgres_database
from tests.pgserver import PostgresServer

GUILD = 111
MOD = 42


async def fill(store: Store) -> None:
    """A catalog with a bit of everything: scopes, edits, a deletion, settings, picks, misses."""
    heat = await store.writes.add(make_review("Heat", 1995, aliases=("Heat '95",)), actor_id=MOD)
    assert heat.id is not None
    await store.writes.add(make_review("Amélie", 2001, score=None, runtime=None), actor_id=MOD)
    local = await store.writes.add(make_review("Paddington 2", 2017, scope=GUILD), actor_id=MOD)
    assert local.id is not None
    await store.writes.update(
        heat.id, {"score": 9.5, "tagline": "“A Los Angeles crime saga”"}, actor_id=7, scope=None
    )
    await store.writes.delete(local.id, actor_id=MOD, scope=GUILD)
    await store.writes.import_reviews(
        [make_review(f"Film {n}", 1990 + n, genres=(f"Genre {n % 3}",)) for n in range(12)],
        actor_id=None,
    )
    await store.guilds.set_mod_role(GUILD, 999_888_777_666_555_444)
    await store.guilds.record_miss(GUILD, "The Lantern Keeper")
    await store.guilds.record_miss(None, "Alien")
    for _ in range(4):
        await store.picks.random_pick(ReviewFilters(), guild_id=GUILD, channel_id=55)


async def exported(store: Store, scope: int | None) -> str:
    out = io.StringIO()
    exporter = EXPORTERS["json"](out)
    exporter.write(await store.reviews.scope_reviews(scope, include_deleted=True))
    exporter.close()
    return out.getvalue()


async def snapshot(store: Store) -> dict[str, object]:
    tables = {table: await store.table_rows(table) for table in TABLES}
    exports = {str(scope): await exported(store, scope) for scope in (None, GUILD)}
    return {"tables": tables, "exports": exports}


async def test_sqlite_to_postgresql_and_back_is_lossless(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = new_postgres_database(postgres_server)
    async with await Store.open(tmp_path / "a.db") as original:
        await fill(original)
        before = await snapshot(original)
        async with await Store.open(url) as moved:
            copied = await original.copy_to(moved)
            assert copied["reviews"] == 15 and copied["audit_log"] > 15
            assert await snapshot(moved) == before
            async with await Store.open(tmp_path / "back.db") as back:
                await moved.copy_to(back)
                assert await snapshot(back) == before


async def test_the_copy_keeps_working_new_ids_follow_the_copied_ones(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    async with await Store.open(tmp_path / "a.db") as original:
        await fill(original)
        async with await Store.open(new_postgres_database(postgres_server)) as moved:
            await original.copy_to(moved)
            added = await moved.writes.add(
                make_review("Arrival", 2016, genres=("Genre 1",)), actor_id=1
            )
            assert added.id == 16
            assert [e.action for e in await moved.reviews.history(added.id)] == ["add"]
            genre = await moved.reviews.list_reviews(ReviewFilters(genre="genre 1"), guild_id=None)
            assert "Arrival" in {r.title for r in genre}
            assert await moved.guilds.mod_role(GUILD) == 999_888_777_666_555_444


async def test_a_catalog_is_copied_only_into_an_empty_one(database: str, tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "a.db") as source, await Store.open(database) as target:
        await target.writes.add(make_review(), actor_id=None)
        with pytest.raises(StoreError, match="already holds reviews"):
            await source.copy_to(target)


async def test_every_table_of_the_schema_is_copied(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "a.db"):
        pass
    with sqlite3.connect(tmp_path / "a.db") as db:
        tables = {
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    assert tables == set(TABLES) | set(SQLITE_ONLY_TABLES)


def test_reviewbot_import_streams_a_file_into_postgresql(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_postgres_database(postgres_server)
    assert main(["--database", url, "import", str(STARTER_CATALOG)]) == 0
    assert "15 added" in capsys.readouterr().out
    assert main(["--database", url, "import", str(STARTER_CATALOG)]) == 0
    assert "0 added, 0 updated, 15 unchanged" in capsys.readouterr().out
    assert main(["--database", url, "stats"]) == 0
    assert "Reviews: 15" in capsys.readouterr().out


def test_reviewbot_migrate_there_and_back_from_the_command_line(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source, back = tmp_path / "a.db", tmp_path / "back.db"
    url = new_postgres_database(postgres_server)
    assert main(["--database", str(source), "import", str(STARTER_CATALOG)]) == 0
    assert main(["--database", str(source), "migrate", "--to", url]) == 0
    assert "checked it: 15 reviews" in capsys.readouterr().out
    assert main(["--database", url, "migrate", "--to", str(back)]) == 0
    capsys.readouterr()
    exports = []
    for database in (source, url, back):
        assert main(["--database", str(database), "export", "--format", "json"]) == 0
        exports.append(capsys.readouterr().out)
    assert exports[0] == exports[1] == exports[2]
    assert main(["--database", url, "migrate", "--to", url]) == 2
    assert "--to names the database being copied" in capsys.readouterr().err
