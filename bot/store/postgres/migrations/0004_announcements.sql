-- The PostgreSQL twin of SQLite's 0004_announcements.sql: the channel where a guild wants
-- newly published reviews posted (and a failed post's problem), and the command
-- tree hash last synced per application and scope.
ALTER TABLE guild_config ADD COLUMN announce_channel_id BIGINT;
ALTER TABLE guild_config ADD COLUMN announce_problem TEXT COLLATE "C";
ALTER TABLE guild_config ADD COLUMN announce_problem_told INTEGER NOT NULL DEFAULT 0;

CREATE TABLE command_sync (
    key       TEXT COLLATE "C" PRIMARY KEY,
    tree_hash TEXT COLLATE "C" NOT NULL,
    synced_at TEXT COLLATE "C" NOT NULL
);
