-- Core tables: profiles, cases, evidence, notes and the custody log.

CREATE TABLE profiles (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    agency       TEXT NOT NULL,
    unit         TEXT NOT NULL DEFAULT '',
    province     TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL CHECK (role IN ('investigator', 'supervisor')),
    created_at   TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE cases (
    id                   TEXT PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    title                TEXT NOT NULL,
    agency               TEXT NOT NULL,
    unit                 TEXT NOT NULL,
    province             TEXT NOT NULL,
    violation_categories TEXT NOT NULL DEFAULT '[]', -- JSON array of category codes
    product_group        TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    origin               TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    search_folded        TEXT NOT NULL -- code, title, product group, unit; diacritics folded
);
CREATE INDEX cases_updated ON cases (updated_at DESC);

CREATE TABLE evidence (
    id                    TEXT PRIMARY KEY,
    case_id               TEXT NOT NULL REFERENCES cases (id),
    kind                  TEXT NOT NULL,
    sha256                TEXT NOT NULL CHECK (length(sha256) = 64),
    size                  INTEGER NOT NULL CHECK (size >= 0),
    original_filename     TEXT NOT NULL,
    original_filename_hex TEXT,
    media_type            TEXT NOT NULL,
    acquired_at           TEXT NOT NULL,
    acquired_by           TEXT NOT NULL,
    device                TEXT NOT NULL,
    source_path           TEXT,
    note                  TEXT
);
CREATE INDEX evidence_by_case ON evidence (case_id, acquired_at, id);
CREATE INDEX evidence_by_sha256 ON evidence (sha256);

CREATE TABLE notes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    text       TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX notes_by_case ON notes (case_id, created_at);

-- One hash chain per case; see custody.rs for the exact hash input.
CREATE TABLE custody_events (
    case_id   TEXT NOT NULL REFERENCES cases (id),
    seq       INTEGER NOT NULL CHECK (seq >= 1),
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT NOT NULL CHECK (length(hash) = 64),
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
