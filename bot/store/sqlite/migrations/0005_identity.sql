-- Identity that never merges two films, and sample reviews marked as such.
--
-- Until now a scope held one review per (normalised title, year), so "Puzzle, El"
-- and "Puzzle, The" (2000) were one row and an import overwrote one with the other.
-- The upsert key is now `identity`: the review's own link when it has one, else the
-- title as written (case and surrounding space folded) and the year, computed by
-- bot.models.identity_key (registered as review_identity() while migrating).
-- `film_key` (title as written + year) is what a server's own review shadows a
-- global one by; `title_key` stays, for finding only.
--
-- SQLite cannot drop a table constraint, so the table is rebuilt (its ids kept, so
-- every reference from review_terms, audit_log and recent_picks still holds);
-- the runner turns foreign keys off around migrations, as SQLite's procedure asks.
CREATE TABLE reviews_new (
    id           INTEGER PRIMARY KEY,
    scope        INTEGER NOT NULL DEFAULT 0,   -- 0 = global catalog, else a guild id
    title        TEXT    NOT NULL,
    title_key    TEXT    NOT NULL,             -- normalised title, for finding
    identity     TEXT    NOT NULL,             -- the upsert key within a scope
    film_key     TEXT    NOT NULL,             -- which film, for shadowing
    year         INTEGER NOT NULL,
    tagline      TEXT    NOT NULL DEFAULT '',
    directors    TEXT    NOT NULL DEFAULT '[]',
    cast_members TEXT    NOT NULL DEFAULT '[]',
    runtime      INTEGER,
    score        REAL,
    verdict      TEXT    NOT NULL DEFAULT '',
    verdict_text TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    reviewer     TEXT    NOT NULL DEFAULT '',
    review_url   TEXT    NOT NULL DEFAULT '',
    poster_url   TEXT    NOT NULL DEFAULT '',
    genres       TEXT    NOT NULL DEFAULT '[]',
    aliases      TEXT    NOT NULL DEFAULT '[]',
    created_by   INTEGER,
    created_at   TEXT    NOT NULL,
    updated_by   INTEGER,
    updated_at   TEXT    NOT NULL,
    deleted_at   TEXT,
    genre_mask   INTEGER NOT NULL DEFAULT 0,
    sample       INTEGER NOT NULL DEFAULT 0,   -- 1 = from the shipped starter catalog
    UNIQUE (scope, identity)
);
INSERT INTO reviews_new (
    id, scope, title, title_key, identity, film_key, year, tagline, directors, cast_members,
    runtime, score, verdict, verdict_text, body, reviewer, review_url, poster_url, genres,
    aliases, created_by, created_at, updated_by, updated_at, deleted_at, genre_mask, sample
)
SELECT
    id, scope, title, title_key, review_identity(title, year, review_url),
    review_film(title, year), year, tagline, directors, cast_members, runtime, score,
    verdict, verdict_text, body, reviewer, review_url, poster_url, genres, aliases,
    created_by, created_at, updated_by, updated_at, deleted_at, genre_mask,
    reviewer = 'reviewbot sample data'  -- what the starter catalog has always credited
FROM reviews;
DROP TABLE reviews;
ALTER TABLE reviews_new RENAME TO reviews;

CREATE INDEX reviews_visible ON reviews (scope, deleted_at, score);
CREATE INDEX reviews_filter ON reviews (
    scope, deleted_at, verdict COLLATE NOCASE, score, runtime, year, genre_mask
);
CREATE INDEX reviews_by_year ON reviews (
    scope, deleted_at, year, score, runtime, genre_mask, verdict COLLATE NOCASE
);
CREATE INDEX reviews_by_title_key ON reviews (scope, title_key, year);
CREATE INDEX reviews_by_film ON reviews (scope, film_key, deleted_at);
