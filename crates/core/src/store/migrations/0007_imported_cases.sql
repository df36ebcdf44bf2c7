-- Cases imported from another agency's verified bundle (import.rs). An imported case
-- keeps its original id, rows and custody chain byte for byte, so its seal and every
-- signature re-verify here; what is local about it (who imported it, when, from which
-- bundle) lives in its own table, never in the imported chain.

CREATE TABLE case_imports (
    case_id             TEXT PRIMARY KEY REFERENCES cases (id),
    agency              TEXT NOT NULL,   -- the exporting agency (the case's agency code)
    unit                TEXT NOT NULL,
    bundle_sha256       TEXT NOT NULL CHECK (length(bundle_sha256) = 64),
    seal_root           TEXT NOT NULL,
    imported_at         TEXT NOT NULL,
    imported_by         TEXT NOT NULL,   -- display name of the local profile
    imported_by_profile TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER case_imports_no_update BEFORE UPDATE ON case_imports
BEGIN
    SELECT RAISE(ABORT, 'import records are never rewritten');
END;

CREATE TRIGGER case_imports_no_delete BEFORE DELETE ON case_imports
BEGIN
    SELECT RAISE(ABORT, 'import records are never rewritten');
END;

-- Public keys of signers in other workspaces, as carried by imported bundles. They only
-- verify: there is no private half, and no profile uses them, so nobody signs with them.
CREATE TABLE foreign_keys (
    fingerprint   TEXT PRIMARY KEY,      -- hex SHA-256 of the raw public key
    public_key    TEXT NOT NULL,         -- hex of the 32-byte Ed25519 public key
    profile       TEXT NOT NULL,         -- the signer's profile name where it signed
    created_at    TEXT NOT NULL,         -- as the bundle's key file says
    first_case_id TEXT NOT NULL REFERENCES cases (id),
    imported_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER foreign_keys_no_update BEFORE UPDATE ON foreign_keys
BEGIN
    SELECT RAISE(ABORT, 'foreign keys are never replaced');
END;

CREATE TRIGGER foreign_keys_no_delete BEFORE DELETE ON foreign_keys
BEGIN
    SELECT RAISE(ABORT, 'foreign keys are never replaced');
END;

-- Occurrence ids are local row numbers, so an imported case's ids would collide with
-- this workspace's: an imported occurrence gets a new id and keeps the one its custody
-- event names here, which is what verification compares with the log.
ALTER TABLE identifier_occurrences ADD COLUMN origin_id INTEGER;
