-- The PostgreSQL twin of SQLite's 0005_identity.sql: the upsert key becomes `identity`
-- (bot.models.identity_key), `film_key` says which film a server's own review
-- shadows, and starter reviews are marked `sample`.
--
-- SQLite's version computes both keys for existing rows with Python functions it
-- registers while migrating. PostgreSQL support arrived after this migration was
-- written, so no PostgreSQL catalog can hold reviews from before it; should one,
-- it is refused rather than given keys computed differently from Python's.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM reviews) THEN
        RAISE EXCEPTION 'this PostgreSQL catalog predates review identities: copy it to '
            'SQLite with the reviewbot that made it (reviewbot migrate --to FILE), '
            'then back with this one';
    END IF;
END
$$;

ALTER TABLE reviews DROP CONSTRAINT reviews_scope_title_key_year_key;
ALTER TABLE reviews ADD COLUMN identity TEXT COLLATE "C" NOT NULL;
ALTER TABLE reviews ADD COLUMN film_key TEXT COLLATE "C" NOT NULL;
ALTER TABLE reviews ADD COLUMN sample INTEGER NOT NULL DEFAULT 0;  -- 1 = starter catalog
ALTER TABLE reviews ADD CONSTRAINT reviews_scope_identity_key UNIQUE (scope, identity);

CREATE INDEX reviews_by_title_key ON reviews (scope, title_key, year);
CREATE INDEX reviews_by_film ON reviews (scope, film_key, deleted_at);
