-- The database itself refuses to rewrite history, so a bug or a hand-edited query in
-- any client cannot either: the custody log is append-only and must extend its chain,
-- and evidence and notes are immutable once recorded.

CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events
BEGIN
    SELECT RAISE(ABORT, 'custody log is append-only');
END;

CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events
BEGIN
    SELECT RAISE(ABORT, 'custody log is append-only');
END;

CREATE TRIGGER custody_events_extend_chain BEFORE INSERT ON custody_events
WHEN NEW.seq != coalesce((SELECT max(seq) FROM custody_events WHERE case_id = NEW.case_id), 0) + 1
  OR NEW.prev_hash != coalesce(
        (SELECT hash FROM custody_events WHERE case_id = NEW.case_id ORDER BY seq DESC LIMIT 1),
        '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
    SELECT RAISE(ABORT, 'custody event does not extend the chain head');
END;

CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence records are immutable');
END;

CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN
    SELECT RAISE(ABORT, 'evidence records are immutable');
END;

CREATE TRIGGER notes_no_update BEFORE UPDATE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are immutable');
END;

CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are immutable');
END;

CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases
BEGIN
    SELECT RAISE(ABORT, 'cases are never deleted');
END;

CREATE TRIGGER cases_id_fixed BEFORE UPDATE OF id, code, created_at, created_by ON cases
WHEN NEW.id != OLD.id OR NEW.code != OLD.code
  OR NEW.created_at != OLD.created_at OR NEW.created_by != OLD.created_by
BEGIN
    SELECT RAISE(ABORT, 'case identity fields are fixed');
END;
