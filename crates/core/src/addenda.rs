//! Addenda: how a sealed case is corrected. The seal and the rows it covers are never
//! rewritten (triggers refuse it); a correction is a new record that names the seal root
//! it amends, signed by its author's key, and logged as an `addendum_added` custody event.
//! A reader of the bundle sees the sealed case exactly as sealed, and every later
//! correction beside it, each attributable.
//!
//! Signed bytes (documented in ARCHITECTURE.md, pinned by a known-answer test):
//!
//! ```text
//! signed = "truyvet.addendum.v1\n" || field(case_id) || field(seal_root) || field(id)
//!          || field(body) || field(at) || field(fingerprint)
//! ```

use std::collections::HashMap;

use ed25519_dalek::{Signature, Signer, Verifier};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::custody;
use crate::error::{Error, ErrorCode, Result};
use crate::keys::{self, fingerprint, parse_public_key};
use crate::model::CaseStatus;
use crate::time_fmt;
use crate::verify::Problem;
use crate::workspace::Workspace;

pub const ADDENDUM_EVENT: &str = "addendum_added";
const DOMAIN: &[u8] = b"truyvet.addendum.v1\n";
const MAX_ADDENDUM_CHARS: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addendum {
    pub id: String,
    pub case_id: String,
    /// The hex Merkle root of the seal this addendum amends.
    pub seal_root: String,
    pub body: String,
    pub profile: String,
    pub author: String,
    pub at: String,
    pub fingerprint: String,
    pub signature: String,
}

impl Addendum {
    pub fn signed_bytes(&self) -> Vec<u8> {
        signed_bytes(
            &self.case_id,
            &self.seal_root,
            &self.id,
            &self.body,
            &self.at,
            &self.fingerprint,
        )
    }
}

pub fn signed_bytes(
    case_id: &str,
    seal_root: &str,
    id: &str,
    body: &str,
    at: &str,
    print: &str,
) -> Vec<u8> {
    let mut out = DOMAIN.to_vec();
    for x in [case_id, seal_root, id, body, at, print] {
        out.extend_from_slice(&(x.len() as u32).to_be_bytes());
        out.extend_from_slice(x.as_bytes());
    }
    out
}

