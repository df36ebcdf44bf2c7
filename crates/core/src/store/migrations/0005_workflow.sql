-- Review workflow: one Ed25519 key pair per profile (the private key sealed with a
-- passphrase), the case fields a submission requires, and the seal of a case.

CREATE TABLE profile_keys (
    profile     TEXT PRIMARY KEY REFERENCES profiles (name),
    public_key  TEXT NOT NULL,          -- hex of the 32-byte Ed25519 public key
    fingerprint TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the raw public key
    kdf_salt    TEXT NOT NULL,          -- hex, argon2id salt
    nonce       TEXT NOT NULL,          -- hex, ChaCha20-Poly1305 nonce
    sealed_key  TEXT NOT NULL,          -- hex, encrypted 32-byte secret key + tag
    created_at  TEXT NOT NULL
);

-- A public key that signed a transition must stay verifiable: keys are never replaced.
CREATE TRIGGER profile_keys_no_update BEFORE UPDATE ON profile_keys
BEGIN
    SELECT RAISE(ABORT, 'profile keys are never replaced');
END;

CREATE TRIGGER profile_keys_no_delete BEFORE DELETE ON profile_keys
BEGIN
    SELECT RAISE(ABORT, 'profile keys are never replaced');
END;

ALTER TABLE cases ADD COLUMN legal_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN proposed_measures TEXT NOT NULL DEFAULT '';

-- The seal of a case (seal.rs): the signed Merkle root over its contents. Never
-- rewritten: corrections are addenda that reference it.
CREATE TABLE case_seals (
    case_id     TEXT PRIMARY KEY REFERENCES cases (id),
    root        TEXT NOT NULL,
    leaf_count  INTEGER NOT NULL,
    head        TEXT NOT NULL,
    at          TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signature   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER case_seals_no_update BEFORE UPDATE ON case_seals
BEGIN
    SELECT RAISE(ABORT, 'case is sealed: seals are never rewritten');
END;

CREATE TRIGGER case_seals_no_delete BEFORE DELETE ON case_seals
BEGIN
    SELECT RAISE(ABORT, 'case is sealed: seals are never rewritten');
END;

-- Once sealed, the database itself refuses changes to the case, whatever the client.
CREATE TRIGGER sealed_case_no_update BEFORE UPDATE ON cases
WHEN OLD.status = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_evidence BEFORE INSERT ON evidence
WHEN (SELECT status FROM cases WHERE id = NEW.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_note BEFORE INSERT ON notes
WHEN (SELECT status FROM cases WHERE id = NEW.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_entity_insert BEFORE INSERT ON entities
WHEN (SELECT status FROM cases WHERE id = NEW.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_entity_update BEFORE UPDATE ON entities
WHEN (SELECT status FROM cases WHERE id = OLD.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_entity_delete BEFORE DELETE ON entities
WHEN (SELECT status FROM cases WHERE id = OLD.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_link_insert BEFORE INSERT ON entity_links
WHEN (SELECT status FROM cases WHERE id = NEW.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_link_update BEFORE UPDATE ON entity_links
WHEN (SELECT status FROM cases WHERE id = OLD.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_link_delete BEFORE DELETE ON entity_links
WHEN (SELECT status FROM cases WHERE id = OLD.case_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;

CREATE TRIGGER sealed_case_no_link_evidence BEFORE INSERT ON link_evidence
WHEN (SELECT c.status FROM entity_links l JOIN cases c ON c.id = l.case_id
      WHERE l.id = NEW.link_id) = 'sealed'
BEGIN
    SELECT RAISE(ABORT, 'case is sealed');
END;
