//! One suite for every `Store`, run against SQLite (a temp file) and PostgreSQL (a
//! private cluster from `truyvet_tests::pg`), then what only PostgreSQL has to prove:
//! two registry processes publishing into one database, the append-only triggers, the
//! schema version, reconnecting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::thread;

use ed25519_dalek::SigningKey;
use truyvet_wire::api::{LeafData, Receipt, UnitContact};
use truyvet_wire::merkle;
use truyvet_wire::tree_head::TreeHead;

use super::PostgresStore;
use crate::error::Code;
use crate::log_tree::LogTree;
use crate::store::sqlite::SqliteStore;
use crate::store::{AuditRecord, CaseIdentifier, NewCase, Publish, Role, Store, Token, Upload};

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

fn pg_store() -> (truyvet_tests::pg::Database, PostgresStore) {
    let db = truyvet_tests::pg::database().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let store = PostgresStore::open(db.url()).unwrap_or_else(|e| panic!("open store: {e:?}"));
    (db, store)
}

fn unit(agency: &str, code: &str) -> UnitContact {
    UnitContact {
        agency: agency.into(),
        code: code.into(),
        name: format!("Đội {code}"),
        contact: format!("{code}@example.gov.vn"),
    }
}

fn token(id: &str, agency: &str, unit: &str, role: Role) -> Token {
    Token {
        id: id.into(),
        agency: agency.into(),
        unit: unit.into(),
        role,
        name: format!("máy {id}"),
        created_at: format!("2026-11-01T00:00:00.00{}Z", id.len() % 10),
        revoked_at: None,
    }
}

fn new_case(n: u32, agency: &str, unit: &str, sealed_at: &str, phone: &str) -> NewCase {
    let case_id = format!("case-{agency}-{n}");
    let leaf = LeafData {
        accepted_at: "2026-11-28T00:00:00.000Z".into(),
        agency: agency.into(),
        bundle_sha256: format!("{n:064x}"),
        case_id: case_id.clone(),
        seal_root: format!("{:064x}", n + 1000),
    };
    NewCase {
        case_id,
        case_code: format!("QLTT-2026-{n:04}"),
        agency: agency.into(),
        unit: unit.into(),
        seal_root: leaf.seal_root.clone(),
        bundle_sha256: leaf.bundle_sha256.clone(),
        province: "Hà Nội".into(),
        sealed_at: sealed_at.into(),
        accepted_at: leaf.accepted_at.clone(),
        categories: vec!["hàng giả".into(), "trốn thuế".into()],
        platforms: vec!["shopee".into()],
        identifiers: vec![
            CaseIdentifier {
                kind: "phone".into(),
                family: "phone".into(),
                value: phone.into(),
                qualifier: String::new(),
            },
            CaseIdentifier {
                kind: "bank_account".into(),
                family: "account".into(),
                value: format!("0011{n:06}"),
                qualifier: "970436".into(),
            },
        ],
        leaf_data: leaf.canonical_json(),
        leaf_hash: leaf.leaf_hash(),
    }
}

/// The leaves of the tree, so the receipts here come from the plain computation and
/// check the cached one the stores keep.
fn tree_leaves(tree: &LogTree) -> Vec<merkle::Hash> {
    (0..tree.size()).map(|i| tree.leaf(i)).collect()
}

fn publish(store: &dyn Store, case: &NewCase) -> Publish {
    let key = key();
    let make = |index: u64, tree: &LogTree| {
        let leaves = tree_leaves(tree);
        let root = merkle::root(&leaves);
        Ok(Receipt {
            case_id: case.case_id.clone(),
            case_code: case.case_code.clone(),
            seal_root: case.seal_root.clone(),
            bundle_sha256: case.bundle_sha256.clone(),
            agency: case.agency.clone(),
            accepted_at: case.accepted_at.clone(),
            leaf_index: index,
            leaf_hash: hex::encode(case.leaf_hash),
            tree_head: TreeHead::sign(leaves.len() as u64, &root, "2026-11-28T00:00:01Z", &key),
            inclusion_proof: merkle::inclusion_proof(&leaves, index as usize)
                .iter()
                .map(hex::encode)
                .collect(),
        })
    };
    store.publish(case, &make).unwrap()
}

