-- Which agencies may fetch a case's bundle besides its owner. Grants only: a grant is
-- never withdrawn here (a copy already fetched cannot be called back), so the table is
-- append-only like the cases it names. One row per (case, agency); granting again is a
-- no-op.
CREATE TABLE case_shares (
    case_id     TEXT NOT NULL REFERENCES cases (case_id),
    agency      TEXT NOT NULL REFERENCES agencies (code),
    granted_by  TEXT NOT NULL,
    unit        TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, agency)
);
CREATE TRIGGER case_shares_no_update BEFORE UPDATE ON case_shares
BEGIN SELECT RAISE(ABORT, 'case_shares is append-only'); END;
CREATE TRIGGER case_shares_no_delete BEFORE DELETE ON case_shares
BEGIN SELECT RAISE(ABORT, 'case_shares is append-only'); END;
