-- The registry's schema. Portable SQL apart from the id columns (INTEGER PRIMARY KEY
-- here, BIGINT GENERATED ALWAYS AS IDENTITY in PostgreSQL) and the triggers at the end.

CREATE TABLE agencies (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE units (
    agency      TEXT NOT NULL REFERENCES agencies(code),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (agency, code)
);

-- Device tokens: only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id            TEXT PRIMARY KEY,
    token_sha256  TEXT NOT NULL UNIQUE,
    agency        TEXT NOT NULL,
    unit          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('investigator', 'supervisor', 'admin')),
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    FOREIGN KEY (agency, unit) REFERENCES units(agency, code)
);

-- Open uploads; the bytes are in quarantine/<id>, their count is the offset.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    token_id    TEXT NOT NULL REFERENCES tokens(id),
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE cases (
    case_id        TEXT PRIMARY KEY,
    case_code      TEXT NOT NULL,
    agency         TEXT NOT NULL,
    unit           TEXT NOT NULL,
    seal_root      TEXT NOT NULL,
    bundle_sha256  TEXT NOT NULL,
    province       TEXT NOT NULL,
    sealed_at      TEXT NOT NULL,
    accepted_at    TEXT NOT NULL,
    categories     TEXT NOT NULL,   -- JSON array of category names
    leaf_index     BIGINT NOT NULL UNIQUE,
    receipt        TEXT NOT NULL,   -- the receipt JSON as first answered
    FOREIGN KEY (agency, unit) REFERENCES units(agency, code)
);
CREATE INDEX cases_sealed_at ON cases (sealed_at);

-- category / platform / province of each case, for statistics.
CREATE TABLE case_facets (
    case_id  TEXT NOT NULL REFERENCES cases(case_id),
    facet    TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (case_id, facet, value)
);

-- The id is the watchlist cursor: rows only ever arrive, in commit order.
CREATE TABLE identifiers (
    id         INTEGER PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases(case_id),
    kind       TEXT NOT NULL,
    family     TEXT NOT NULL,
    value      TEXT NOT NULL,
    qualifier  TEXT NOT NULL,
    UNIQUE (case_id, kind, value, qualifier)
);
CREATE INDEX identifiers_lookup ON identifiers (family, value);

-- The Merkle log of accepted cases (RFC 9162 leaves over leaf_data).
CREATE TABLE log_leaves (
    leaf_index  BIGINT PRIMARY KEY,
    leaf_hash   TEXT NOT NULL UNIQUE,
    leaf_data   TEXT NOT NULL,
    case_id     TEXT NOT NULL UNIQUE REFERENCES cases(case_id)
);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    agency  TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    status  INTEGER NOT NULL,
    detail  TEXT NOT NULL
);

-- Published data and both logs are append-only, whatever the client.
CREATE TRIGGER log_leaves_no_update BEFORE UPDATE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_leaves_no_delete BEFORE DELETE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'log_leaves is append-only'); END;
CREATE TRIGGER log_leaves_in_order BEFORE INSERT ON log_leaves
WHEN NEW.leaf_index <> (SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaves)
BEGIN SELECT RAISE(ABORT, 'log_leaves must grow by one at the end'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER cases_no_update BEFORE UPDATE ON cases
BEGIN SELECT RAISE(ABORT, 'published cases do not change'); END;
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases
BEGIN SELECT RAISE(ABORT, 'published cases do not change'); END;
CREATE TRIGGER identifiers_no_update BEFORE UPDATE ON identifiers
BEGIN SELECT RAISE(ABORT, 'identifiers are append-only'); END;
CREATE TRIGGER identifiers_no_delete BEFORE DELETE ON identifiers
BEGIN SELECT RAISE(ABORT, 'identifiers are append-only'); END;
