//! The seal of a case: a Merkle tree over everything the case holds — every evidence
//! digest, entity, link and note, and the custody-log head — whose root the sealing
//! supervisor signs. A tree rather than one flat hash so that a single item can later be
//! proven part of the sealed case with a short path. After sealing, triggers (migration
//! 0005) refuse changes to the case's rows; corrections become addenda.
//!
//! Leaves and nodes (documented in ARCHITECTURE.md, pinned by a known-answer test):
//!
//! ```text
//! leaf = SHA-256( 0x00 || field(kind) || field(body) )
//! node = SHA-256( 0x01 || left || right )      an odd last node moves up unchanged
//! signed = "truyvet.seal.v1\n" || field(case_id) || field(hex(root)) || field(head)
//!          || field(at) || field(fingerprint)
//! ```
//!
//! Leaves are sorted by (kind, body). Kinds: `evidence` (body `id:sha256`), `entity`,
//! `link`, `note` (body: the row as compact JSON with sorted keys), `custody_head` (body:
//! the hash of the sealing transition event).

use std::collections::{BTreeMap, HashMap};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::custody;
use crate::error::Result;
use crate::keys::{self, fingerprint, parse_public_key};
use crate::time_fmt;
use crate::verify::Problem;
use crate::workspace::Workspace;

pub const SEAL_EVENT: &str = "case_sealed";
const DOMAIN: &[u8] = b"truyvet.seal.v1\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub case_id: String,
    /// Hex Merkle root.
    pub root: String,
    pub leaf_count: u64,
    /// The custody head the root covers (the sealing transition's event hash).
    pub head: String,
    pub at: String,
    pub fingerprint: String,
    pub signature: String,
}

fn field(out: &mut Vec<u8>, x: &str) {
    out.extend_from_slice(&(x.len() as u32).to_be_bytes());
    out.extend_from_slice(x.as_bytes());
}

pub fn leaf_hash(kind: &str, body: &str) -> [u8; 32] {
    let mut bytes = vec![0u8];
    field(&mut bytes, kind);
    field(&mut bytes, body);
    Sha256::digest(&bytes).into()
}

pub fn merkle_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.is_empty() {
        return Sha256::digest([]).into();
    }
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node_hash(l, r),
                [one] => *one,
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect();
    }
    level[0]
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

pub fn signed_bytes(case_id: &str, root: &str, head: &str, at: &str, print: &str) -> Vec<u8> {
    let mut out = DOMAIN.to_vec();
    for x in [case_id, root, head, at, print] {
        field(&mut out, x);
    }
    out
}

/// Each row of `table` for the case as compact JSON with sorted keys.
fn rows_as_json(conn: &Connection, table: &str, case_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} WHERE case_id = ?1"))?;
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut rows = stmt.query([case_id])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut map = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i)? {
                ValueRef::Null => serde_json::Value::Null,
                ValueRef::Integer(n) => json!(n),
                ValueRef::Real(f) => json!(f),
                ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                ValueRef::Blob(b) => json!(hex::encode(b)),
            };
            map.insert(name.clone(), value);
        }
        out.push(serde_json::to_string(&map)?);
    }
    Ok(out)
}

/// One leaf of a seal's Merkle tree, before hashing. Bundles carry these verbatim
/// (`truyvet/seal-leaves.jsonl`) so anyone can recompute the root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SealLeaf {
    pub kind: String,
    pub body: String,
}

impl SealLeaf {
    pub fn hash(&self) -> [u8; 32] {
        leaf_hash(&self.kind, &self.body)
    }
}

/// The hex Merkle root of leaves already in leaf order.
pub fn root_of(leaves: &[SealLeaf]) -> String {
    let hashes: Vec<[u8; 32]> = leaves.iter().map(SealLeaf::hash).collect();
    hex::encode(merkle_root(&hashes))
}

