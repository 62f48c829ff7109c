"""Changing reviews: add, edit, alias, soft delete and restore, bulk import; each audited."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from bot.models import ImportReport, Review, ReviewDraft
from bot.store.clock import utc_now
from bot.store.dialect import placeholders
from bot.store.engine import Connection, Database
from bot.store.errors import DuplicateReview, ReviewNotFound, StaleReview, StoreError
from bot.store.filters import GenreBits, write_terms
from bot.store.identity import incoming_row, same_review
from bot.store.importing import ImportOptions
from bot.store.reviews import select_review
from bot.store.schema import REVIEW_SELECT, content_params, db_scope, decode_review
from bot.validation import has_substance, review_from_fields


class ReviewWrites:
    """Every write runs in one transaction that checks scope and duplicates first."""

    def __init__(self, db: Database, genres: GenreBits) -> None:
        self._db = db
        self._genres = genres

    async def add(self, review: ReviewDraft, *, actor_id: int | None) -> Review:
        """Insert a new review; raises :class:`DuplicateReview` if its identity exists."""
        async with self._db.transaction() as db:
            existing = await _find_existing(db, review)
            if existing is not None:
                raise DuplicateReview(existing)
            return await _insert(db, review, actor_id, "add", self._genres)

    async def update(
        self,
        review_id: int,
        changes: Mapping[str, Any],
        *,
        actor_id: int | None,
        scope: int | None,
        expected_version: int | None = None,
    ) -> Review:
        """Change content fields of a review stored in ``scope``; validates like an import.

        With ``expected_version`` (the version the edit began from), a review written
        since is left as it is and :class:`StaleReview` carries it: checked and written
        in one transaction, so two editors never both succeed over the same version.
        """
        async with self._db.transaction() as db:
            current = await _get_in_scope(db, review_id, scope)
            if expected_version is not None and current.version != expected_version:
                raise StaleReview(current)
            merged = {**current.content(), **changes}
            # An edit may not empty a card that said something (older imports may not have).
            complete = has_substance(current.content())
            updated = review_from_fields(merged, scope=current.scope, complete=complete)
            clash = await _find_existing(db, updated)
            if clash is not None and clash.id != review_id:
                raise DuplicateReview(clash)
            return await _rewrite(db, current, updated, actor_id, "edit", self._genres)

    async def add_alias(
        self, review_id: int, alias: str, *, actor_id: int | None, scope: int | None
    ) -> Review:
        # Merged into the aliases as stored, read and written in one transaction (writers
        # are serialised on every engine), so concurrent additions all land.
        async with self._db.transaction() as db:
            current = await _get_in_scope(db, review_id, scope)
            updated = review_from_fields(
                {**current.content(), "aliases": [*current.aliases, alias]}, scope=current.scope
            )
            return await _rewrite(db, current, updated, actor_id, "edit", self._genres)

    async def delete(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        """Soft-delete: the review disappears from lookups until :meth:`restore`."""
        return await self._set_deleted(review_id, actor_id, scope, deleted=True)

    async def restore(self, review_id: int, *, actor_id: int | None, scope: int | None) -> Review:
        return await self._set_deleted(review_id, actor_id, scope, deleted=False)

    async def _set_deleted(
        self, review_id: int, actor_id: int | None, scope: int | None, *, deleted: bool
    ) -> Review:
        async with self._db.transaction() as db:
            current = await _get_in_scope(db, review_id, scope, include_deleted=True)
            if (current.deleted_at is not None) == deleted:
                state = "already deleted" if deleted else "not deleted"
                raise StoreError(f"{current.display_title} is {state}")
            if not deleted:
                clash = await _find_existing(db, current)
                if clash is not None:
                    raise DuplicateReview(clash)
            await _mark_deleted(db, current, actor_id, "delete" if deleted else "restore")
            return await _get_in_scope(db, review_id, scope, include_deleted=True)

    async def remove_samples(self, *, actor_id: int | None) -> list[int]:
        """Soft-delete every live sample review, each audited; returns their ids."""
        async with self._db.transaction() as db:
            rows = await db.fetchall(
                f"SELECT {REVIEW_SELECT} FROM reviews WHERE sample = 1 AND deleted_at IS NULL"
            )
            samples = [decode_review(row) for row in rows]
            for review in samples:
                await _mark_deleted(db, review, actor_id, "remove sample")
        return [review.id for review in samples]

    async def import_reviews(
        self, reviews: Iterable[ReviewDraft], **options: Unpack[ImportOptions]
    ) -> ImportReport:
        """Upsert by identity (:mod:`bot.store.identity`): all rows or none, each engine
        its own way (:meth:`bot.store.engine.Database.import_reviews`)."""
        report = await self._db.import_reviews(reviews, **options)
        await self._genres.reload(self._db)  # the import may have given new genres bits
        return report


async def _get_in_scope(
    db: Connection, review_id: int, scope: int | None, *, include_deleted: bool = False
) -> Review:
    """The review, only if it is stored in ``scope``: a guild cannot reach other scopes."""
    review = await select_review(db, "id = ? AND scope = ?", [review_id, db_scope(scope)])
    if review is None or (review.deleted_at is not None and not include_deleted):
        raise ReviewNotFound(review_id)
    return review


async def _find_existing(
    db: Connection, review: ReviewDraft, *, include_deleted: bool = False
) -> Review | None:
    """The row with ``review``'s identity in its scope (the one upsert key)."""
    incoming, params = incoming_row(review)
    sql = f"id = (SELECT r.id FROM reviews r, {incoming} WHERE {same_review('r', 'incoming')})"
    if not include_deleted:
        sql += " AND deleted_at IS NULL"
    return await select_review(db, sql, params)


