-- Per-guild settings, titles members looked for in vain, and recent picks.
-- The PostgreSQL twin of SQLite's 0002_guild_state.sql: all of it is shared by every bot process.
CREATE TABLE guild_config (
    guild_id    BIGINT PRIMARY KEY,
    mod_role_id BIGINT
);

CREATE TABLE lookup_misses (
    scope     BIGINT NOT NULL,
    query_key TEXT COLLATE "C" NOT NULL,
    query     TEXT COLLATE "C" NOT NULL,  -- the latest spelling, for display
    count     INTEGER NOT NULL DEFAULT 1,
    last_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (scope, query_key)
);

-- Recommendations already shown in a channel, so /random does not repeat itself.
CREATE TABLE recent_picks (
    channel_id BIGINT NOT NULL,
    review_id  BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    picked_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel_id, review_id)
);
