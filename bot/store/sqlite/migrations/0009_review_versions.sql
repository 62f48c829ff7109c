-- Every write to a review bumps its version (bot/store/writes.py, the imports and their
-- undo), in the same transaction: an edit carries the version its form started from,
-- and the store refuses it over a newer one, so no moderator silently overwrites another.
-- Existing reviews start at 1, as new ones do.
ALTER TABLE reviews ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