fn audit(n: u16) -> AuditRecord {
    AuditRecord {
        at: format!("2026-11-28T00:00:{:02}.000Z", n % 60),
        actor: "tok-a".into(),
        agency: "QLTT".into(),
        role: "investigator".into(),
        action: "lookup".into(),
        target: format!("09{n:08}"),
        status: 200 + n % 3,
        detail: "tra cứu".into(),
    }
}

/// The behaviour every store must share.
fn exercise(store: &dyn Store) {
    // Agencies and units.
    store
        .add_agency("QLTT", "Cục Quản lý thị trường", "t0")
        .unwrap();
    store.add_agency("CA", "Công an", "t0").unwrap();
    let dup = store.add_agency("QLTT", "again", "t1").unwrap_err();
    assert_eq!(dup.code, Code::AlreadyExists);
    let codes: Vec<_> = store
        .agencies()
        .unwrap()
        .into_iter()
        .map(|a| a.code)
        .collect();
    assert_eq!(codes, ["CA", "QLTT"]);
    assert_eq!(
        store.add_unit(&unit("NONE", "x"), "t").unwrap_err().code,
        Code::NotFound
    );
    store.add_unit(&unit("QLTT", "HN1"), "t").unwrap();
    store.add_unit(&unit("CA", "PC03"), "t").unwrap();
    assert_eq!(
        store.add_unit(&unit("QLTT", "HN1"), "t").unwrap_err().code,
        Code::AlreadyExists
    );
    assert_eq!(
        store.unit("QLTT", "HN1").unwrap(),
        Some(unit("QLTT", "HN1"))
    );
    assert_eq!(store.unit("QLTT", "nope").unwrap(), None);

    // Tokens: stored by hash, revoked once.
    let a = token("tok-a", "QLTT", "HN1", Role::Investigator);
    let b = token("tok-bb", "CA", "PC03", Role::Admin);
    store.issue_token(&a, &"a".repeat(64)).unwrap();
    store.issue_token(&b, &"b".repeat(64)).unwrap();
    let bad = token("tok-c", "QLTT", "nope", Role::Admin);
    assert_eq!(
        store.issue_token(&bad, &"c".repeat(64)).unwrap_err().code,
        Code::NotFound
    );
    assert_eq!(store.tokens().unwrap(), [a.clone(), b.clone()]);
    assert_eq!(
        store.token_by_hash(&"b".repeat(64)).unwrap(),
        Some(b.clone())
    );
    assert_eq!(store.token_by_hash(&"d".repeat(64)).unwrap(), None);
    let revoked = store.revoke_token("tok-a", "t-revoke").unwrap();
    assert_eq!(revoked.revoked_at.as_deref(), Some("t-revoke"));
    let again = store.revoke_token("tok-a", "t-later").unwrap();
    assert_eq!(
        again.revoked_at.as_deref(),
        Some("t-revoke"),
        "first revocation stands"
    );
    assert_eq!(
        store.revoke_token("nope", "t").unwrap_err().code,
        Code::NotFound
    );

    // Uploads.
    let up = Upload {
        id: "up-1".into(),
        token_id: "tok-bb".into(),
        size: 5_000_000_000,
        sha256: "e".repeat(64),
        created_at: "t".into(),
    };
    store.create_upload(&up).unwrap();
    assert_eq!(store.upload("up-1").unwrap(), Some(up.clone()));
    assert_eq!(store.uploads().unwrap(), [up]);
    store.delete_upload("up-1").unwrap();
    assert_eq!(store.upload("up-1").unwrap(), None);

    // Publishing: accepted, duplicate, conflict; the log grows by one each time.
    assert_eq!(store.log_size().unwrap(), 0);
    let c1 = new_case(1, "QLTT", "HN1", "2026-10-05T08:00:00.000Z", "+84912345678");
    let c2 = new_case(2, "CA", "PC03", "2026-11-02T08:00:00.000Z", "+84912345678");
    let c3 = new_case(3, "QLTT", "HN1", "2026-11-20T08:00:00.000Z", "+84987654321");
    let mut receipts = Vec::new();
    for (i, c) in [&c1, &c2, &c3].into_iter().enumerate() {
        let Publish::Accepted(r) = publish(store, c) else {
            panic!("case {i} not accepted")
        };
        assert_eq!(r.leaf_index, i as u64);
        assert!(
            r.verify(&key().verifying_key()),
            "receipt {i} does not verify"
        );
        receipts.push(r);
    }
    assert_eq!(publish(store, &c2), Publish::Duplicate(receipts[1].clone()));
    let mut other_seal = c2.clone();
    other_seal.seal_root = "f".repeat(64);
    assert_eq!(
        publish(store, &other_seal),
        Publish::Conflict(c2.seal_root.clone())
    );
    assert_eq!(store.log_size().unwrap(), 3);
    assert_eq!(
        store.receipt(&c3.case_id).unwrap(),
        Some(receipts[2].clone())
    );
    assert_eq!(store.receipt("nope").unwrap(), None);
    let leaves = store.leaf_hashes(3).unwrap();
    assert_eq!(leaves, [c1.leaf_hash, c2.leaf_hash, c3.leaf_hash]);
    assert_eq!(store.leaf_hashes(2).unwrap(), leaves[..2]);
    assert_eq!(store.leaf_index(&c3.leaf_hash).unwrap(), Some(2));
    assert_eq!(store.leaf_index(&[0u8; 32]).unwrap(), None);
    let mut digests = store.bundle_digests().unwrap();
    digests.sort();
    assert_eq!(
        digests,
        [
            c1.bundle_sha256.clone(),
            c2.bundle_sha256.clone(),
            c3.bundle_sha256.clone()
        ]
    );

    // Lookups: both cases with the phone, oldest first, with the owning unit.
    let hits = store
        .lookup(&[
            ("phone".into(), "+84912345678".into()),
            ("phone".into(), "+840".into()),
        ])
        .unwrap();
    let cases: Vec<_> = hits.iter().map(|h| h.case_id.as_str()).collect();
    assert_eq!(cases, [c1.case_id.as_str(), c2.case_id.as_str()]);
    assert_eq!(hits[1].unit, unit("CA", "PC03"));
    assert_eq!(hits[0].categories, ["hàng giả", "trốn thuế"]);
    assert_eq!(hits[0].case_date, c1.sealed_at);

    // Watchlist: only other agencies' identifiers, paged by cursor.
    let for_qltt = store.watchlist("QLTT", 0, 100).unwrap();
    assert_eq!(for_qltt.len(), 2);
    assert!(for_qltt.iter().all(|w| w.agency == "CA"));
    let for_ca = store.watchlist("CA", 0, 100).unwrap();
    assert_eq!(for_ca.len(), 4);
    let first = store.watchlist("CA", 0, 3).unwrap();
    let rest = store.watchlist("CA", first[2].cursor, 3).unwrap();
    assert_eq!([first, rest].concat(), for_ca);
    assert!(for_ca.windows(2).all(|w| w[0].cursor < w[1].cursor));

    // Statistics over a half-open range of seal times.
    let s = store.stats("2026-11-01", "2026-12-01").unwrap();
    assert_eq!(s.total_cases, 2);
    let by_month: Vec<_> = s
        .by_month
        .iter()
        .map(|c| (c.key.as_str(), c.cases))
        .collect();
    assert_eq!(by_month, [("2026-11", 2)]);
    let by_cat: Vec<_> = s
        .by_category
        .iter()
        .map(|c| (c.key.as_str(), c.cases))
        .collect();
    assert_eq!(by_cat, [("hàng giả", 2), ("trốn thuế", 2)]);
    assert_eq!(s.by_province[0].key, "Hà Nội");
    assert_eq!(s.by_platform[0].cases, 2);
    assert_eq!(
        store.stats("2026-01-01", "2027-01-01").unwrap().total_cases,
        3
    );
    assert_eq!(
        store
            .stats("2026-11-02T08:00:00.000Z", "2026-11-20")
            .unwrap()
            .total_cases,
        1
    );

    // Audit, paged by id.
    for n in 0..7 {
        store.audit(&audit(n)).unwrap();
    }
    let page = store.audit_page(0, 4).unwrap();
    let next = store.audit_page(page[3].id, 4).unwrap();
    assert_eq!(page.len() + next.len(), 7);
    let all: Vec<_> = [page, next].concat();
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(all[6].target, "0900000006");
    assert_eq!(all[5].status, 202);
    assert_eq!(all[0].detail, "tra cứu");
    // A group commit keeps the order given, field for field.
    let batch = [audit(100), audit(101), audit(102)];
    store.audit_many(&batch).unwrap();
    let tail = store.audit_page(all[6].id, 10).unwrap();
    let got: Vec<AuditRecord> = tail
        .iter()
        .map(|e| AuditRecord {
            at: e.at.clone(),
            actor: e.actor.clone(),
            agency: e.agency.clone(),
            role: e.role.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            status: e.status,
            detail: e.detail.clone(),
        })
        .collect();
    assert_eq!(got, batch);
    store.audit_many(&[]).unwrap();
}

