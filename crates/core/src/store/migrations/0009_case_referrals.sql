-- Referrals: a sealed (or approved) case handed to another agency — police,
-- prosecution, tax — under that agency's reference number (referrals.rs). Each
-- referral is also a `case_referred` custody event on the case's chain; the row is
-- what periodic reports count. Never rewritten.

CREATE TABLE case_referrals (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    referred_at TEXT NOT NULL,
    referred_to TEXT NOT NULL,           -- the receiving agency
    reference   TEXT NOT NULL,           -- its reference (dispatch) number
    referred_by TEXT NOT NULL,           -- display name of the referring profile
    note        TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE INDEX case_referrals_by_case ON case_referrals (case_id, referred_at);
CREATE INDEX case_referrals_by_time ON case_referrals (referred_at, case_id);

CREATE TRIGGER case_referrals_no_update BEFORE UPDATE ON case_referrals
BEGIN
    SELECT RAISE(ABORT, 'referrals are never rewritten');
END;

CREATE TRIGGER case_referrals_no_delete BEFORE DELETE ON case_referrals
BEGIN
    SELECT RAISE(ABORT, 'referrals are never rewritten');
END;

-- Periodic reports aggregate by time range first (periodic crate): cases opened and
-- seals made in a period are read through these instead of a scan of every case.
CREATE INDEX cases_by_created ON cases (created_at, agency, unit, province);
CREATE INDEX case_seals_by_at ON case_seals (at, case_id);