pub(crate) fn addenda_of(conn: &Connection, case_id: &str) -> Result<Vec<Addendum>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, case_id, seal_root, body, profile, author, at, fingerprint, signature
         FROM case_addenda WHERE case_id = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        Ok(Addendum {
            id: r.get(0)?,
            case_id: r.get(1)?,
            seal_root: r.get(2)?,
            body: r.get(3)?,
            profile: r.get(4)?,
            author: r.get(5)?,
            at: r.get(6)?,
            fingerprint: r.get(7)?,
            signature: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inserts an addendum row and its custody event. Shared by local signing and by the
/// import of a bundle, whose addenda arrive already signed.
pub(crate) fn insert_addendum(conn: &Connection, a: &Addendum) -> Result<()> {
    conn.execute(
        "INSERT INTO case_addenda
         (id, case_id, seal_root, body, profile, author, at, fingerprint, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            a.id,
            a.case_id,
            a.seal_root,
            a.body,
            a.profile,
            a.author,
            a.at,
            a.fingerprint,
            a.signature
        ],
    )?;
    Ok(())
}

impl Workspace {
    /// Adds a signed addendum to a sealed case as the current profile. Refused with
    /// `case_not_sealed` on a case that can still be edited directly.
    pub fn add_addendum(&mut self, code: &str, body: &str, passphrase: &str) -> Result<Addendum> {
        let profile = self.require_profile()?;
        let case = self.case_by_code(code)?;
        if case.status != CaseStatus::Sealed {
            return Err(Error::new(
                ErrorCode::CaseNotSealed,
                format!(
                    "case {} is {}: edit it directly; addenda are for sealed cases",
                    case.code, case.status
                ),
            ));
        }
        // An imported case's log is the other agency's, verbatim: corrections to it are
        // theirs to make and send again.
        if let Some(origin) = &case.imported {
            return Err(Error::invalid(format!(
                "case {} was imported from {} and is read-only here",
                case.code, origin.agency
            )));
        }
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::invalid("the addendum is empty"));
        }
        if body.chars().count() > MAX_ADDENDUM_CHARS {
            return Err(Error::invalid(format!(
                "an addendum holds at most {MAX_ADDENDUM_CHARS} characters"
            )));
        }
        let seal = self
            .case_seal(code)?
            .ok_or_else(|| Error::internal(format!("case {} is sealed but has no seal", code)))?;
        let key = self.unlock_key(&profile.name, passphrase)?;
        let mut addendum = Addendum {
            id: uuid::Uuid::now_v7().to_string(),
            case_id: case.id.clone(),
            seal_root: seal.root,
            body: body.to_string(),
            profile: profile.name.clone(),
            author: profile.display_name.clone(),
            at: time_fmt::now_utc(),
            fingerprint: fingerprint(&key.verifying_key()),
            signature: String::new(),
        };
        addendum.signature = hex::encode(key.sign(&addendum.signed_bytes()).to_bytes());
        self.write(|conn| {
            insert_addendum(conn, &addendum)?;
            custody::append(
                conn,
                &addendum.case_id,
                &addendum.author,
                ADDENDUM_EVENT,
                &json!(addendum),
            )?;
            Ok(())
        })?;
        Ok(addendum)
    }

    /// A case's addenda, oldest first.
    pub fn case_addenda(&self, code: &str) -> Result<Vec<Addendum>> {
        let case = self.case_by_code(code)?;
        addenda_of(&self.conn, &case.id)
    }

    /// Checks every addendum's signature against the stored key of its fingerprint and
    /// that its custody event records it unchanged. Problem kinds: `addendum_key_unknown`,
    /// `addendum_signature_invalid`, `addendum_not_logged`.
    pub(crate) fn verify_addenda(&self, code_of: &HashMap<&str, &str>) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        for (case_id, code) in code_of {
            let addenda = addenda_of(&self.conn, case_id)?;
            if addenda.is_empty() {
                continue;
            }
            let logged: Vec<Addendum> = custody::raw_events(&self.conn, case_id)?
                .into_iter()
                .filter(|e| e.kind == ADDENDUM_EVENT)
                .filter_map(|e| serde_json::from_str(&e.payload).ok())
                .collect();
            for a in addenda {
                let mut report = |kind: &str, detail: String| {
                    problems.push(Problem {
                        kind: kind.to_string(),
                        case_code: Some(code.to_string()),
                        sha256: None,
                        seq: None,
                        detail,
                    })
                };
                if !logged.contains(&a) {
                    report(
                        "addendum_not_logged",
                        format!(
                            "addendum {} is not recorded unchanged in the custody log",
                            a.id
                        ),
                    );
                }
                let Some(stored) = keys::public_key_by_fingerprint(&self.conn, &a.fingerprint)?
                else {
                    report(
                        "addendum_key_unknown",
                        format!(
                            "addendum {} was signed by unknown key {}",
                            a.id, a.fingerprint
                        ),
                    );
                    continue;
                };
                if !verify_signature(&stored.public_key, &a) {
                    report(
                        "addendum_signature_invalid",
                        format!("the signature of addendum {} does not verify", a.id),
                    );
                }
            }
        }
        Ok(problems)
    }
}

/// Whether `a` carries a valid signature by the hex Ed25519 key `public_key`.
pub fn verify_signature(public_key: &str, a: &Addendum) -> bool {
    let Ok(public) = parse_public_key(public_key) else {
        return false;
    };
    hex::decode(&a.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .is_some_and(|s| public.verify(&a.signed_bytes(), &s).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_bytes_known_answer() {
        let bytes = signed_bytes("c", "r", "i", "Đính chính", "t", "f");
        let mut manual = b"truyvet.addendum.v1\n".to_vec();
        for f in ["c", "r", "i", "Đính chính", "t", "f"] {
            manual.extend_from_slice(&(f.len() as u32).to_be_bytes());
            manual.extend_from_slice(f.as_bytes());
        }
        assert_eq!(bytes, manual);
    }
}
