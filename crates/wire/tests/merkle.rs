//! The transparency-log proofs against the reference vectors of RFC 6962's Certificate
//! Transparency implementations (the 8-leaf tree of google/certificate-transparency and
//! transparency-dev/merkle), then exhaustively over small trees, then hostile input.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use truyvet_wire::merkle::{
    Hash, consistency_proof, empty_root, inclusion_proof, leaf_hash, root, verify_consistency,
    verify_inclusion,
};

const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Roots of the trees of the first 1..=8 of `LEAF_INPUTS`.
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// The complete subtrees of the 8-leaf tree, by level then position.
const LEVEL0: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
];
const LEVEL1: [&str; 4] = [
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
];
const LEVEL2: [&str; 2] = [
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
];

fn h(text: &str) -> Hash {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).unwrap();
    out
}

fn hs(texts: &[&str]) -> Vec<Hash> {
    texts.iter().map(|t| h(t)).collect()
}

fn reference_leaves() -> Vec<Hash> {
    LEAF_INPUTS
        .iter()
        .map(|x| leaf_hash(&hex::decode(x).unwrap()))
        .collect()
}

/// Leaves for the generated trees: the hash of the index, so every leaf differs.
fn leaves(n: usize) -> Vec<Hash> {
    (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

#[test]
fn empty_tree_root_is_sha256_of_nothing() {
    assert_eq!(
        hex::encode(root(&[])),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(root(&[]), empty_root());
}

#[test]
fn reference_leaf_and_node_hashes() {
    let leaves = reference_leaves();
    assert_eq!(leaves, hs(&LEVEL0));
    for (i, want) in LEVEL1.iter().enumerate() {
        assert_eq!(root(&leaves[2 * i..2 * i + 2]), h(want), "level 1 node {i}");
    }
    for (i, want) in LEVEL2.iter().enumerate() {
        assert_eq!(root(&leaves[4 * i..4 * i + 4]), h(want), "level 2 node {i}");
    }
}

#[test]
fn reference_roots_for_every_size() {
    let leaves = reference_leaves();
    for (size, want) in (1..=8).zip(ROOTS) {
        assert_eq!(hex::encode(root(&leaves[..size])), want, "size {size}");
    }
}

/// (index, size, proof), index 0-based. From transparency-dev/merkle's verifier tests
/// and its node-id tables for the same tree.
fn reference_inclusion() -> Vec<(usize, usize, Vec<Hash>)> {
    vec![
        (0, 1, vec![]),
        (0, 8, hs(&[LEVEL0[1], LEVEL1[1], LEVEL2[1]])),
        (5, 8, hs(&[LEVEL0[4], LEVEL1[3], LEVEL2[0]])),
        (2, 3, hs(&[LEVEL1[0]])),
        (1, 5, hs(&[LEVEL0[0], LEVEL1[1], LEVEL0[4]])),
        (0, 2, hs(&[LEVEL0[1]])),
        (1, 3, hs(&[LEVEL0[0], LEVEL0[2]])),
        (4, 7, hs(&[LEVEL0[5], LEVEL0[6], LEVEL2[0]])),
        (6, 7, hs(&[LEVEL1[2], LEVEL2[0]])),
        (2, 4, hs(&[LEVEL0[3], LEVEL1[0]])),
        (3, 6, hs(&[LEVEL0[2], LEVEL1[0], LEVEL1[2]])),
    ]
}

/// (old size, new size, proof).
fn reference_consistency() -> Vec<(usize, usize, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (1, 8, hs(&[LEVEL0[1], LEVEL1[1], LEVEL2[1]])),
        (6, 8, hs(&[LEVEL1[2], LEVEL1[3], LEVEL2[0]])),
        (2, 5, hs(&[LEVEL1[1], LEVEL0[4]])),
        (6, 7, hs(&[LEVEL1[2], LEVEL0[6], LEVEL2[0]])),
        (1, 2, hs(&[LEVEL0[1]])),
        (2, 3, hs(&[LEVEL0[2]])),
        (2, 8, hs(&[LEVEL1[1], LEVEL2[1]])),
        (5, 7, hs(&[LEVEL0[4], LEVEL0[5], LEVEL0[6], LEVEL2[0]])),
        (7, 8, hs(&[LEVEL0[6], LEVEL0[7], LEVEL1[2], LEVEL2[0]])),
        (3, 5, hs(&[LEVEL0[2], LEVEL0[3], LEVEL1[0], LEVEL0[4]])),
        (4, 6, hs(&[LEVEL1[2]])),
    ]
}

#[test]
fn reference_inclusion_proofs() {
    let leaves = reference_leaves();
    for (index, size, want) in reference_inclusion() {
        let tree = &leaves[..size];
        assert_eq!(
            inclusion_proof(tree, index),
            want,
            "proof {index} of {size}"
        );
        let r = h(ROOTS[size - 1]);
        assert!(
            verify_inclusion(&leaves[index], index as u64, size as u64, &want, &r),
            "verify {index} of {size}"
        );
    }
}

#[test]
fn reference_consistency_proofs() {
    let leaves = reference_leaves();
    for (m, n, want) in reference_consistency() {
        assert_eq!(consistency_proof(&leaves[..n], m), want, "proof {m} -> {n}");
        let (old, new) = (h(ROOTS[m - 1]), h(ROOTS[n - 1]));
        assert!(
            verify_consistency(m as u64, n as u64, &old, &new, &want),
            "verify {m} -> {n}"
        );
    }
}

/// Every way the reference suites mutate a valid inclusion proof. A tree size changed
/// by one can share a valid proof (sizes 3 and 4 give leaf 0 the same path shape): the
/// size is bound to the root by the signed tree head, not by the proof, so only the
/// changes that alter the tree's height are expected to fail here.
fn inclusion_mutants(
    index: u64,
    size: u64,
    proof: &[Hash],
    r: &Hash,
    leaf: &Hash,
) -> Vec<(String, u64, u64, Vec<Hash>, Hash, Hash)> {
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    let mut out = vec![
        (
            "index - 1".into(),
            index.wrapping_sub(1),
            size,
            proof.to_vec(),
            *r,
            *leaf,
        ),
        (
            "index + 1".into(),
            index + 1,
            size,
            proof.to_vec(),
            *r,
            *leaf,
        ),
        (
            "index ^ 2".into(),
            index ^ 2,
            size,
            proof.to_vec(),
            *r,
            *leaf,
        ),
        (
            "size * 2".into(),
            index,
            size * 2,
            proof.to_vec(),
            *r,
            *leaf,
        ),
        (
            "size / 2".into(),
            index,
            size / 2,
            proof.to_vec(),
            *r,
            *leaf,
        ),
        (
            "wrong leaf".into(),
            index,
            size,
            proof.to_vec(),
            *r,
            leaf_hash(b"WrongLeaf"),
        ),
        (
            "empty root".into(),
            index,
            size,
            proof.to_vec(),
            empty_root(),
            *leaf,
        ),
        (
            "random root".into(),
            index,
            size,
            proof.to_vec(),
            some,
            *leaf,
        ),
        (
            "trailing root".into(),
            index,
            size,
            [proof, &[*r]].concat(),
            *r,
            *leaf,
        ),
        (
            "preceding root".into(),
            index,
            size,
            [&[*r], proof].concat(),
            *r,
            *leaf,
        ),
    ];
    for i in 0..proof.len() {
        for bit in [0u8, 3, 7] {
            let mut p = proof.to_vec();
            p[i][i % 32] ^= 1 << bit;
            out.push((format!("proof[{i}] bit {bit}"), index, size, p, *r, *leaf));
        }
    }
    if let Some((_, rest)) = proof.split_last() {
        out.push(("truncated".into(), index, size, rest.to_vec(), *r, *leaf));
    }
    if proof.len() > 1 {
        let p = [&proof[..1], &[some], &proof[1..]].concat();
        out.push(("inserted".into(), index, size, p, *r, *leaf));
    }
    out
}

fn assert_inclusion_mutants_fail(index: u64, size: u64, proof: &[Hash], r: &Hash, leaf: &Hash) {
    for (what, i, s, p, r, l) in inclusion_mutants(index, size, proof, r, leaf) {
        assert!(
            !verify_inclusion(&l, i, s, &p, &r),
            "accepted {what} for leaf {index} of {size}"
        );
    }
}

#[test]
fn reference_inclusion_mutants_are_refused() {
    let leaves = reference_leaves();
    for (index, size, proof) in reference_inclusion() {
        let r = h(ROOTS[size - 1]);
        assert_inclusion_mutants_fail(index as u64, size as u64, &proof, &r, &leaves[index]);
    }
}

#[test]
fn every_inclusion_proof_up_to_70_leaves() {
    for size in 1..=70usize {
        let tree = leaves(size);
        let r = root(&tree);
        for index in 0..size {
            let proof = inclusion_proof(&tree, index);
            let (i, s) = (index as u64, size as u64);
            assert!(
                verify_inclusion(&tree[index], i, s, &proof, &r),
                "{index} of {size}"
            );
            // Another leaf at this position, this leaf at another position, another root.
            let other = tree[(index + 1) % size];
            if size > 1 {
                assert!(!verify_inclusion(&other, i, s, &proof, &r));
            }
            assert!(!verify_inclusion(&leaf_hash(b"x"), i, s, &proof, &r));
            for j in 0..size as u64 {
                if j != i {
                    assert!(
                        !verify_inclusion(&tree[index], j, s, &proof, &r),
                        "{index} as {j} of {size}"
                    );
                }
            }
            let mut bad_root = r;
            bad_root[31] ^= 0x80;
            assert!(!verify_inclusion(&tree[index], i, s, &proof, &bad_root));
            assert_inclusion_mutants_fail(i, s, &proof, &r, &tree[index]);
        }
    }
}

#[test]
fn every_consistency_proof_up_to_70_leaves() {
    let all = leaves(70);
    let roots: Vec<Hash> = (0..=70).map(|n| root(&all[..n])).collect();
    for n in 1..=70usize {
        let tree = &all[..n];
        for m in 1..=n {
            let proof = consistency_proof(tree, m);
            let (ms, ns) = (m as u64, n as u64);
            assert!(
                verify_consistency(ms, ns, &roots[m], &roots[n], &proof),
                "{m} -> {n}"
            );
            let mut bad_old = roots[m];
            bad_old[0] ^= 1;
            assert!(
                !verify_consistency(ms, ns, &bad_old, &roots[n], &proof),
                "old root {m} -> {n}"
            );
            let mut bad_new = roots[n];
            bad_new[31] ^= 1;
            assert!(
                !verify_consistency(ms, ns, &roots[m], &bad_new, &proof),
                "new root {m} -> {n}"
            );
            if m < n {
                assert_consistency_mutants_fail(ms, ns, &roots[m], &roots[n], &proof);
                // The proof holds for this old size only.
                for other in 1..n {
                    if other != m {
                        assert!(
                            !verify_consistency(other as u64, ns, &roots[m], &roots[n], &proof),
                            "{m} -> {n} passed off as {other} -> {n}"
                        );
                    }
                }
            }
        }
    }
}

fn assert_consistency_mutants_fail(m: u64, n: u64, old: &Hash, new: &Hash, proof: &[Hash]) {
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    let mut cases: Vec<(String, u64, u64, Hash, Hash, Vec<Hash>)> = vec![
        ("size1 - 1".into(), m - 1, n, *old, *new, proof.to_vec()),
        ("size1 + 1".into(), m + 1, n, *old, *new, proof.to_vec()),
        ("size1 ^ 2".into(), m ^ 2, n, *old, *new, proof.to_vec()),
        ("size2 * 2".into(), m, n * 2, *old, *new, proof.to_vec()),
        ("size2 / 2".into(), m, n / 2, *old, *new, proof.to_vec()),
        ("swapped roots".into(), m, n, *new, *old, proof.to_vec()),
        ("random root1".into(), m, n, some, *new, proof.to_vec()),
        ("empty proof".into(), m, n, *old, *new, vec![]),
        (
            "trailing root1".into(),
            m,
            n,
            *old,
            *new,
            [proof, &[*old]].concat(),
        ),
        (
            "trailing root2".into(),
            m,
            n,
            *old,
            *new,
            [proof, &[*new]].concat(),
        ),
        (
            "preceding root1".into(),
            m,
            n,
            *old,
            *new,
            [&[*old], proof].concat(),
        ),
        (
            "preceding root2".into(),
            m,
            n,
            *old,
            *new,
            [&[*new], proof].concat(),
        ),
        (
            "preceding proof[0]".into(),
            m,
            n,
            *old,
            *new,
            [&proof[..1], proof].concat(),
        ),
    ];
    if let Some((_, rest)) = proof.split_last() {
        cases.push(("truncated".into(), m, n, *old, *new, rest.to_vec()));
    }
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i][0] ^= 16;
        cases.push((format!("proof[{i}] bit 4"), m, n, *old, *new, p));
    }
    for (what, a, b, r1, r2, p) in cases {
        assert!(
            !verify_consistency(a, b, &r1, &r2, &p),
            "accepted {what} for {m} -> {n}"
        );
    }
}