/// Eight threads publish 40 cases (some twice): one leaf each, indexes 0..40.
fn publish_concurrently(stores: Vec<Arc<dyn Store>>) {
    let first = &stores[0];
    first.add_agency("QLTT", "x", "t").unwrap();
    first.add_unit(&unit("QLTT", "HN1"), "t").unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = Arc::clone(&stores[t % stores.len()]);
            thread::spawn(move || {
                for n in 0..10u32 {
                    // Threads t and t+4 push the same cases: duplicates race.
                    let id = (t as u32 % 4) * 10 + n;
                    let case = new_case(
                        id,
                        "QLTT",
                        "HN1",
                        "2026-11-01T00:00:00.000Z",
                        "+84900000000",
                    );
                    match publish(store.as_ref(), &case) {
                        Publish::Accepted(_) | Publish::Duplicate(_) => {}
                        Publish::Conflict(root) => panic!("conflict on {id}: {root}"),
                    }
                    store.audit(&audit(n as u16)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(first.log_size().unwrap(), 40);
    let leaves = first.leaf_hashes(40).unwrap();
    let mut unique = leaves.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 40, "a case appears twice in the log");
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(first.leaf_index(leaf).unwrap(), Some(i as u64));
    }
    // Each store's cached tree, filled by its own publishes and by the other's, agrees
    // with the plain computation over the table.
    for store in &stores {
        let mut seen = None;
        store
            .log_read(&mut |tree| {
                seen = Some((tree.size(), tree.root(40), tree.inclusion_proof(7, 40)))
            })
            .unwrap();
        assert_eq!(
            seen,
            Some((
                40,
                merkle::root(&leaves),
                merkle::inclusion_proof(&leaves, 7)
            ))
        );
    }
    assert_eq!(first.audit_page(0, 1000).unwrap().len(), 80);
}

#[test]
fn sqlite_store_passes_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("registry.db")).unwrap();
    exercise(&store);
}

