-- Tips and complaints (tin báo, khiếu nại): what came in, through which channel, from
-- whom (kept apart and shown masked), what it alleges, its links and attachments, its
-- triage and its outcome. Every change is a row of the tip's own hash-chained log
-- (tips/log.rs), append-only like the custody log. A case opened from a tip names it in
-- `cases.origin_tip_id`.

CREATE TABLE tips (
    id                   TEXT PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    received_at          TEXT NOT NULL,
    channel              TEXT NOT NULL
                         CHECK (channel IN ('hotline', 'letter', 'email', 'web_form', 'referral', 'other')),
    summary              TEXT NOT NULL,
    allegation           TEXT NOT NULL DEFAULT '',
    violation_categories TEXT NOT NULL DEFAULT '[]', -- JSON array of category codes
    product_group        TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL
                         CHECK (status IN ('new', 'triaged', 'assigned', 'case_opened', 'closed')),
    assignee             TEXT,
    case_id              TEXT REFERENCES cases (id),
    outcome              TEXT
                         CHECK (outcome IS NULL OR outcome IN
                           ('case_opened', 'no_violation', 'duplicate', 'forwarded', 'insufficient_info')),
    closed_at            TEXT,
    agency               TEXT NOT NULL,
    unit                 TEXT NOT NULL,
    province             TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    -- SHA-256 over the received day, the reporter's contact and the folded allegation:
    -- the same report imported twice is found without comparing texts.
    fingerprint          TEXT NOT NULL,
    CHECK ((status = 'closed') = (outcome IS NOT NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX tips_by_status ON tips (status, received_at DESC);
CREATE INDEX tips_by_received ON tips (received_at DESC);
CREATE INDEX tips_by_fingerprint ON tips (fingerprint);

-- Who reported it: personal data, apart from the tip so that lists and exports never
-- carry it by accident; the API returns it masked unless a reveal is asked for (logged).
CREATE TABLE tip_contacts (
    tip_id       TEXT PRIMARY KEY REFERENCES tips (id),
    name         TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '' -- the referring agency for a referral
) WITHOUT ROWID;

-- Identifiers a tip names (normalized as in identifiers.rs), for duplicate detection.
-- `source` is 'allegation' (the reported seller's phone, account…) or 'reporter'.
CREATE TABLE tip_identifiers (
    tip_id  TEXT NOT NULL REFERENCES tips (id),
    id_kind TEXT NOT NULL,
    family  TEXT NOT NULL,
    value   TEXT NOT NULL,
    source  TEXT NOT NULL CHECK (source IN ('allegation', 'reporter')),
    PRIMARY KEY (tip_id, family, value, source)
) WITHOUT ROWID;
CREATE INDEX tip_identifiers_by_value ON tip_identifiers (family, value);

CREATE TABLE tip_links (
    tip_id     TEXT NOT NULL REFERENCES tips (id),
    url        TEXT NOT NULL,
    normalized TEXT NOT NULL,
    PRIMARY KEY (tip_id, normalized)
) WITHOUT ROWID;
CREATE INDEX tip_links_by_normalized ON tip_links (normalized);

-- Attachments are blobs (content-addressed); opening a case makes them evidence with
-- the same SHA-256.
CREATE TABLE tip_attachments (
    id         TEXT PRIMARY KEY,
    tip_id     TEXT NOT NULL REFERENCES tips (id),
    sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
    size       INTEGER NOT NULL CHECK (size >= 0),
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
);
CREATE INDEX tip_attachments_by_tip ON tip_attachments (tip_id, added_at);

-- One hash chain per tip (same field layout as the custody log, its own domain tag).
CREATE TABLE tip_events (
    tip_id    TEXT NOT NULL REFERENCES tips (id),
    seq       INTEGER NOT NULL CHECK (seq >= 1),
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (tip_id, seq)
) WITHOUT ROWID;

CREATE TRIGGER tip_events_no_update BEFORE UPDATE ON tip_events
BEGIN
    SELECT RAISE(ABORT, 'tip log is append-only');
END;

CREATE TRIGGER tip_events_no_delete BEFORE DELETE ON tip_events
BEGIN
    SELECT RAISE(ABORT, 'tip log is append-only');
END;

CREATE TRIGGER tip_attachments_no_update BEFORE UPDATE ON tip_attachments
BEGIN
    SELECT RAISE(ABORT, 'tip attachments are immutable');
END;

CREATE TRIGGER tip_attachments_no_delete BEFORE DELETE ON tip_attachments
BEGIN
    SELECT RAISE(ABORT, 'tip attachments are immutable');
END;

ALTER TABLE cases ADD COLUMN origin_tip_id TEXT REFERENCES tips (id);
CREATE INDEX cases_by_origin_tip ON cases (origin_tip_id) WHERE origin_tip_id IS NOT NULL;