#[test]
fn trivial_consistency_cases() {
    let t = leaves(3);
    let (r1, r3) = (root(&t[..1]), root(&t));
    // Every tree extends the empty one, whose root is fixed.
    assert!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[]));
    assert!(verify_consistency(0, 3, &empty_root(), &r3, &[]));
    assert!(
        !verify_consistency(0, 3, &r1, &r3, &[]),
        "size 0 with a non-empty root"
    );
    assert!(
        !verify_consistency(0, 3, &empty_root(), &r3, &[r1]),
        "size 0 with a proof"
    );
    // Equal sizes: equal roots and no proof.
    assert!(verify_consistency(3, 3, &r3, &r3, &[]));
    assert!(!verify_consistency(3, 3, &r1, &r3, &[]));
    assert!(!verify_consistency(3, 3, &r3, &r3, &[r3]));
    // Time travel to the past.
    assert!(!verify_consistency(3, 1, &r3, &r1, &[]));
    assert!(!verify_consistency(
        3,
        1,
        &r3,
        &r1,
        &consistency_proof(&t, 1)
    ));
    // The builders give nothing for sizes without a proof.
    assert!(consistency_proof(&t, 0).is_empty());
    assert!(consistency_proof(&t, 3).is_empty());
    assert!(consistency_proof(&t, 4).is_empty());
    assert!(inclusion_proof(&t, 3).is_empty());
    assert!(inclusion_proof(&[], 0).is_empty());
}