/// The sorted leaves of a case for a given custody head.
pub(crate) fn case_leaf_items(
    conn: &Connection,
    case_id: &str,
    head: &str,
) -> Result<Vec<SealLeaf>> {
    let mut items: Vec<SealLeaf> = Vec::new();
    let mut push = |kind: &str, body: String| {
        items.push(SealLeaf {
            kind: kind.to_string(),
            body,
        })
    };
    {
        let mut stmt = conn.prepare("SELECT id, sha256 FROM evidence WHERE case_id = ?1")?;
        let rows = stmt.query_map([case_id], |r| {
            Ok(format!(
                "{}:{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })?;
        for body in rows {
            push("evidence", body?);
        }
    }
    for (kind, table) in [
        ("entity", "entities"),
        ("link", "entity_links"),
        ("note", "notes"),
    ] {
        for body in rows_as_json(conn, table, case_id)? {
            push(kind, body);
        }
    }
    push("custody_head", head.to_string());
    items.sort();
    Ok(items)
}

fn case_leaves(conn: &Connection, case_id: &str, head: &str) -> Result<Vec<[u8; 32]>> {
    Ok(case_leaf_items(conn, case_id, head)?
        .iter()
        .map(SealLeaf::hash)
        .collect())
}

/// The audit path proving one leaf is part of a tree: the sibling hashes from the leaf
/// up, each with the side it sits on. An odd last node that moves up unchanged adds no
/// step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub leaf_count: u64,
    /// `(side, hex hash)`: side `"L"` when the sibling is on the left.
    pub path: Vec<(String, String)>,
}

pub fn inclusion_proof(leaves: &[[u8; 32]], index: usize) -> Option<InclusionProof> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    let mut level = leaves.to_vec();
    let mut i = index;
    while level.len() > 1 {
        let sibling = i ^ 1;
        if sibling < level.len() {
            let side = if sibling < i { "L" } else { "R" };
            path.push((side.to_string(), hex::encode(level[sibling])));
        }
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [l, r] => node_hash(l, r),
                [one] => *one,
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect();
        i /= 2;
    }
    Some(InclusionProof {
        leaf_index: index as u64,
        leaf_count: leaves.len() as u64,
        path,
    })
}

/// The root an inclusion proof leads to from `leaf`; compare it with the signed root.
pub fn root_from_proof(leaf: [u8; 32], proof: &InclusionProof) -> Option<[u8; 32]> {
    let mut acc = leaf;
    for (side, sibling) in &proof.path {
        let mut other = [0u8; 32];
        hex::decode_to_slice(sibling, &mut other).ok()?;
        acc = match side.as_str() {
            "L" => node_hash(&other, &acc),
            "R" => node_hash(&acc, &other),
            _ => return None,
        };
    }
    Some(acc)
}

/// Seals a case inside the transaction of its sealing transition: `head` is that
/// transition's event hash.
pub(crate) fn seal_case(
    conn: &Connection,
    case_id: &str,
    head: &str,
    key: &SigningKey,
    actor: &str,
) -> Result<Seal> {
    let leaves = case_leaves(conn, case_id, head)?;
    let root = hex::encode(merkle_root(&leaves));
    let at = time_fmt::now_utc();
    let print = fingerprint(&key.verifying_key());
    let signature = key.sign(&signed_bytes(case_id, &root, head, &at, &print));
    let seal = Seal {
        case_id: case_id.to_string(),
        root,
        leaf_count: leaves.len() as u64,
        head: head.to_string(),
        at,
        fingerprint: print,
        signature: hex::encode(signature.to_bytes()),
    };
    conn.execute(
        "INSERT INTO case_seals (case_id, root, leaf_count, head, at, fingerprint, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            seal.case_id,
            seal.root,
            seal.leaf_count,
            seal.head,
            seal.at,
            seal.fingerprint,
            seal.signature
        ],
    )?;
    custody::append(conn, case_id, actor, SEAL_EVENT, &json!(seal))?;
    Ok(seal)
}

fn read_seal(conn: &Connection, case_id: &str) -> Result<Option<Seal>> {
    Ok(conn
        .query_row(
            "SELECT case_id, root, leaf_count, head, at, fingerprint, signature
             FROM case_seals WHERE case_id = ?1",
            [case_id],
            |r| {
                Ok(Seal {
                    case_id: r.get(0)?,
                    root: r.get(1)?,
                    leaf_count: r.get(2)?,
                    head: r.get(3)?,
                    at: r.get(4)?,
                    fingerprint: r.get(5)?,
                    signature: r.get(6)?,
                })
            },
        )
        .optional()?)
}

impl Workspace {
    /// The seal of a case, if it is sealed.
    pub fn case_seal(&self, code: &str) -> Result<Option<Seal>> {
        let case = self.case_by_code(code)?;
        read_seal(&self.conn, &case.id)
    }

    /// The leaves of a sealed case's Merkle tree, in leaf order: what a bundle carries
    /// so the root can be recomputed without the database. Empty when not sealed.
    pub fn case_seal_leaves(&self, code: &str) -> Result<Vec<SealLeaf>> {
        let case = self.case_by_code(code)?;
        match read_seal(&self.conn, &case.id)? {
            Some(seal) => case_leaf_items(&self.conn, &case.id, &seal.head),
            None => Ok(Vec::new()),
        }
    }

    /// Recomputes every sealed case's Merkle root and checks its signature. Problem
    /// kinds: `seal_missing`, `seal_root_mismatch`, `seal_key_unknown`,
    /// `seal_signature_invalid`.
    pub(crate) fn verify_seals(&self, code_of: &HashMap<&str, &str>) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        let sealed: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id FROM cases WHERE status = 'sealed' ORDER BY code")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for case_id in sealed {
            let code = code_of.get(case_id.as_str()).map(|c| c.to_string());
            let mut report = |kind: &str, detail: String| {
                problems.push(Problem {
                    kind: kind.to_string(),
                    case_code: code.clone(),
                    sha256: None,
                    seq: None,
                    detail,
                })
            };
            let Some(seal) = read_seal(&self.conn, &case_id)? else {
                report("seal_missing", "the case is sealed but has no seal".into());
                continue;
            };
            let root = hex::encode(merkle_root(&case_leaves(&self.conn, &case_id, &seal.head)?));
            if root != seal.root {
                report(
                    "seal_root_mismatch",
                    format!(
                        "the case's contents hash to Merkle root {root}, the seal says {}",
                        seal.root
                    ),
                );
            }
            let Some(stored) = keys::public_key_by_fingerprint(&self.conn, &seal.fingerprint)?
            else {
                report(
                    "seal_key_unknown",
                    format!("the seal was signed by unknown key {}", seal.fingerprint),
                );
                continue;
            };
            let public = parse_public_key(&stored.public_key)?;
            let signature = hex::decode(&seal.signature)
                .ok()
                .and_then(|b| <[u8; 64]>::try_from(b).ok())
                .map(|b| Signature::from_bytes(&b));
            let bytes = signed_bytes(
                &case_id,
                &seal.root,
                &seal.head,
                &seal.at,
                &seal.fingerprint,
            );
            let valid = signature.is_some_and(|s| public.verify(&bytes, &s).is_ok());
            if !valid {
                report(
                    "seal_signature_invalid",
                    format!(
                        "the seal signature by profile {} does not verify",
                        stored.profile
                    ),
                );
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merkle_known_answer() {
        let a = leaf_hash("note", "{}");
        let mut manual = vec![0u8];
        manual.extend_from_slice(&4u32.to_be_bytes());
        manual.extend_from_slice(b"note");
        manual.extend_from_slice(&2u32.to_be_bytes());
        manual.extend_from_slice(b"{}");
        assert_eq!(a, <[u8; 32]>::from(Sha256::digest(&manual)));
        let b = leaf_hash("custody_head", "h");
        let c = leaf_hash("evidence", "e:s");
        let ab: [u8; 32] = Sha256::digest([&[1u8][..], &a, &b].concat()).into();
        let expected: [u8; 32] = Sha256::digest([&[1u8][..], &ab, &c].concat()).into();
        assert_eq!(merkle_root(&[a, b, c]), expected);
        assert_eq!(merkle_root(&[a]), a);
        assert_eq!(
            hex::encode(merkle_root(&[a, b, c])),
            "2832e7d632a404f7ea9a1bc4d80a99af5f95172e99cd5bfa24386554bc4f4130"
        );
    }

    #[test]
    fn every_leaf_proves_into_the_root_and_a_wrong_leaf_does_not() {
        for n in 1..=13usize {
            let leaves: Vec<[u8; 32]> = (0..n)
                .map(|i| leaf_hash("evidence", &format!("e{i}:s")))
                .collect();
            let root = merkle_root(&leaves);
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = inclusion_proof(&leaves, i).unwrap();
                assert_eq!(root_from_proof(*leaf, &proof), Some(root), "n={n} i={i}");
                let other = leaf_hash("evidence", "forged:s");
                assert_ne!(root_from_proof(other, &proof), Some(root));
            }
            assert!(inclusion_proof(&leaves, n).is_none());
        }
    }
}
