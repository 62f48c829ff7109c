-- Per-guild settings, titles members looked for in vain, and recent picks.
CREATE TABLE guild_config (
    guild_id    INTEGER PRIMARY KEY,
    mod_role_id INTEGER
);

CREATE TABLE lookup_misses (
    scope     INTEGER NOT NULL,
    query_key TEXT    NOT NULL,
    query     TEXT    NOT NULL,  -- the latest spelling, for display
    count     INTEGER NOT NULL DEFAULT 1,
    last_at   TEXT    NOT NULL,
    PRIMARY KEY (scope, query_key)
);

-- Recommendations already shown in a channel, so /random does not repeat itself.
CREATE TABLE recent_picks (
    channel_id INTEGER NOT NULL,
    review_id  INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    picked_at  TEXT    NOT NULL,
    PRIMARY KEY (channel_id, review_id)
) WITHOUT ROWID;
