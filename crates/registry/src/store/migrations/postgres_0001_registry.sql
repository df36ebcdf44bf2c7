-- The registry's schema for PostgreSQL: 0001_registry.sql with identity columns for the
-- cursor ids and PL/pgSQL triggers for the append-only rules. Text compares byte by byte
-- (COLLATE "C") as in SQLite, whatever the database's locale: RFC 3339 ranges and
-- every ORDER BY come out the same on both stores.

CREATE TABLE agencies (
    code        TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE units (
    agency      TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    code        TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    contact     TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (agency, code)
);

-- Device tokens: only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id            TEXT COLLATE "C" PRIMARY KEY,
    token_sha256  TEXT COLLATE "C" NOT NULL UNIQUE,
    agency        TEXT COLLATE "C" NOT NULL,
    unit          TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" NOT NULL CHECK (role IN ('investigator', 'supervisor', 'admin')),
    name          TEXT COLLATE "C" NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    revoked_at    TEXT COLLATE "C",
    FOREIGN KEY (agency, unit) REFERENCES units(agency, code)
);

-- Open uploads; the bytes are in quarantine/<id>, their count is the offset.
CREATE TABLE uploads (
    id          TEXT COLLATE "C" PRIMARY KEY,
    token_id    TEXT COLLATE "C" NOT NULL REFERENCES tokens(id),
    size        BIGINT NOT NULL,
    sha256      TEXT COLLATE "C" NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE cases (
    case_id        TEXT COLLATE "C" PRIMARY KEY,
    case_code      TEXT COLLATE "C" NOT NULL,
    agency         TEXT COLLATE "C" NOT NULL,
    unit           TEXT COLLATE "C" NOT NULL,
    seal_root      TEXT COLLATE "C" NOT NULL,
    bundle_sha256  TEXT COLLATE "C" NOT NULL,
    province       TEXT COLLATE "C" NOT NULL,
    sealed_at      TEXT COLLATE "C" NOT NULL,
    accepted_at    TEXT COLLATE "C" NOT NULL,
    categories     TEXT COLLATE "C" NOT NULL,   -- JSON array of category names
    leaf_index     BIGINT NOT NULL UNIQUE,
    receipt        TEXT COLLATE "C" NOT NULL,   -- the receipt JSON as first answered
    FOREIGN KEY (agency, unit) REFERENCES units(agency, code)
);
CREATE INDEX cases_sealed_at ON cases (sealed_at);

-- category / platform / province of each case, for statistics.
CREATE TABLE case_facets (
    case_id  TEXT COLLATE "C" NOT NULL REFERENCES cases(case_id),
    facet    TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (case_id, facet, value)
);

-- The id is the watchlist cursor. PostgreSQL hands out identity values at insert, not at
-- commit; publishing holds an exclusive lock on `cases` for its whole transaction, so
-- identifiers still arrive in id order.
CREATE TABLE identifiers (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id    TEXT COLLATE "C" NOT NULL REFERENCES cases(case_id),
    kind       TEXT COLLATE "C" NOT NULL,
    family     TEXT COLLATE "C" NOT NULL,
    value      TEXT COLLATE "C" NOT NULL,
    qualifier  TEXT COLLATE "C" NOT NULL,
    UNIQUE (case_id, kind, value, qualifier)
);
CREATE INDEX identifiers_lookup ON identifiers (family, value);

-- The Merkle log of accepted cases (RFC 9162 leaves over leaf_data).
CREATE TABLE log_leaves (
    leaf_index  BIGINT PRIMARY KEY,
    leaf_hash   TEXT COLLATE "C" NOT NULL UNIQUE,
    leaf_data   TEXT COLLATE "C" NOT NULL,
    case_id     TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES cases(case_id)
);

-- The id is the audit cursor; inserts take an exclusive lock on the table (see the
-- store), so ids arrive in commit order here too.
CREATE TABLE audit (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TEXT COLLATE "C" NOT NULL,
    actor   TEXT COLLATE "C" NOT NULL,
    agency  TEXT COLLATE "C" NOT NULL,
    role    TEXT COLLATE "C" NOT NULL,
    action  TEXT COLLATE "C" NOT NULL,
    target  TEXT COLLATE "C" NOT NULL,
    status  INTEGER NOT NULL,
    detail  TEXT COLLATE "C" NOT NULL
);

-- Published data and both logs are append-only, whatever the client.
CREATE FUNCTION registry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE FUNCTION registry_leaf_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.leaf_index <> (SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaves) THEN
        RAISE EXCEPTION 'log_leaves must grow by one at the end'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER log_leaves_no_change BEFORE UPDATE OR DELETE ON log_leaves
FOR EACH ROW EXECUTE FUNCTION registry_refuse('log_leaves is append-only');
CREATE TRIGGER log_leaves_no_truncate BEFORE TRUNCATE ON log_leaves
FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse('log_leaves is append-only');
CREATE TRIGGER log_leaves_in_order BEFORE INSERT ON log_leaves
FOR EACH ROW EXECUTE FUNCTION registry_leaf_in_order();
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION registry_refuse('audit is append-only');
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse('audit is append-only');
CREATE TRIGGER cases_no_change BEFORE UPDATE OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION registry_refuse('published cases do not change');
CREATE TRIGGER cases_no_truncate BEFORE TRUNCATE ON cases
FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse('published cases do not change');
CREATE TRIGGER identifiers_no_change BEFORE UPDATE OR DELETE ON identifiers
FOR EACH ROW EXECUTE FUNCTION registry_refuse('identifiers are append-only');
CREATE TRIGGER identifiers_no_truncate BEFORE TRUNCATE ON identifiers
FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse('identifiers are append-only');
