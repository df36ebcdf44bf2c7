//! The cost of the Merkle log per push and per proof, before and after the cached tree
//! (`log_tree.rs`), on one SQLite store holding N leaves. A benchmark aid.
//!
//! "plain" is what a tree head, a proof and every publish used to do: read every leaf
//! hash from the table and hash the whole tree (`truyvet_wire::merkle`). "cached" is the
//! store's `log_read` with the same answers from the complete subtrees. Both are checked
//! equal before anything is timed.
//!
//! `cargo run --release -p truyvet-registry --example log_speed -- [LEAVES] [ROUNDS]`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use truyvet_registry::data_dir::DataDir;
use truyvet_registry::log_tree::LogTree;
use truyvet_registry::store::sqlite::SqliteStore;
use truyvet_registry::store::{NewCase, Store};
use truyvet_wire::api::{LeafData, Receipt, UnitContact, hex_hashes};
use truyvet_wire::merkle;
use truyvet_wire::tree_head::TreeHead;

fn case(n: u64) -> NewCase {
    let leaf = LeafData {
        accepted_at: "2026-11-01T00:00:00.000Z".into(),
        agency: "QLTT".into(),
        bundle_sha256: format!("{n:064x}"),
        case_id: format!("case-{n:08}"),
        seal_root: format!("{:064x}", n + 1),
    };
    NewCase {
        case_id: leaf.case_id.clone(),
        case_code: format!("QLTT-HN-2026-{n:06}"),
        agency: "QLTT".into(),
        unit: "DOI1".into(),
        seal_root: leaf.seal_root.clone(),
        bundle_sha256: leaf.bundle_sha256.clone(),
        province: "HN".into(),
        sealed_at: "2026-11-01T00:00:00.000Z".into(),
        accepted_at: leaf.accepted_at.clone(),
        categories: vec!["counterfeit_goods".into()],
        platforms: vec![],
        identifiers: vec![],
        leaf_data: leaf.canonical_json(),
        leaf_hash: leaf.leaf_hash(),
    }
}

fn publish(store: &dyn Store, key: &ed25519_dalek::SigningKey, n: u64) {
    let case = case(n);
    let make = |index: u64, tree: &LogTree| {
        Ok(Receipt {
            case_id: case.case_id.clone(),
            case_code: case.case_code.clone(),
            seal_root: case.seal_root.clone(),
            bundle_sha256: case.bundle_sha256.clone(),
            agency: case.agency.clone(),
            accepted_at: case.accepted_at.clone(),
            leaf_index: index,
            leaf_hash: hex::encode(case.leaf_hash),
            tree_head: TreeHead::sign(index + 1, &tree.root(index + 1), "t", key),
            inclusion_proof: hex_hashes(&tree.inclusion_proof(index, index + 1)),
        })
    };
    store.publish(&case, &make).unwrap();
}

fn median(mut d: Vec<Duration>) -> f64 {
    d.sort();
    d[d.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let leaves = args.first().copied().unwrap_or(20_000);
    let rounds = args.get(1).copied().unwrap_or(20);
    let temp =
        tempfile::tempdir_in(std::env::var("BENCH_TMPDIR").unwrap_or("/var/tmp".into())).unwrap();
    let dir = DataDir::open(temp.path()).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    {
        // Filled through `publish`, one transaction a leaf as the server does; the timed
        // part below runs on a store opened afresh, whose cache starts empty.
        let store = SqliteStore::open(&dir.database()).unwrap();
        store.add_agency("QLTT", "x", "t").unwrap();
        let unit = UnitContact {
            agency: "QLTT".into(),
            code: "DOI1".into(),
            name: "Đội 1".into(),
            contact: String::new(),
        };
        store.add_unit(&unit, "t").unwrap();
        let started = Instant::now();
        for n in 0..leaves {
            publish(&store, &key, n);
        }
        eprintln!(
            "{leaves} leaves published in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let store = SqliteStore::open(&dir.database()).unwrap();
    let t = Instant::now();
    store.log_read(&mut |_| {}).unwrap();
    let first_read = t.elapsed().as_secs_f64() * 1e3;
    let size = store.log_size().unwrap();
    let index = size / 3;

    let (mut plain, mut cached) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let all = store.leaf_hashes(size).unwrap();
        let a = (
            merkle::root(&all),
            merkle::inclusion_proof(&all, index as usize),
        );
        plain.push(t.elapsed());
        let t = Instant::now();
        let mut b = None;
        store
            .log_read(&mut |tree| b = Some((tree.root(size), tree.inclusion_proof(index, size))))
            .unwrap();
        cached.push(t.elapsed());
        assert_eq!(Some(a), b);
    }
    let mut pushes = Vec::new();
    for n in leaves..leaves + rounds {
        let t = Instant::now();
        publish(&store, &key, n);
        pushes.push(t.elapsed());
    }
    println!(
        "{{\"leaves\": {size}, \"first_log_read_ms\": {first_read:.1}, \
         \"head_and_inclusion_plain_ms\": {:.3}, \"head_and_inclusion_cached_ms\": {:.4}, \
         \"publish_cached_ms\": {:.3}}}",
        median(plain),
        median(cached),
        median(pushes)
    );
}