#[test]
fn hostile_sizes_and_lengths_never_panic() {
    let leaf = leaf_hash(b"a");
    let r = leaf;
    let long = vec![leaf; 65];
    let huge = vec![leaf; 10_000];
    let sizes = [0, 1, 2, 3, u64::MAX / 2, u64::MAX - 1, u64::MAX];
    for &size in &sizes {
        for &index in &sizes {
            for proof in [&[][..], &[leaf][..], &long[..], &huge[..]] {
                let ok = verify_inclusion(&leaf, index, size, proof, &r);
                // Only the one-leaf tree with its own leaf as root holds here.
                assert_eq!(
                    ok,
                    index == 0 && size == 1 && proof.is_empty(),
                    "{index} {size}"
                );
            }
        }
        for &old in &sizes {
            for proof in [&[][..], &[leaf][..], &long[..], &huge[..]] {
                let _ = verify_consistency(old, size, &r, &r, proof);
            }
        }
    }
    // Size 0: nothing is included in an empty tree.
    assert!(!verify_inclusion(&empty_root(), 0, 0, &[], &empty_root()));
    // A full-depth path for the last leaf of a 2^64 - 1 leaf tree is walked without
    // overflow (and fails, the hashes being made up).
    let deep = vec![leaf; 64];
    assert!(!verify_inclusion(&leaf, u64::MAX - 1, u64::MAX, &deep, &r));
    assert!(!verify_consistency(u64::MAX - 1, u64::MAX, &r, &r, &deep));
    assert!(!verify_consistency(1 << 63, u64::MAX, &r, &r, &deep));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random hashes, sizes and proofs are never accepted for made-up roots, and never
    /// make the verifiers panic.
    #[test]
    fn random_input_is_refused(
        index in any::<u64>(),
        size in any::<u64>(),
        old in any::<u64>(),
        proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
        leaf in any::<[u8; 32]>(),
        r in any::<[u8; 32]>(),
    ) {
        prop_assert!(!verify_inclusion(&leaf, index, size, &proof, &r) || (size == 1 && proof.is_empty() && leaf == r));
        let _ = verify_consistency(old, size, &leaf, &r, &proof);
    }

    /// A real proof in a bigger random tree, with any single bit flipped anywhere in the
    /// proof, fails.
    #[test]
    fn flipped_bits_in_real_proofs_fail(
        size in 2usize..300,
        pick in any::<u64>(),
        old_pick in any::<u64>(),
        bit in any::<u16>(),
    ) {
        let tree = leaves(size);
        let r = root(&tree);
        let index = (pick % size as u64) as usize;
        let mut proof = inclusion_proof(&tree, index);
        prop_assert!(verify_inclusion(&tree[index], index as u64, size as u64, &proof, &r));
        let bits = proof.len() * 256;
        let b = bit as usize % bits;
        proof[b / 256][(b % 256) / 8] ^= 1 << (b % 8);
        prop_assert!(!verify_inclusion(&tree[index], index as u64, size as u64, &proof, &r));

        let m = 1 + (old_pick % (size as u64 - 1)) as usize;
        let old = root(&tree[..m]);
        let mut proof = consistency_proof(&tree, m);
        prop_assert!(verify_consistency(m as u64, size as u64, &old, &r, &proof));
        let bits = proof.len() * 256;
        let b = bit as usize % bits;
        proof[b / 256][(b % 256) / 8] ^= 1 << (b % 8);
        prop_assert!(!verify_consistency(m as u64, size as u64, &old, &r, &proof));
    }
}
