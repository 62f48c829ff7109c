-- The PostgreSQL twin of SQLite's 0003_filter_index.sql: genre bits and the filter indexes.
-- Verdicts are compared with lower() here (SQLite: COLLATE NOCASE), so the index
-- holds lower(verdict).
CREATE TABLE genre_bits (
    value TEXT COLLATE "C" PRIMARY KEY,  -- folded genre, as in review_terms
    bit   INTEGER NOT NULL UNIQUE CHECK (bit BETWEEN 0 AND 61)
);
INSERT INTO genre_bits (value, bit)
    SELECT value, ROW_NUMBER() OVER (ORDER BY value) - 1
    FROM (SELECT DISTINCT value FROM review_terms WHERE kind = 'genre') AS genres
    ORDER BY value
    LIMIT 62;

ALTER TABLE reviews ADD COLUMN genre_mask BIGINT NOT NULL DEFAULT 0;
UPDATE reviews SET genre_mask = COALESCE((
    SELECT SUM(CAST(1 AS BIGINT) << g.bit)::BIGINT FROM review_terms t
    JOIN genre_bits g ON g.value = t.value
    WHERE t.kind = 'genre' AND t.review_id = reviews.id
), 0);

-- INCLUDE (id): PostgreSQL's indexes, unlike SQLite's, do not carry the row id, and
-- without it a filtered pick ("the n-th matching id") reads the wide rows.
CREATE INDEX reviews_filter ON reviews (
    scope, deleted_at, lower(verdict), score, runtime, year, genre_mask
) INCLUDE (id);
CREATE INDEX reviews_by_year ON reviews (
    scope, deleted_at, year, score, runtime, genre_mask, lower(verdict)
) INCLUDE (id);
