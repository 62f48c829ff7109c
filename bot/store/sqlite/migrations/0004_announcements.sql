-- Announcements: the channel where a guild wants newly published reviews posted.
-- A failed post (missing permission, deleted channel) is kept as announce_problem:
-- posting pauses until a moderator sets the channel again, and announce_problem_told
-- records that the moderators have been told, so they hear of it once.
ALTER TABLE guild_config ADD COLUMN announce_channel_id INTEGER;
ALTER TABLE guild_config ADD COLUMN announce_problem TEXT;
ALTER TABLE guild_config ADD COLUMN announce_problem_told INTEGER NOT NULL DEFAULT 0;

-- What the bot last synced per application and scope, so an unchanged command tree
-- is not synced again on the next start.
CREATE TABLE command_sync (
    key       TEXT PRIMARY KEY,
    tree_hash TEXT NOT NULL,
    synced_at TEXT NOT NULL
);
