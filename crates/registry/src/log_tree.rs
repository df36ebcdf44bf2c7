//! The registry's Merkle log kept in memory as its complete subtrees, so an append and
//! every tree head or proof cost O(log n) hashes instead of rehashing every leaf.
//!
//! `levels[l][j]` is the hash of the complete subtree of 2^l leaves starting at leaf
//! `j * 2^l` (level 0 holds the leaf hashes). Every range the RFC 9162 recursion asks
//! for starts at a multiple of a power of two at least as large as the range, so its
//! hash is a right fold over at most log n of these nodes. The answers are those of
//! `truyvet_wire::merkle` byte for byte (a test compares them for many sizes); the
//! stores keep this cache in step with the `log_leaves` table.

use sha2::{Digest, Sha256};
use truyvet_wire::merkle::{Hash, empty_root};

#[derive(Debug, Clone, Default)]
pub struct LogTree {
    levels: Vec<Vec<Hash>>,
}

/// An interior node, RFC 9162 §2.1.1: SHA-256(0x01 || left || right).
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly less than `n` (`n >= 2`): where MTH splits.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

impl LogTree {
    pub fn new() -> LogTree {
        LogTree::default()
    }

    /// The number of leaves held.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash and the complete subtrees it closes: O(log n) hashes.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let (mut level, mut j) = (0, self.levels[0].len() - 1);
        while j & 1 == 1 {
            let h = node_hash(&self.levels[level][j - 1], &self.levels[level][j]);
            level += 1;
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(h);
            j >>= 1;
        }
    }

    /// The hash of leaf `index` (`index < self.size()`).
    pub fn leaf(&self, index: u64) -> Hash {
        self.levels[0][index as usize]
    }

    /// Forgets every leaf from `size` on (a publish whose transaction did not commit).
    pub fn truncate(&mut self, size: u64) {
        for (level, nodes) in self.levels.iter_mut().enumerate() {
            nodes.truncate((size >> level) as usize);
        }
    }

    /// MTH of leaves `[start, end)`, where `start` is a multiple of the largest power of
    /// two not above `end - start` (true of every range the recursion of RFC 9162 forms).
    fn range_root(&self, start: u64, end: u64) -> Hash {
        if end <= start {
            return empty_root();
        }
        let mut pieces = Vec::new();
        let mut at = start;
        while at < end {
            let level = 63 - (end - at).leading_zeros();
            pieces.push(self.levels[level as usize][(at >> level) as usize]);
            at += 1 << level;
        }
        let mut acc = pieces.pop().unwrap_or_else(empty_root);
        while let Some(left) = pieces.pop() {
            acc = node_hash(&left, &acc);
        }
        acc
    }

    /// The root of the first `size` leaves (`size <= self.size()`).
    pub fn root(&self, size: u64) -> Hash {
        self.range_root(0, size)
    }

    /// PATH(index, D[size]) as `merkle::inclusion_proof` gives it; empty when `index` is
    /// not below `size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Vec<Hash> {
        let mut out = Vec::new();
        if index < size {
            self.path(index, 0, size, &mut out);
        }
        out
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.range_root(start + k, start + n));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.range_root(start, start + k));
        }
    }

    /// PROOF(old_size, D[size]) as `merkle::consistency_proof` gives it.
    pub fn consistency_proof(&self, old_size: u64, size: u64) -> Vec<Hash> {
        let mut out = Vec::new();
        if old_size > 0 && old_size < size {
            self.subproof(old_size, 0, size, true, &mut out);
        }
        out
    }

    fn subproof(&self, m: u64, start: u64, n: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !whole {
                out.push(self.range_root(start, start + n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, whole, out);
            out.push(self.range_root(start + k, start + n));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.range_root(start, start + k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use truyvet_wire::merkle;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
            .collect()
    }

    #[test]
    fn cached_tree_answers_exactly_as_the_plain_computation() {
        let all = leaves(140);
        let mut tree = LogTree::new();
        assert_eq!(tree.root(0), merkle::empty_root());
        for n in 1..=all.len() as u64 {
            tree.push(all[n as usize - 1]);
            assert_eq!(tree.size(), n);
            assert_eq!(tree.root(n), merkle::root(&all[..n as usize]), "root {n}");
        }
        // Every prefix of the log, not only the whole: proofs name older sizes.
        for size in 0..=all.len() as u64 {
            let plain = &all[..size as usize];
            assert_eq!(tree.root(size), merkle::root(plain), "root {size}");
            for i in 0..=size {
                assert_eq!(
                    tree.inclusion_proof(i, size),
                    merkle::inclusion_proof(plain, i as usize),
                    "inclusion {i} of {size}"
                );
                assert_eq!(
                    tree.consistency_proof(i, size),
                    merkle::consistency_proof(plain, i as usize),
                    "consistency {i} to {size}"
                );
            }
        }
    }

    #[test]
    fn large_sizes_agree_at_the_edges() {
        let all = leaves(4099);
        let mut tree = LogTree::new();
        all.iter().for_each(|l| tree.push(*l));
        for size in [1023u64, 1024, 1025, 2048, 4095, 4096, 4097, 4099] {
            let plain = &all[..size as usize];
            assert_eq!(tree.root(size), merkle::root(plain));
            for i in [0, 1, size / 2, size - 2, size - 1] {
                assert_eq!(
                    tree.inclusion_proof(i, size),
                    merkle::inclusion_proof(plain, i as usize)
                );
                assert_eq!(
                    tree.consistency_proof(i, size),
                    merkle::consistency_proof(plain, i as usize)
                );
            }
        }
    }

    #[test]
    fn truncate_undoes_appends() {
        let all = leaves(37);
        let mut tree = LogTree::new();
        all.iter().for_each(|l| tree.push(*l));
        tree.truncate(20);
        assert_eq!(tree.size(), 20);
        assert_eq!(tree.root(20), merkle::root(&all[..20]));
        for l in &all[20..] {
            tree.push(*l);
        }
        assert_eq!(tree.root(37), merkle::root(&all));
        assert_eq!(
            tree.inclusion_proof(36, 37),
            merkle::inclusion_proof(&all, 36)
        );
    }
}
