-- Which agencies may fetch a case's bundle besides its owner. Grants only: a grant is
-- never withdrawn here (a copy already fetched cannot be called back), so the table is
-- append-only like the cases it names. One row per (case, agency); granting again is a
-- no-op.
CREATE TABLE case_shares (
    case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    agency      TEXT COLLATE "C" NOT NULL REFERENCES agencies (code),
    granted_by  TEXT COLLATE "C" NOT NULL,
    unit        TEXT COLLATE "C" NOT NULL,
    granted_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (case_id, agency)
);
CREATE TRIGGER case_shares_no_change BEFORE UPDATE OR DELETE ON case_shares
FOR EACH ROW EXECUTE FUNCTION registry_refuse('case_shares is append-only');
CREATE TRIGGER case_shares_no_truncate BEFORE TRUNCATE ON case_shares
FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse('case_shares is append-only');
