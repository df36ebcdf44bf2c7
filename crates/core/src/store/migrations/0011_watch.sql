-- The watch list (watch/): sites, shops and identifiers an agency keeps an eye on, the
-- snapshots of each re-capture, and the flags raised when a watched item turns up in a
-- case or in the registry's watchlist. Watch data is intelligence, not evidence: it is
-- not part of any case's custody log, and an item can be removed with its snapshots.
-- The artifacts of a snapshot (WARC, screenshot) are ordinary blobs.

CREATE TABLE watch_items (
    id               TEXT PRIMARY KEY,
    target           TEXT NOT NULL,           -- the URL, or the identifier as entered
    kind             TEXT NOT NULL CHECK (kind IN ('url', 'identifier')),
    label            TEXT NOT NULL DEFAULT '',
    platform         TEXT NOT NULL DEFAULT '', -- shopee, facebook, … or the domain
    interval_secs    INTEGER NOT NULL CHECK (interval_secs >= 60),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    last_checked_at  TEXT,
    last_changed_at  TEXT,
    changed_unseen   INTEGER NOT NULL DEFAULT 0 CHECK (changed_unseen IN (0, 1)),
    last_error       TEXT,                    -- "code: message" of the last failed check
    risk_score       INTEGER NOT NULL DEFAULT 0,
    risk_reasons     TEXT NOT NULL DEFAULT '[]', -- JSON: [{code, points, detail}]
    failures         INTEGER NOT NULL DEFAULT 0, -- consecutive failed checks (back-off)
    next_check_at    TEXT                     -- NULL: due now
);
CREATE UNIQUE INDEX watch_items_target ON watch_items (kind, target);
CREATE INDEX watch_items_due ON watch_items (active, next_check_at);

CREATE TABLE watch_snapshots (
    id                INTEGER PRIMARY KEY,
    item_id           TEXT NOT NULL REFERENCES watch_items (id) ON DELETE CASCADE,
    checked_at        TEXT NOT NULL,
    outcome           TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
    http_status       INTEGER,
    final_url         TEXT,
    title             TEXT NOT NULL DEFAULT '',
    text              TEXT,                   -- normalized visible text (ok only)
    text_sha256       TEXT CHECK (text_sha256 IS NULL OR length(text_sha256) = 64),
    screenshot_sha256 TEXT CHECK (screenshot_sha256 IS NULL OR length(screenshot_sha256) = 64),
    warc_sha256       TEXT CHECK (warc_sha256 IS NULL OR length(warc_sha256) = 64),
    changed           INTEGER NOT NULL DEFAULT 0 CHECK (changed IN (0, 1)),
    error_code        TEXT,
    error_message     TEXT,
    CHECK ((outcome = 'ok') = (text_sha256 IS NOT NULL)),
    CHECK ((outcome = 'error') = (error_code IS NOT NULL))
);
CREATE INDEX watch_snapshots_by_item ON watch_snapshots (item_id, id);

-- A watched item seen in a case (source 'case', ref = case id) or in the registry's
-- watchlist (source 'registry', ref = the watchlist cursor). Found once; `seen` is set
-- when a user has looked at the item.
CREATE TABLE watch_flags (
    id        INTEGER PRIMARY KEY,
    item_id   TEXT NOT NULL REFERENCES watch_items (id) ON DELETE CASCADE,
    source    TEXT NOT NULL CHECK (source IN ('case', 'registry')),
    ref       TEXT NOT NULL,
    label     TEXT NOT NULL,                  -- case code, or agency and case code
    found_at  TEXT NOT NULL,
    seen      INTEGER NOT NULL DEFAULT 0 CHECK (seen IN (0, 1)),
    UNIQUE (item_id, source, ref)
);
