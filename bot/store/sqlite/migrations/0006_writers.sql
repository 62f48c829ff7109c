-- Imports are applied in short transactions; this journal makes each all or nothing
-- (bot/store/sqlite/imports.py): an import still 'applying' when its process died is undone.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    state       TEXT    NOT NULL CHECK (state IN ('applying', 'done', 'undone')),
    actor_id    INTEGER,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    rows        INTEGER NOT NULL
);
-- What an applying import changed: before is NULL for a review it added, else the
-- row as it was (content and bookkeeping, a JSON array). Emptied when it is done.
CREATE TABLE import_changes (
    import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    review_id INTEGER NOT NULL,
    before    TEXT,
    PRIMARY KEY (import_id, review_id)
) WITHOUT ROWID;
ALTER TABLE audit_log ADD COLUMN import_id INTEGER;
CREATE INDEX audit_log_by_import ON audit_log (import_id) WHERE import_id IS NOT NULL;

-- Every change to a review, in commit order, for other processes' caches
-- (bot/store/sqlite/feed.py). AUTOINCREMENT: ids are never reused after pruning.
CREATE TABLE changes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    review_id INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    origin    INTEGER NOT NULL
);

-- Bounded guild state: the least-asked misses and a channel's oldest picks are dropped.
CREATE INDEX lookup_misses_by_rank ON lookup_misses (scope, count, last_at);
CREATE INDEX recent_picks_by_age ON recent_picks (channel_id, picked_at);

-- /similar ranks the films sharing only genres by their mask: a seek per mask.
CREATE INDEX reviews_by_genre ON reviews (scope, deleted_at, genre_mask);
