"""A lookup reads its cards in one query, however many titles its menu offers.

The store's engine is wrapped to count the statements a lookup sends, on SQLite and
PostgreSQL alike: before, each offered title cost two (the review, then the guild's
own copy of its film), up to 50 round trips for a 25-title menu.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.catalog import Catalog
from bot.finder import MENU_SIZE, SUGGESTION_COUNT, choice_value
from tests.conftest import make_review

GUILD = 4242
FILMS = 30  # more "Heat"s than a menu holds
CONSTANT_READS = 2  # the shown matches, and once more only if all of them were hidden


@pytest.fixture
async def catalog(database: str) -> AsyncIterator[Catalog]:
    opened = await Catalog.open(database)
    for year in range(1950, 1950 + FILMS):
        await opened.curation.add(make_review("Heat", year), actor_id=None)
    yield opened
    await opened.close()


class Counted:
    """Counts the reads sent through a store's engine while a test looks."""

    def __init__(self, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        db = catalog._store._db
        for name in ("fetchall", "fetchone"):
            monkeypatch.setattr(db, name, self._counting(getattr(db, name)))

    def _counting(self, read: Any) -> Any:
        async def counted(sql: str, params: Any = ()) -> Any:
            self.statements.append(sql)
            return await read(sql, params)

        return counted


async def test_a_lookup_offering_a_full_menu_reads_its_cards_in_one_query(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Counted(catalog, monkeypatch)

    found = await catalog.finder.lookup("heat", GUILD)

    assert found.ambiguous
    assert found.best is not None and len(found.menu) == MENU_SIZE - 1
    assert len(reads.statements) <= CONSTANT_READS
    assert len(reads.statements) == 1  # all 25 cards were visible: one read


async def test_a_no_card_lookup_reads_its_menu_in_one_query(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for year in range(1954, 1960):
        await catalog.curation.add(make_review("Brigadoon", year), actor_id=None)
    reads = Counted(catalog, monkeypatch)

    found = await catalog.finder.lookup("brifadoom", GUILD)  # two slips: too weak for a card

    assert found.best is None and len(found.menu) == SUGGESTION_COUNT
    assert len(reads.statements) == 1


async def test_the_one_read_shows_a_guilds_own_copy_in_place_of_the_global_film(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    global_1960 = (await catalog.finder.lookup("heat 1960", None)).best
    assert global_1960 is not None and global_1960.scope is None
    own = await catalog.curation.add(
        make_review("Heat", 1960, score=1.0, scope=GUILD), actor_id=None
    )
    elsewhere = await catalog.curation.add(
        make_review("Heat", 1961, score=1.0, scope=GUILD + 1), actor_id=None
    )
    reads = Counted(catalog, monkeypatch)

    here = await catalog.finder.lookup("heat", GUILD)
    picked = await catalog.finder.resolve(choice_value(global_1960.id), GUILD)

    shown = [review for review in [here.best, *here.menu] if review is not None]
    assert len(reads.statements) == 2  # one per lookup
    assert own in shown and global_1960 not in shown  # the guild's copy stands in
    assert all(review.scope in (None, GUILD) for review in shown)  # never another guild's
    assert elsewhere not in shown
    assert picked.best == own  # a pick of the global film shows the guild's copy too


async def test_a_pick_reads_one_card_with_one_query(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    picked = (await catalog.finder.lookup("heat 1975", None)).best
    assert picked is not None
    reads = Counted(catalog, monkeypatch)

    found = await catalog.finder.resolve(choice_value(picked.id), GUILD)

    assert found.best == picked
    assert len(reads.statements) == 1
