-- Sync with the central registry (outbox.rs, registry_settings.rs, watchlist.rs). The
-- bearer token is not here: it lives in a 0600 file beside the database, so a copied
-- database or a backup of it does not carry the device's credential.

-- The registry this workspace pushes to, with the log key pinned when it was set: every
-- receipt and tree head must be signed by this key, whatever the server says later.
CREATE TABLE registry_config (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    url        TEXT NOT NULL,
    log_key    TEXT NOT NULL CHECK (length(log_key) = 64),  -- hex Ed25519 public key
    set_at     TEXT NOT NULL
);

-- The newest verified tree head seen from that registry (the JSON as signed). A newer
-- head is accepted only with a consistency proof from this one.
CREATE TABLE registry_tree_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    size       INTEGER NOT NULL CHECK (size >= 0),
    head       TEXT NOT NULL,
    seen_at    TEXT NOT NULL
);

-- The durable outbox: one row per sealed local case to push. `uploading` keeps the
-- upload id, the exported bundle's path and digest and the offset the registry
-- confirmed, so a restarted client resumes the same bytes where they stopped.
CREATE TABLE sync_outbox (
    case_id          TEXT PRIMARY KEY REFERENCES cases (id),
    state            TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'verified', 'rejected')),
    bundle_path      TEXT,
    bundle_sha256    TEXT,
    bundle_size      INTEGER,
    upload_id        TEXT,
    confirmed_offset INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    reason_code      TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    receipt          TEXT,
    queued_at        TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) WITHOUT ROWID;

-- A verified receipt is final: the row never leaves `verified` and its receipt stays.
CREATE TRIGGER sync_outbox_verified_final BEFORE UPDATE ON sync_outbox
WHEN OLD.state = 'verified'
BEGIN
    SELECT RAISE(ABORT, 'a verified push is final');
END;

-- Identifiers of other agencies' sealed cases, from the registry's watchlist deltas.
-- The registry's cursor is the primary key, so a page fetched twice adds nothing.
CREATE TABLE watchlist (
    cursor     INTEGER PRIMARY KEY,
    id_kind    TEXT NOT NULL,
    value      TEXT NOT NULL,
    qualifier  TEXT NOT NULL,
    agency     TEXT NOT NULL,
    case_id    TEXT NOT NULL,
    case_code  TEXT NOT NULL,
    categories TEXT NOT NULL,   -- JSON array
    case_date  TEXT NOT NULL
);

CREATE INDEX watchlist_by_value ON watchlist (value);

CREATE TABLE watchlist_cursor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    cursor     INTEGER NOT NULL CHECK (cursor >= 0),
    pulled_at  TEXT NOT NULL
);
