-- Review requests (bot/store/requests.py): members ask to be told when a film is
-- reviewed. One entry per wanted film in a server gathers every member's request for
-- it, however each typed the title (bot/matching/demand.py decides, in Python).
CREATE TABLE request_entries (
    id             INTEGER PRIMARY KEY,
    scope          INTEGER NOT NULL,              -- the guild id: never read across servers
    title          TEXT    NOT NULL,              -- the first spelling, for display
    state          TEXT    NOT NULL CHECK (state IN ('open', 'claimed', 'dismissed', 'answered')),
    created_at     TEXT    NOT NULL,
    claimed_by     INTEGER,
    claimed_name   TEXT,                          -- "Sam is reviewing this"
    dismissed_by   INTEGER,
    dismiss_reason TEXT,                          -- for moderators; requesters are not told
    review_id      INTEGER,                       -- answered by (no foreign key: kept if it goes)
    answered_at    TEXT
);
CREATE INDEX request_entries_by_state ON request_entries (scope, state);

-- One member's request, in one entry. Answered requests remember whether the member
-- was told: delivery is 'pending', 'delivered' or 'undeliverable' once answered.
CREATE TABLE requests (
    id         INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES request_entries (id) ON DELETE CASCADE,
    scope      INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    query      TEXT    NOT NULL,                  -- as the member typed it
    state      TEXT    NOT NULL CHECK (state IN ('open', 'answered', 'cancelled')),
    delivery   TEXT    CHECK (delivery IN ('pending', 'delivered', 'undeliverable')),
    asked_at   TEXT    NOT NULL,
    closed_at  TEXT
);
CREATE INDEX requests_by_member ON requests (scope, member_id, state);
CREATE INDEX requests_by_entry ON requests (entry_id, state);
CREATE INDEX requests_by_age ON requests (scope, state, closed_at);

-- The moderators' actions on the queue (claim, dismiss): the audit log of requests.
-- Its own table, since audit_log's rows each belong to a review.
CREATE TABLE request_audit (
    id        INTEGER PRIMARY KEY,
    entry_id  INTEGER NOT NULL,
    scope     INTEGER NOT NULL,
    actor_id  INTEGER,
    action    TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    detail    TEXT
);
CREATE INDEX request_audit_by_entry ON request_audit (entry_id, id);
