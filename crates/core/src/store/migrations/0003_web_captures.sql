-- Web captures: an evidence item of kind 'web_capture' whose sha256 is the digest of
-- its manifest blob (the JSON list of its artifacts); the artifacts themselves (WARC,
-- screenshot, MHTML, DOM, text) are blobs listed here. Full-text search over captured
-- pages, and the queue of RFC 3161 timestamps.

CREATE TABLE evidence_artifacts (
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    role        TEXT NOT NULL,   -- warc, screenshot, mhtml, dom, text, body
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    size        INTEGER NOT NULL CHECK (size >= 0),
    media_type  TEXT NOT NULL,
    PRIMARY KEY (evidence_id, role)
) WITHOUT ROWID;
CREATE INDEX evidence_artifacts_by_sha256 ON evidence_artifacts (sha256);

CREATE TABLE web_captures (
    evidence_id    TEXT PRIMARY KEY REFERENCES evidence (id),
    method         TEXT NOT NULL CHECK (method IN ('http', 'browser')),
    url            TEXT NOT NULL,
    final_url      TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    http_status    INTEGER,
    server_ip      TEXT,
    partial_reason TEXT,          -- NULL when the capture is complete
    metadata       TEXT NOT NULL  -- JSON: times, TLS, certificate chain, tool, …
) WITHOUT ROWID;

-- Folded text (diacritics stripped, đ → d, lower case) of captured pages; the same
-- folding is applied to queries, so "dong ho gia" finds "Đồng hồ giả".
CREATE VIRTUAL TABLE capture_text USING fts5 (
    evidence_id UNINDEXED,
    case_id UNINDEXED,
    title,
    body,
    original UNINDEXED, -- the page text as captured, for snippets with diacritics
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE timestamps (
    evidence_id     TEXT PRIMARY KEY REFERENCES evidence (id),
    digest          TEXT NOT NULL CHECK (length(digest) = 64),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'stamped', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    tsa_url         TEXT,
    token           BLOB,          -- DER TimeStampToken (CMS ContentInfo), once stamped
    gen_time        TEXT,          -- the authority's time, once stamped
    stamped_at      TEXT
) WITHOUT ROWID;
CREATE INDEX timestamps_due ON timestamps (status, next_attempt_at);

CREATE TRIGGER evidence_artifacts_no_update BEFORE UPDATE ON evidence_artifacts
BEGIN
    SELECT RAISE(ABORT, 'evidence records are immutable');
END;

CREATE TRIGGER evidence_artifacts_no_delete BEFORE DELETE ON evidence_artifacts
BEGIN
    SELECT RAISE(ABORT, 'evidence records are immutable');
END;

CREATE TRIGGER web_captures_no_update BEFORE UPDATE ON web_captures
BEGIN
    SELECT RAISE(ABORT, 'evidence records are immutable');
END;

CREATE TRIGGER web_captures_no_delete BEFORE DELETE ON web_captures
BEGIN
    SELECT RAISE(ABORT, 'evidence records are immutable');
END;

-- A stamped token is final: it may be written once, never changed or removed.
CREATE TRIGGER timestamps_token_final BEFORE UPDATE ON timestamps
WHEN OLD.status = 'stamped'
BEGIN
    SELECT RAISE(ABORT, 'a stamped timestamp is final');
END;

CREATE TRIGGER timestamps_no_delete BEFORE DELETE ON timestamps
BEGIN
    SELECT RAISE(ABORT, 'timestamps are never deleted');
END;
