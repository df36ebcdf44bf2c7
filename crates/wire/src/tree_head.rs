//! Signed tree heads of the registry log: the registry's signed statement "my log of
//! accepted cases has `size` entries and this root at this time". A client keeps the
//! last head it verified; with a consistency proof (see `merkle`) it later checks that
//! the next head extends it, so the registry cannot rewrite history it has signed.
//!
//! The signature covers (pinned by a known-answer test):
//!
//! ```text
//! signed = "truyvet.tree_head.v1\n" || u64be(size) || field(root) || field(timestamp)
//!          || field(key_fingerprint)
//! field(x) = u32be(byte length of x) || UTF-8 bytes of x
//! ```
//!
//! `root` is the lowercase hex of the RFC 9162 root, `timestamp` UTC RFC 3339 and
//! `key_fingerprint` the hex SHA-256 of the raw 32-byte Ed25519 public key, the same
//! fingerprint the profiles' keys have. The domain string keeps a tree-head signature
//! from ever being mistaken for another statement signed with the same key.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

const DOMAIN: &[u8] = b"truyvet.tree_head.v1\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHead {
    pub size: u64,
    /// Hex of the Merkle root (lowercase, 64 characters).
    pub root: String,
    /// When the registry signed it, UTC RFC 3339.
    pub timestamp: String,
    /// Hex SHA-256 of the raw Ed25519 public key that signed it.
    pub key_fingerprint: String,
    /// Hex of the 64-byte Ed25519 signature over `signed_bytes`.
    pub signature: String,
}

fn field(out: &mut Vec<u8>, x: &str) {
    out.extend_from_slice(&(x.len() as u32).to_be_bytes());
    out.extend_from_slice(x.as_bytes());
}

