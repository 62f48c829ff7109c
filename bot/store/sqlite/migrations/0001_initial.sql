-- Reviews, the names they can be filtered by, and the audit log.
CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    scope        INTEGER NOT NULL DEFAULT 0,   -- 0 = global catalog, else a guild id
    title        TEXT    NOT NULL,
    title_key    TEXT    NOT NULL,             -- normalised title, for uniqueness
    year         INTEGER NOT NULL,
    tagline      TEXT    NOT NULL DEFAULT '',
    directors    TEXT    NOT NULL DEFAULT '[]', -- JSON array, in credit order
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
    UNIQUE (scope, title_key, year)
);
CREATE INDEX reviews_visible ON reviews (scope, deleted_at, score);

-- One row per director, cast member and genre so filters use an index.
CREATE TABLE review_terms (
    review_id INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL CHECK (kind IN ('director', 'cast', 'genre')),
    value     TEXT    NOT NULL,  -- folded for matching
    label     TEXT    NOT NULL,  -- as written, for display
    PRIMARY KEY (kind, value, review_id)
) WITHOUT ROWID;
CREATE INDEX review_terms_by_review ON review_terms (review_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    scope     INTEGER NOT NULL,
    actor_id  INTEGER,
    action    TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX audit_log_by_review ON audit_log (review_id, id);
