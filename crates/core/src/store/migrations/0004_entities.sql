-- Entities of a case (subjects, listings, payment accounts, identifiers, websites), the
-- typed links between them backed by evidence, where each identifier occurs in the
-- evidence, and the exclusion list that keeps platform hotlines and domains out of
-- cross-case hits.
--
-- Evidence stays immutable: occurrences, aliases, links and link evidence are
-- append-only facts; an entity's only mutable part is its suggestion state, which moves
-- forward only (suggested → confirmed → rejected or merged; rejected and merged are final). Every change
-- is also a custody event of the case (entities.rs, links.rs).

CREATE TABLE entities (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL
                CHECK (kind IN ('subject', 'listing', 'payment_account', 'identifier', 'website')),
    id_kind     TEXT,                       -- identifier kind when made from identifiers
    value       TEXT,                       -- normalized identifier value
    qualifier   TEXT NOT NULL DEFAULT '',   -- bank of an account, provider of an e-wallet
    label       TEXT NOT NULL,
    attrs       TEXT NOT NULL DEFAULT '{}', -- JSON: subject_type, platform, url, title, price…
    state       TEXT NOT NULL CHECK (state IN ('suggested', 'confirmed', 'rejected', 'merged')),
    merged_into TEXT REFERENCES entities (id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK ((id_kind IS NULL) = (value IS NULL)),
    CHECK ((state = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX entities_by_case ON entities (case_id, kind, created_at);
-- One entity per identifier and case; later hits of it become occurrences.
CREATE UNIQUE INDEX entities_identifier ON entities (case_id, id_kind, value, qualifier)
    WHERE id_kind IS NOT NULL;
CREATE INDEX entities_by_value ON entities (value) WHERE value IS NOT NULL;

CREATE TABLE entity_aliases (
    entity_id TEXT NOT NULL REFERENCES entities (id),
    alias     TEXT NOT NULL,
    source    TEXT NOT NULL, -- 'input' or the id of the entity merged in
    added_at  TEXT NOT NULL,
    PRIMARY KEY (entity_id, alias)
) WITHOUT ROWID;

-- Where an identifier was found: which evidence item, where in it, and the text around.
CREATE TABLE identifier_occurrences (
    id          INTEGER PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    entity_id   TEXT NOT NULL REFERENCES entities (id),
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    id_kind     TEXT NOT NULL,
    value       TEXT NOT NULL,
    qualifier   TEXT NOT NULL DEFAULT '',
    raw         TEXT NOT NULL,
    location    TEXT NOT NULL DEFAULT '',
    snippet     TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    UNIQUE (evidence_id, id_kind, value, qualifier, location)
);
-- `lookup` and cross-case hits: every occurrence of a value, across cases.
CREATE INDEX occurrences_by_value ON identifier_occurrences (value, id_kind);
CREATE INDEX occurrences_by_entity ON identifier_occurrences (entity_id);

CREATE TABLE entity_links (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    kind       TEXT NOT NULL,
    from_id    TEXT NOT NULL REFERENCES entities (id),
    to_id      TEXT NOT NULL REFERENCES entities (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (case_id, kind, from_id, to_id),
    CHECK (from_id != to_id)
);

CREATE TABLE link_evidence (
    link_id     TEXT NOT NULL REFERENCES entity_links (id),
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    added_at    TEXT NOT NULL,
    PRIMARY KEY (link_id, evidence_id)
) WITHOUT ROWID;

-- User changes to the shipped default exclusion list (exclusions_default.txt): an entry
-- added (excluded = 1) or a default switched off (excluded = 0). Workspace-wide, not
-- part of any case, so not in a custody log.
CREATE TABLE exclusions (
    id_kind    TEXT NOT NULL,
    value      TEXT NOT NULL,
    excluded   INTEGER NOT NULL CHECK (excluded IN (0, 1)),
    note       TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (id_kind, value)
) WITHOUT ROWID;

CREATE TRIGGER entities_no_delete BEFORE DELETE ON entities
BEGIN
    SELECT RAISE(ABORT, 'entities are never deleted');
END;

CREATE TRIGGER entities_fixed BEFORE UPDATE OF id, case_id, kind, id_kind, value, qualifier,
    label, attrs, created_at, created_by ON entities
WHEN NEW.id IS NOT OLD.id OR NEW.case_id IS NOT OLD.case_id OR NEW.kind IS NOT OLD.kind
  OR NEW.id_kind IS NOT OLD.id_kind OR NEW.value IS NOT OLD.value
  OR NEW.qualifier IS NOT OLD.qualifier OR NEW.label IS NOT OLD.label
  OR NEW.attrs IS NOT OLD.attrs OR NEW.created_at IS NOT OLD.created_at
  OR NEW.created_by IS NOT OLD.created_by
BEGIN
    SELECT RAISE(ABORT, 'entity fields are fixed; only the suggestion state changes');
END;

CREATE TRIGGER entities_state_forward BEFORE UPDATE OF state, merged_into ON entities
WHEN OLD.state IN ('rejected', 'merged')
  OR (NEW.state = 'suggested' AND OLD.state != 'suggested')
BEGIN
    SELECT RAISE(ABORT, 'entity state moves only forward');
END;

CREATE TRIGGER entity_aliases_no_update BEFORE UPDATE ON entity_aliases
BEGIN
    SELECT RAISE(ABORT, 'aliases are append-only');
END;

CREATE TRIGGER entity_aliases_no_delete BEFORE DELETE ON entity_aliases
BEGIN
    SELECT RAISE(ABORT, 'aliases are append-only');
END;

CREATE TRIGGER identifier_occurrences_no_update BEFORE UPDATE ON identifier_occurrences
BEGIN
    SELECT RAISE(ABORT, 'identifier occurrences are immutable');
END;

CREATE TRIGGER identifier_occurrences_no_delete BEFORE DELETE ON identifier_occurrences
BEGIN
    SELECT RAISE(ABORT, 'identifier occurrences are immutable');
END;

CREATE TRIGGER entity_links_no_update BEFORE UPDATE ON entity_links
BEGIN
    SELECT RAISE(ABORT, 'links are immutable');
END;

CREATE TRIGGER entity_links_no_delete BEFORE DELETE ON entity_links
BEGIN
    SELECT RAISE(ABORT, 'links are immutable');
END;

CREATE TRIGGER link_evidence_no_update BEFORE UPDATE ON link_evidence
BEGIN
    SELECT RAISE(ABORT, 'link evidence is append-only');
END;

CREATE TRIGGER link_evidence_no_delete BEFORE DELETE ON link_evidence
BEGIN
    SELECT RAISE(ABORT, 'link evidence is append-only');
END;