/// Hex SHA-256 of the raw 32-byte public key.
pub fn fingerprint(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl TreeHead {
    /// The exact bytes the registry signs.
    pub fn signed_bytes(
        size: u64,
        root_hex: &str,
        timestamp: &str,
        key_fingerprint: &str,
    ) -> Vec<u8> {
        let mut out = DOMAIN.to_vec();
        out.extend_from_slice(&size.to_be_bytes());
        for x in [root_hex, timestamp, key_fingerprint] {
            field(&mut out, x);
        }
        out
    }

    pub fn sign(size: u64, root: &Hash, timestamp: &str, key: &SigningKey) -> TreeHead {
        let root = hex::encode(root);
        let key_fingerprint = fingerprint(&key.verifying_key());
        let signature = key.sign(&Self::signed_bytes(
            size,
            &root,
            timestamp,
            &key_fingerprint,
        ));
        TreeHead {
            size,
            root,
            timestamp: timestamp.to_string(),
            key_fingerprint,
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// True when `key` signed exactly this head: the fingerprint names `key`, the root
    /// is a well-formed hash and the signature (strict Ed25519, no malleable forms)
    /// covers every field.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        if self.key_fingerprint != fingerprint(key) || self.root_hash().is_none() {
            return false;
        }
        let Some(signature) = decode_signature(&self.signature) else {
            return false;
        };
        let bytes = Self::signed_bytes(
            self.size,
            &self.root,
            &self.timestamp,
            &self.key_fingerprint,
        );
        key.verify_strict(&bytes, &signature).is_ok()
    }

    /// The root as bytes, when it is 64 lowercase hex digits (the only form `sign`
    /// writes, so that one head has one spelling).
    pub fn root_hash(&self) -> Option<Hash> {
        decode_lower_hex(&self.root)
    }
}

fn decode_signature(text: &str) -> Option<Signature> {
    let bytes: [u8; 64] = decode_lower_hex(text)?;
    Some(Signature::from_bytes(&bytes))
}

fn decode_lower_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    const ROOT: Hash = [0xab; 32];
    const AT: &str = "2026-11-28T10:00:00.000Z";

    #[test]
    fn signed_bytes_are_pinned() {
        let bytes = TreeHead::signed_bytes(5, "ab", "t", "fp");
        let mut manual = b"truyvet.tree_head.v1\n".to_vec();
        manual.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 5]);
        manual.extend_from_slice(&[0, 0, 0, 2]);
        manual.extend_from_slice(b"ab");
        manual.extend_from_slice(&[0, 0, 0, 1]);
        manual.extend_from_slice(b"t");
        manual.extend_from_slice(&[0, 0, 0, 2]);
        manual.extend_from_slice(b"fp");
        assert_eq!(bytes, manual);
        // The SHA-256 of a full-size example, so a change of layout cannot slip by.
        let head = TreeHead::sign(5, &ROOT, AT, &key());
        let full = TreeHead::signed_bytes(5, &head.root, AT, &head.key_fingerprint);
        assert_eq!(full.len(), 21 + 8 + 4 + 64 + 4 + AT.len() + 4 + 64);
        assert_eq!(
            hex::encode(Sha256::digest(&full)),
            KNOWN_SIGNED_SHA256,
            "signed bytes changed"
        );
        // Ed25519 is deterministic: the same key and bytes give the same signature.
        assert_eq!(head.signature, KNOWN_SIGNATURE);
    }

    // Computed independently of this code (Python `hashlib` and `cryptography`'s
    // Ed25519) from the layout in the module comment.
    const KNOWN_SIGNED_SHA256: &str =
        "db150d3b587725eda20df816c24c375e4266546335657e11377f038fbadcbff6";
    const KNOWN_SIGNATURE: &str = "4a5115cbfc303268dbcd3926ead3498fd80d28d3c4453e68bc4a3350cb0d44db\
                                   875e292907dabb56866e9b9d157a15952779fc824f6b835ca3fa3a99b5435a03";

    #[test]
    fn sign_then_verify() {
        let head = TreeHead::sign(5, &ROOT, AT, &key());
        assert_eq!(head.size, 5);
        assert_eq!(head.root, hex::encode(ROOT));
        assert_eq!(head.root_hash(), Some(ROOT));
        assert_eq!(head.key_fingerprint, fingerprint(&key().verifying_key()));
        assert!(head.verify(&key().verifying_key()));
        let json = serde_json::to_string(&head).unwrap();
        let back: TreeHead = serde_json::from_str(&json).unwrap();
        assert_eq!(back, head);
        assert!(back.verify(&key().verifying_key()));
    }

    #[test]
    fn another_key_is_refused() {
        let head = TreeHead::sign(5, &ROOT, AT, &key());
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert!(!head.verify(&other.verifying_key()));
        // Even with the fingerprint swapped to the other key's, the signature fails.
        let mut swapped = head.clone();
        swapped.key_fingerprint = fingerprint(&other.verifying_key());
        assert!(!swapped.verify(&other.verifying_key()));
    }

    /// Flips one bit of a hex string's byte `i` (keeping it hex).
    fn flip_hex(text: &str, i: usize) -> String {
        let mut bytes = hex::decode(text).unwrap();
        bytes[i] ^= 1;
        hex::encode(bytes)
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let key = key();
        let head = TreeHead::sign(1234, &ROOT, AT, &key);
        let vk = key.verifying_key();
        for bit in 0..64 {
            let mut h = head.clone();
            h.size ^= 1 << bit;
            assert!(!h.verify(&vk), "size bit {bit}");
        }
        for i in 0..32 {
            let mut h = head.clone();
            h.root = flip_hex(&h.root, i);
            assert!(!h.verify(&vk), "root byte {i}");
            let mut h = head.clone();
            h.key_fingerprint = flip_hex(&h.key_fingerprint, i);
            assert!(!h.verify(&vk), "fingerprint byte {i}");
        }
        for i in 0..64 {
            let mut h = head.clone();
            h.signature = flip_hex(&h.signature, i);
            assert!(!h.verify(&vk), "signature byte {i}");
        }
        for i in 0..AT.len() {
            let mut bytes = AT.as_bytes().to_vec();
            bytes[i] ^= 1;
            let mut h = head.clone();
            h.timestamp = String::from_utf8(bytes).unwrap();
            assert!(!h.verify(&vk), "timestamp byte {i}");
        }
    }

    #[test]
    fn malformed_fields_are_refused_not_panicked_on() {
        let key = key();
        let vk = key.verifying_key();
        let head = TreeHead::sign(3, &ROOT, AT, &key);
        let bad = [
            "",
            "zz",
            "ab",
            &head.signature[..126],
            &format!("{}00", head.signature),
        ];
        for sig in bad {
            let mut h = head.clone();
            h.signature = sig.to_string();
            assert!(!h.verify(&vk), "signature {sig:?}");
        }
        let mut upper = head.clone();
        upper.root = upper.root.to_uppercase();
        assert!(!upper.verify(&vk), "uppercase root is another spelling");
        for root in ["", "ab", "é"] {
            let mut h = head.clone();
            h.root = root.to_string();
            assert!(!h.verify(&vk));
        }
        // A head signed over a root that is not a hash never verifies either.
        let bytes = TreeHead::signed_bytes(3, "not-hex", AT, &fingerprint(&vk));
        let forged = TreeHead {
            size: 3,
            root: "not-hex".to_string(),
            timestamp: AT.to_string(),
            key_fingerprint: fingerprint(&vk),
            signature: hex::encode(key.sign(&bytes).to_bytes()),
        };
        assert!(!forged.verify(&vk));
    }
}
