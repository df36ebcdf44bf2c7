//! The part of verification that re-checks stored RFC 3161 tokens. A token was verified
//! when it was stamped, but the database row could have been edited since: each stamped
//! token is verified again offline — CMS signature, message imprint equal to the evidence
//! digest, chain to the configured trust anchors (`tsa.trust`) — its genTime is compared
//! with the row, and the custody event that recorded it must name the same token.

use std::collections::{BTreeMap, HashMap};

use sha2::Digest as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use truyvet_timestamp::{
    Error as TokenError, Expectation, TrustAnchors, verify_token, verify_token_unanchored,
};

use crate::error::Result;
use crate::settings::TSA_TRUST;
use crate::time_fmt;
use crate::verify::{Problem, TimestampChain};
use crate::workspace::Workspace;

/// What a `timestamp_added` custody event says was stored.
pub(crate) struct LoggedStamp {
    pub case_id: String,
    pub seq: u64,
    pub token_sha256: String,
    pub gen_time: String,
}

pub(crate) struct StampCheck {
    pub checked: u64,
    pub chain: TimestampChain,
    pub problems: Vec<Problem>,
}

struct StampRow {
    evidence_id: String,
    case_id: String,
    evidence_sha256: String,
    queued_digest: String,
    token: Option<Vec<u8>>,
    gen_time: Option<String>,
}

impl Workspace {
    pub(crate) fn verify_timestamps(
        &self,
        code_of: &HashMap<&str, &str>,
        mut logged: BTreeMap<String, LoggedStamp>,
    ) -> Result<StampCheck> {
        let mut problems = Vec::new();
        let anchors = self.timestamp_anchors(&mut problems)?;
        let rows: Vec<StampRow> = {
            let mut stmt = self.conn.prepare(
                "SELECT t.evidence_id, e.case_id, e.sha256, t.digest, t.token, t.gen_time
                 FROM timestamps t JOIN evidence e ON e.id = t.evidence_id
                 WHERE t.status = 'stamped' ORDER BY e.case_id, t.evidence_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(StampRow {
                    evidence_id: r.get(0)?,
                    case_id: r.get(1)?,
                    evidence_sha256: r.get(2)?,
                    queued_digest: r.get(3)?,
                    token: r.get(4)?,
                    gen_time: r.get(5)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut checked = 0;
        for row in &rows {
            checked += 1;
            let code = code_of.get(row.case_id.as_str()).copied();
            let problem = |kind: &str, seq: Option<u64>, detail: String| Problem {
                kind: kind.to_string(),
                case_code: code.map(str::to_string),
                sha256: Some(row.evidence_sha256.clone()),
                seq,
                detail: format!("evidence {}: {detail}", row.evidence_id),
            };
            if row.queued_digest != row.evidence_sha256 {
                problems.push(problem(
                    "timestamp_digest_mismatch",
                    None,
                    format!(
                        "the timestamp record is for digest {}, not the evidence digest",
                        row.queued_digest
                    ),
                ));
            }
            let Some(token) = &row.token else {
                problems.push(problem(
                    "timestamp_invalid",
                    None,
                    "marked stamped, but no token is stored".into(),
                ));
                continue;
            };
            match logged.remove(&row.evidence_id) {
                None => problems.push(problem(
                    "timestamp_not_logged",
                    None,
                    "the stored token has no timestamp_added custody event".into(),
                )),
                Some(event) => {
                    let token_sha256 = hex::encode(sha2::Sha256::digest(token));
                    if event.case_id != row.case_id
                        || event.token_sha256 != token_sha256
                        || Some(&event.gen_time) != row.gen_time.as_ref()
                    {
                        problems.push(problem(
                            "timestamp_not_logged",
                            Some(event.seq),
                            format!(
                                "custody event {} recorded token {} at {}, the stored token \
                                 is {token_sha256} at {}",
                                event.seq,
                                event.token_sha256,
                                event.gen_time,
                                row.gen_time.as_deref().unwrap_or("-")
                            ),
                        ));
                    }
                }
            }
            let mut digest = [0u8; 32];
            if hex::decode_to_slice(&row.evidence_sha256, &mut digest).is_err() {
                problems.push(problem(
                    "timestamp_digest_mismatch",
                    None,
                    "the evidence digest is not a SHA-256 in hex".into(),
                ));
                continue;
            }
            let expected = Expectation {
                digest: &digest,
                // The request's nonce mattered when the answer arrived; it is not kept.
                nonce: None,
            };
            let verified = match &anchors {
                Some(anchors) => verify_token(token, &expected, anchors),
                None => verify_token_unanchored(token, &expected),
            };
            let verified = match verified {
                Ok(v) => v,
                Err(e) => {
                    let kind = match e {
                        TokenError::ImprintMismatch(_) => "timestamp_digest_mismatch",
                        TokenError::UntrustedChain(_) => "timestamp_untrusted",
                        _ => "timestamp_invalid",
                    };
                    problems.push(problem(
                        kind,
                        None,
                        format!(
                            "the stored timestamp token does not verify ({}): {e}",
                            e.code()
                        ),
                    ));
                    continue;
                }
            };
            let token_time = time_fmt::format_utc(verified.gen_time);
            let stored_time = row
                .gen_time
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .map(time_fmt::format_utc);
            if stored_time.as_deref() != Some(token_time.as_str()) {
                problems.push(problem(
                    "timestamp_time_mismatch",
                    None,
                    format!(
                        "the token was issued at {token_time}, the record says {}",
                        row.gen_time.as_deref().unwrap_or("-")
                    ),
                ));
            }
        }
        for (evidence_id, event) in logged {
            let code = code_of.get(event.case_id.as_str()).copied();
            problems.push(Problem {
                kind: "logged_timestamp_missing".into(),
                case_code: code.map(str::to_string),
                sha256: None,
                seq: Some(event.seq),
                detail: format!(
                    "custody event {} records a timestamp token for evidence {evidence_id}, \
                     but no stamped token is stored",
                    event.seq
                ),
            });
        }
        Ok(StampCheck {
            checked,
            chain: if anchors.is_some() {
                TimestampChain::TrustAnchor
            } else {
                TimestampChain::NotChecked
            },
            problems,
        })
    }

    /// The anchors of `tsa.trust`, or `None` when it is not set. A setting that cannot
    /// be read is a problem of its own; the tokens are then checked without anchors.
    fn timestamp_anchors(&self, problems: &mut Vec<Problem>) -> Result<Option<TrustAnchors>> {
        let Some(path) = self.setting(TSA_TRUST)? else {
            return Ok(None);
        };
        let anchors = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|pem| TrustAnchors::from_pem(&pem).map_err(|e| e.to_string()));
        match anchors {
            Ok(anchors) => Ok(Some(anchors)),
            Err(e) => {
                problems.push(Problem {
                    kind: "timestamp_trust_unreadable".into(),
                    case_code: None,
                    sha256: None,
                    seq: None,
                    detail: format!(
                        "the trust anchors in {TSA_TRUST} = {path} cannot be used ({e}); \
                         timestamp chains were not checked"
                    ),
                });
                Ok(None)
            }
        }
    }
}