#[test]
fn postgres_store_passes_the_suite() {
    let (_db, store) = pg_store();
    exercise(&store);
}

#[test]
fn sqlite_concurrent_publishers() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("registry.db")).unwrap());
    publish_concurrently(vec![store]);
}

/// Two stores on one database stand for two registry processes.
#[test]
fn postgres_concurrent_publishers_across_processes() {
    let (db, one) = pg_store();
    let two = PostgresStore::open(db.url()).unwrap();
    publish_concurrently(vec![Arc::new(one), Arc::new(two)]);
}

#[test]
fn postgres_refuses_changes_to_published_rows() {
    let (db, store) = pg_store();
    store.add_agency("QLTT", "x", "t").unwrap();
    store.add_unit(&unit("QLTT", "HN1"), "t").unwrap();
    let case = new_case(1, "QLTT", "HN1", "2026-11-01T00:00:00.000Z", "+84900000000");
    assert!(matches!(publish(&store, &case), Publish::Accepted(_)));
    store.audit(&audit(1)).unwrap();
    let mut raw = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    for sql in [
        "UPDATE cases SET case_code = 'X'",
        "DELETE FROM cases",
        "UPDATE log_leaves SET leaf_data = '{}'",
        "DELETE FROM log_leaves",
        "TRUNCATE log_leaves CASCADE",
        "UPDATE identifiers SET value = 'x'",
        "DELETE FROM identifiers",
        "UPDATE audit SET detail = 'x'",
        "DELETE FROM audit",
        "TRUNCATE audit",
        // A leaf that skips an index.
        "INSERT INTO log_leaves (leaf_index, leaf_hash, leaf_data, case_id)
         VALUES (5, 'ab', '{}', 'case-QLTT-1')",
    ] {
        let err = raw.batch_execute(sql).expect_err(sql);
        assert!(
            err.code().is_some_and(|c| c.code().starts_with("23")),
            "{sql}: {err}"
        );
    }
    assert_eq!(store.log_size().unwrap(), 1);
    assert_eq!(store.audit_page(0, 10).unwrap().len(), 1);
}