async def _mark_deleted(db: Connection, current: Review, actor_id: int | None, action: str) -> None:
    """Soft-delete (``action`` ≠ "restore") or restore one review, audited."""
    deleting = action != "restore"
    now = utc_now()
    await db.execute(
        "UPDATE reviews SET deleted_at = ?, updated_by = ?, updated_at = ?, "
        "version = version + 1 WHERE id = ?",
        [now if deleting else None, actor_id, now, current.id],
    )
    await _audit(
        db,
        current,
        actor_id,
        action,
        before=current.content(),
        after=None if deleting else current.content(),
    )


async def _insert(
    db: Connection, review: ReviewDraft, actor_id: int | None, action: str, genres: GenreBits
) -> Review:
    params = content_params(review)
    now = utc_now()
    values = [db_scope(review.scope), *params.values(), actor_id, now, actor_id, now]
    row = await db.fetchone(
        f"INSERT INTO reviews (scope, {', '.join(params)}, created_by, created_at, updated_by, "
        f"updated_at) VALUES ({placeholders(len(values))}) RETURNING id",
        values,
    )
    assert row is not None
    stored = await select_review(db, "id = ?", [row[0]])
    assert stored is not None
    await write_terms(db, stored, genres)
    await _audit(db, stored, actor_id, action, before=None, after=stored.content())
    return stored


async def _rewrite(
    db: Connection,
    current: Review,
    updated: ReviewDraft,
    actor_id: int | None,
    action: str,
    genres: GenreBits,
) -> Review:
    params = content_params(updated)
    assignments = ", ".join(f"{name} = ?" for name in params)
    await db.execute(
        f"UPDATE reviews SET {assignments}, updated_by = ?, updated_at = ?, "
        "deleted_at = NULL, version = version + 1 WHERE id = ?",
        [*params.values(), actor_id, utc_now(), current.id],
    )
    stored = await select_review(db, "id = ?", [current.id])
    assert stored is not None
    await write_terms(db, stored, genres)
    await _audit(db, stored, actor_id, action, before=current.content(), after=stored.content())
    return stored


async def _audit(
    db: Connection,
    review: Review,
    actor_id: int | None,
    action: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await db.execute(
        "INSERT INTO audit_log (review_id, scope, actor_id, action, at, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            review.id,
            db_scope(review.scope),
            actor_id,
            action,
            utc_now(),
            None if before is None else json.dumps(before, ensure_ascii=False),
            None if after is None else json.dumps(after, ensure_ascii=False),
        ],
    )
