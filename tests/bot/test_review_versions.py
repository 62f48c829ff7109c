"""Review versions on both engines: every write bumps one, an edit over a newer one is
refused with the review as it is now, and alias additions merge however many race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.store import StaleReview, Store
from tests.conftest import make_review

MOD_A = 3001
MOD_B = 3002


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    opened = await Store.open(database)
    yield opened
    await opened.close()


async def test_every_write_to_a_review_bumps_its_version(store: Store) -> None:
    review = await store.writes.add(make_review("Heat", 1995), actor_id=MOD_A)
    seen = [review.version]
    seen.append(
        (await store.writes.update(review.id, {"score": 8.0}, actor_id=MOD_A, scope=None)).version
    )
    seen.append(
        (await store.writes.add_alias(review.id, "Heat 95", actor_id=MOD_A, scope=None)).version
    )
    seen.append((await store.writes.delete(review.id, actor_id=MOD_A, scope=None)).version)
    seen.append((await store.writes.restore(review.id, actor_id=MOD_A, scope=None)).version)
    await store.writes.import_reviews([make_review("Heat", 1995, score=7.0)], actor_id=None)
    seen.append(await _version(store, review.id))
    await store.writes.import_reviews([make_review("Heat", 1995, score=7.0)], actor_id=None)
    seen.append(await _version(store, review.id))  # unchanged by the import: not written
    sample = await store.writes.add(make_review("Arrival", 2016, sample=True), actor_id=None)
    await store.writes.remove_samples(actor_id=None)
    removed = await store.reviews.get(sample.id, include_deleted=True)

    assert seen == [1, 2, 3, 4, 5, 6, 6]
    assert removed is not None and removed.version == sample.version + 1


async def _version(store: Store, review_id: int) -> int:
    review = await store.reviews.get(review_id)
    assert review is not None
    return review.version


async def test_an_edit_begun_before_anothers_is_refused_with_the_review_as_it_is_now(
    store: Store,
) -> None:
    opened = await store.writes.add(make_review(verdict_text="Taut."), actor_id=MOD_A)
    theirs = await store.writes.update(
        opened.id,
        {"verdict_text": "B's verdict"},
        actor_id=MOD_B,
        scope=None,
        expected_version=opened.version,
    )

    with pytest.raises(StaleReview) as refused:
        await store.writes.update(
            opened.id,
            {"verdict_text": "A's verdict"},
            actor_id=MOD_A,
            scope=None,
            expected_version=opened.version,
        )

    assert refused.value.current == theirs
    assert await store.reviews.get(opened.id) == theirs
    assert [entry.action for entry in await store.reviews.history(opened.id)] == ["add", "edit"]
    # Over the version it was shown, the same edit goes through, audited as any edit.
    mine = await store.writes.update(
        opened.id,
        {"verdict_text": "A's verdict"},
        actor_id=MOD_A,
        scope=None,
        expected_version=refused.value.current.version,
    )
    assert mine.verdict_text == "A's verdict" and mine.version == theirs.version + 1
    last = (await store.reviews.history(opened.id))[-1]
    assert (last.action, last.actor_id) == ("edit", MOD_A)
    assert [(c.old, c.new) for c in last.changes()] == [("B's verdict", "A's verdict")]


async def test_two_stores_editing_from_one_version_at_once_write_exactly_one(
    database: str,
) -> None:
    async with await Store.open(database) as first, await Store.open(database) as second:
        opened = await first.writes.add(make_review(), actor_id=MOD_A)
        results = await asyncio.gather(
            *(
                writer.writes.update(
                    opened.id,
                    {"tagline": f"by {actor}"},
                    actor_id=actor,
                    scope=None,
                    expected_version=opened.version,
                )
                for writer, actor in ((first, MOD_A), (second, MOD_B))
            ),
            return_exceptions=True,
        )

        written = [result for result in results if not isinstance(result, BaseException)]
        refused = [result for result in results if isinstance(result, StaleReview)]
        assert len(written) == 1 and len(refused) == 1
        assert refused[0].current == written[0] == await first.reviews.get(opened.id)


async def test_aliases_added_at_once_from_two_stores_are_all_kept(database: str) -> None:
    async with await Store.open(database) as first, await Store.open(database) as second:
        film = await first.writes.add(make_review(aliases=("Heat 95",)), actor_id=MOD_A)
        aliases = [f"Alias {n}" for n in range(8)]

        await asyncio.gather(
            *(
                (first if n % 2 else second).writes.add_alias(
                    film.id, alias, actor_id=MOD_A, scope=None
                )
                for n, alias in enumerate(aliases)
            )
        )

        stored = await second.reviews.get(film.id)
        assert stored is not None
        assert sorted(stored.aliases) == sorted(["Heat 95", *aliases])
        assert stored.version == film.version + len(aliases)
        # A form for the aliases opened before those additions cannot replace them.
        with pytest.raises(StaleReview):
            await first.writes.update(
                film.id,
                {"aliases": ["Heat 95", "Mine"]},
                actor_id=MOD_B,
                scope=None,
                expected_version=film.version,
            )
