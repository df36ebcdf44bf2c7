//! RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs over SHA-256.
//!
//! The registry keeps an append-only log of accepted cases; a client holding a receipt
//! checks with these functions that its case is in the log (inclusion) and that a later
//! tree head extends the one it saw before (consistency), so the registry cannot drop or
//! rewrite an entry without the client noticing. The hashing is RFC 9162's (and RFC
//! 6962's) exactly, so any Certificate Transparency tool can check our proofs too.
//!
//! The builders take the leaf hashes of the whole tree; the verifiers take only sizes,
//! hashes and the proof, treat all of it as hostile, and answer `false` rather than panic.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// Domain separation between leaves and interior nodes (RFC 9162 §2.1.1): without it a
/// node could be passed off as a leaf (second-preimage attack).
const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// The longest proof any tree of at most 2^64 - 1 leaves can have: one hash per level.
const MAX_PROOF_LEN: usize = 64;

/// The leaf hash of an entry: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    h.finalize().into()
}

/// An interior node: SHA-256(0x01 || left || right).
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of an empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly less than `n` (`n >= 2`): where MTH splits.
fn split(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// MTH(D[n]) over already hashed leaves.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `index`, nearest sibling first. Empty when
/// `index` is not a leaf of the tree (no verifier accepts that for a tree of two or more
/// leaves, and `verify_inclusion` refuses an index outside the tree anyway).
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Vec<Hash> {
    let mut proof = Vec::new();
    if index < leaves.len() {
        path(index, leaves, &mut proof);
    }
    proof
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// Checks an audit path (RFC 9162 §2.1.3.2): `leaf` (a leaf hash) is entry `index` of
/// the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size || proof.len() > MAX_PROOF_LEN {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                // A right-most node with no sibling at these levels: climb to where it
                // has one (or to the top), as the tree promotes it unchanged.
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// PROOF(m, D[n]): the consistency proof from the first `old_size` leaves to the whole
/// tree. Empty when `old_size` is 0, equal to or beyond the tree's size: the sizes that
/// need no proof or have none.
pub fn consistency_proof(leaves: &[Hash], old_size: usize) -> Vec<Hash> {
    let mut proof = Vec::new();
    if old_size > 0 && old_size < leaves.len() {
        subproof(old_size, leaves, true, &mut proof);
    }
    proof
}

/// SUBPROOF(m, D[n], b); `whole` is `b`: whether the old tree is a complete subtree
/// the verifier already knows the hash of (its old root), so it need not be sent.
fn subproof(m: usize, leaves: &[Hash], whole: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !whole {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], whole, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): the tree of `new_size` leaves with
/// root `new_root` starts with the tree of `old_size` leaves with root `old_root`.
///
/// Equal sizes need an empty proof and equal roots. An old size of 0 needs an empty
/// proof and the empty tree's root (every tree extends the empty one, but a head that
/// claims size 0 with another root is not a head this log signed).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size || proof.len() > MAX_PROOF_LEN {
        return false;
    }
    if old_size == 0 {
        return proof.is_empty() && *old_root == empty_root();
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if proof.is_empty() {
        return false;
    }
    // When the old tree is a complete subtree (a power of two), the proof leaves out its
    // root, which the verifier already holds.
    let mut path = proof.iter();
    let first = if old_size.is_power_of_two() {
        *old_root
    } else {
        match path.next() {
            Some(h) => *h,
            None => return false,
        }
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && fr == *old_root && sr == *new_root
}
