-- Addenda: corrections to a sealed case. The seal is never rewritten; an addendum is a
-- new signed record that names the seal root it amends (addenda.rs).

CREATE TABLE case_addenda (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    seal_root   TEXT NOT NULL,
    body        TEXT NOT NULL,
    profile     TEXT NOT NULL,          -- the signing profile's name
    author      TEXT NOT NULL,          -- its display name, as in the custody log
    at          TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signature   TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX case_addenda_by_case ON case_addenda (case_id, at);

-- Only a sealed case takes addenda, and only against its own seal.
CREATE TRIGGER case_addenda_need_seal BEFORE INSERT ON case_addenda
WHEN NOT EXISTS (SELECT 1 FROM case_seals WHERE case_id = NEW.case_id AND root = NEW.seal_root)
BEGIN
    SELECT RAISE(ABORT, 'an addendum must reference the seal of its case');
END;

CREATE TRIGGER case_addenda_no_update BEFORE UPDATE ON case_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are never rewritten');
END;

CREATE TRIGGER case_addenda_no_delete BEFORE DELETE ON case_addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda are never rewritten');
END;
