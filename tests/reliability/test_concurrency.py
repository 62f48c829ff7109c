"""Load: a thousand lookups racing a hundred writes, two stores on one file, a busy guild.

Everything runs at once through ``asyncio.gather``; nothing is retried by the tests, so
a "database is locked" (or any other) error anywhere fails them. Afterwards every write
must be there.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

import bot.store.sqlite.database
from bot.catalog import Catalog
from bot.models import Review, ReviewFilters
from bot.store import Store
from tests.conftest import make_review
from tests.e2e.harness import CHANNEL_ID, GUILD_ID, MODERATOR_ROLE_ID, BotRun
from tests.reliability.checks import bug_log, message_problems
from tests.reliability.processes import (
    WAIT_LIMIT,
    child,
    film_records,
    integrity,
    query,
    reviewbot,
    wait_for_progress,
    write_json,
)

LOOKUPS = 1_000
WRITES = 100  # through the catalog: half new reviews, half edits
SECOND_STORE_WRITES = 100
MEMBERS = 50
MODERATORS = 10
GUILD = 5150
# The two stores' writes take the file's one write lock in turns, and on a loaded machine
# one store may wait for it longer than a member would (then told "busy": that bound is
# tests/bot/test_store_writers.py's). This test checks that nothing is lost, not how fast a
# loaded machine drains two write queues, so the bound on waiting is one for any load.
LOCK_WAIT_FOR_ANY_LOAD = 60.0


async def test_a_thousand_lookups_racing_writes_from_two_stores_lose_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.store.sqlite.database, "WRITE_WAIT_SECONDS", LOCK_WAIT_FOR_ANY_LOAD)
    path = tmp_path / "reviews.db"
    catalog = await Catalog.open(path)
    await catalog.load_starter_if_empty()
    second = await Store.open(path)
    try:
        seed = await catalog._store.reviews.scope_reviews(None)
        to_edit = [
            await catalog.curation.add(make_review(f"Edit Me {n}", 1999, scope=GUILD), actor_id=1)
            for n in range(WRITES // 2)
        ]
        rng = random.Random(20261125)

        async def lookup(n: int) -> tuple[str, Review | None]:
            wanted = rng.choice(seed)
            kind = n % 4
            if kind == 0:
                return wanted.title, (await catalog.finder.lookup(wanted.title.lower(), GUILD)).best
            if kind == 1:
                return wanted.title, await catalog.finder.get(wanted.id or 0, GUILD)
            if kind == 2:
                listed = await catalog._store.reviews.list_reviews(
                    ReviewFilters(), guild_id=GUILD, limit=200, order="id"
                )
                return wanted.title, next((r for r in listed if r.id == wanted.id), None)
            return wanted.title, (
                await catalog.finder.lookup(f"{wanted.title} {wanted.year}", None)
            ).best

        async def write(n: int) -> Review:
            if n % 2:
                return await catalog.curation.add(
                    make_review(f"Load Film {n}", 2000, scope=GUILD), actor_id=n
                )
            film = to_edit[n // 2]
            assert film.id is not None
            return await catalog.curation.update(
                film.id, {"tagline": f"edited {n}"}, actor_id=n, scope=GUILD
            )

        async def write_elsewhere(n: int) -> Review:
            return await second.writes.add(make_review(f"Second Store Film {n}", 2001), actor_id=n)

        work = [
            *(lookup(n) for n in range(LOOKUPS)),
            *(write(n) for n in range(WRITES)),
            *(write_elsewhere(n) for n in range(SECOND_STORE_WRITES)),
        ]
        rng.shuffle(work)
        results = await asyncio.gather(*work)

        found = [result for result in results if isinstance(result, tuple)]
        assert len(found) == LOOKUPS
        assert all(best is not None and best.title == title for title, best in found)
        global_reviews = len(seed) + SECOND_STORE_WRITES
        assert await second.reviews.count(guild_id=None) == global_reviews
        # The guild sees the global catalog and its own reviews.
        own = len(to_edit) + WRITES // 2
        assert await catalog._store.reviews.count(guild_id=GUILD) == global_reviews + own
        for n, film in enumerate(to_edit):
            stored = await catalog.finder.get(film.id or 0, GUILD)
            assert stored is not None and stored.tagline == f"edited {2 * n}"
        assert await catalog._store.integrity_check() == "ok"
    finally:
        await second.close()
        await catalog.close()


async def test_aliases_added_at_once_to_one_film_are_all_kept(tmp_path: Path) -> None:
    catalog = await Catalog.open(tmp_path / "reviews.db")
    await catalog.load_starter_if_empty()
    try:
        [film, *_] = await catalog._store.reviews.scope_reviews(None)
        assert film.id is not None
        aliases = [f"alias {n}" for n in range(20)]

        await asyncio.gather(
            *(
                catalog.curation.add_alias(film.id, alias, actor_id=1, scope=None)
                for alias in aliases
            )
        )

        stored = await catalog.finder.get(film.id, None)
        assert stored is not None
        assert set(aliases) <= set(stored.aliases)
    finally:
        await catalog.close()


async def test_lookups_during_edits_never_see_half_an_edit(tmp_path: Path) -> None:
    catalog = await Catalog.open(tmp_path / "reviews.db")
    await catalog.load_starter_if_empty()
    try:
        [target, *_] = await catalog._store.reviews.scope_reviews(None)
        assert target.id is not None
        review_id = target.id
        await catalog.curation.update(
            review_id, {"tagline": "v0", "verdict": "v0"}, actor_id=1, scope=None
        )

        async def edit(n: int) -> None:
            await catalog.curation.update(
                review_id, {"tagline": f"v{n}", "verdict": f"v{n}"}, actor_id=1, scope=None
            )

        async def read() -> tuple[str, str]:
            seen = await catalog.finder.get(review_id, None)
            assert seen is not None
            return seen.tagline, seen.verdict

        work = [edit(n) for n in range(1, WRITES + 1)] + [read() for _ in range(LOOKUPS)]
        random.Random(7).shuffle(work)
        pairs = [pair for pair in await asyncio.gather(*work) if pair is not None]

        assert len(pairs) == LOOKUPS
        assert all(tagline == verdict for tagline, verdict in pairs)
    finally:
        await catalog.close()


async def test_a_busy_guild_gets_every_lookup_and_edit_answered(run: BotRun) -> None:
    members = [9_100_000 + n for n in range(MEMBERS)]
    moderators = [9_200_000 + n for n in range(MODERATORS)]
    for user in members:
        run.discord.add_member(GUILD_ID, user, f"member-{user}")
    for user in moderators:
        run.discord.add_member(GUILD_ID, user, f"moderator-{user}", roles=[MODERATOR_ROLE_ID])
    await run.discord.sync_guild(GUILD_ID)
    catalog = run.bot.catalog  # type: ignore[attr-defined]
    films = [
        await catalog.curation.add(
            make_review(f"Busy Film {n}", 2010, scope=GUILD_ID), actor_id=None
        )
        for n in range(MODERATORS)
    ]

    with bug_log(run) as bugs:
        lookups = [
            run.discord.slash("review", {"title": "heat 1995"}, user=user, channel=CHANNEL_ID)
            for user in members
        ]
        edits = [
            run.discord.slash(
                "catalog edit",
                {"title": f"id:{film.id}", "field": "tagline", "value": f"busy {user}"},
                user=user,
            )
            for film, user in zip(films, moderators, strict=True)
        ]
        answered = await asyncio.gather(*lookups, *edits)

    assert bugs.messages() == []
    cards, confirmations = answered[:MEMBERS], answered[MEMBERS:]
    assert all(card.message.embed(0)["title"] == "Heat (1995)" for card in cards)
    assert all(c.message.content.startswith("Updated tagline of") for c in confirmations)
    assert all(not message_problems(result.message) for result in answered)
    for film, user in zip(films, moderators, strict=True):
        stored = await catalog.finder.get(film.id, GUILD_ID)
        assert stored.tagline == f"busy {user}"


FIRST_IMPORT = 20_000
SECOND_IMPORT = 2_000
PROGRESS_ON_A_PIPE = {"TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1"}


async def test_two_cli_imports_into_one_database_both_land_or_the_second_says_one_is_running(
    tmp_path: Path, seeded: Path
) -> None:
    first_file = write_json(tmp_path / "first.json", film_records(FIRST_IMPORT, prefix="First"))
    second_file = write_json(tmp_path / "second.json", film_records(SECOND_IMPORT, prefix="Second"))
    async with child(
        *reviewbot(seeded, "import", str(first_file)), cwd=tmp_path, **PROGRESS_ON_A_PIPE
    ) as first:
        await wait_for_progress(first, 1)  # it holds the import lock from here to its end
        async with child(*reviewbot(seeded, "import", str(second_file)), cwd=tmp_path) as second:
            _, second_err = await asyncio.wait_for(second.communicate(), WAIT_LIMIT)
            first_still_running = first.returncode is None
        first_out, first_err = await asyncio.wait_for(first.communicate(), WAIT_LIMIT)

    assert first.returncode == 0, first_err.decode()[-2000:]
    assert first_out.decode().startswith(f"Imported {FIRST_IMPORT} review(s)")
    landed = {prefix: count for prefix, count in imported_counts(seeded)}
    assert landed.get("First") == FIRST_IMPORT
    if first_still_running:
        assert second.returncode == 2
        assert second_err.decode().splitlines() == [
            "reviewbot: another import into reviews.db is running; try again when it has finished"
        ]
        assert "Second" not in landed
    else:  # the first had finished: the second simply ran
        assert second.returncode == 0, second_err.decode()
        assert landed.get("Second") == SECOND_IMPORT
    assert integrity(seeded) == "ok"


def imported_counts(database: Path) -> list[tuple[str, int]]:
    return [
        (str(prefix), int(count))
        for prefix, count in query(
            database,
            "SELECT substr(title, 1, instr(title, ' ') - 1), COUNT(*) FROM reviews "
            "WHERE title LIKE 'First %' OR title LIKE 'Second %' GROUP BY 1",
        )
    ]