#[test]
fn postgres_schema_version_is_kept_and_a_newer_one_refused() {
    let (db, store) = pg_store();
    store.add_agency("QLTT", "x", "t").unwrap();
    drop(store);
    // Opening again runs nothing and keeps the data.
    let again = PostgresStore::open(db.url()).unwrap();
    assert_eq!(again.agencies().unwrap().len(), 1);
    drop(again);
    let mut raw = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    raw.batch_execute("UPDATE registry_schema SET version = 99")
        .unwrap();
    let err = PostgresStore::open(db.url())
        .err()
        .expect("newer schema opened");
    assert_eq!(err.code, Code::Database);
    assert!(err.message.contains("newer"), "{}", err.message);
}

#[test]
fn postgres_store_reconnects_after_the_server_drops_it() {
    let (db, store) = pg_store();
    assert_eq!(store.log_size().unwrap(), 0);
    store.add_agency("QLTT", "x", "t").unwrap();
    let mut raw = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    let killed = raw
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    assert_eq!(killed.len(), 5, "writer and four readers");
    // Each connection fails at most once, then is made again.
    let mut failures = 0;
    for _ in 0..(2 * 4) {
        failures += usize::from(store.log_size().is_err());
    }
    assert!(failures <= 4, "{failures} failed reads");
    for _ in 0..4 {
        assert_eq!(store.agencies().unwrap().len(), 1);
    }
    // The writer's first statement may meet its dead connection; nothing was written.
    if store.add_agency("CA", "y", "t").is_err() {
        store.add_agency("CA", "y", "t").unwrap();
    }
    store.add_agency("BIEN", "z", "t").unwrap();
    assert_eq!(store.agencies().unwrap().len(), 3);
}

#[test]
fn postgres_open_refuses_a_bad_url() {
    let err = PostgresStore::open("postgres://nobody@127.0.0.1:1/none")
        .err()
        .unwrap();
    assert_eq!(err.code, Code::Database);
    let err = PostgresStore::open("not a url at all ://").err().unwrap();
    assert_eq!(err.code, Code::InvalidInput);
}
