//! Pushing sealed bundles: a verified receipt, the same receipt again, a conflicting seal
//! refused and audited, a tampered bundle refused with nothing published, another
//! agency's case refused, and the log growing consistently.

use serde_json::Value;
use truyvet_wire::api::{ConsistencyProof, InclusionProof, Receipt, parse_hash, parse_hashes};
use truyvet_wire::merkle;
use truyvet_wire::tree_head::TreeHead;

use crate::support::{Backend, Env, Registry, bundles, files_in};

fn receipt(body: &Value) -> Receipt {
    serde_json::from_value(body.clone()).expect("a receipt")
}

async fn audit_actions(registry: &Registry, admin: &str) -> Vec<(String, String, u16)> {
    let page = registry
        .client(Some(admin))
        .get("/v1/audit?limit=5000")
        .await
        .expect(200);
    page.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["status"].as_u64().unwrap() as u16,
            )
        })
        .collect()
}

async fn a_pushed_bundle_gets_a_verifiable_receipt_once(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let tokens = env.setup();
    let registry = env.start(&[]);
    let key = registry.public_key();
    let inv = registry.client(Some(&tokens.inv));

    let first = inv.push(&b.qltt.bytes, 16 << 10).await.expect(201);
    let r = receipt(&first.body);
    assert_eq!(r.case_id, b.qltt.case_id);
    assert_eq!(r.case_code, b.qltt.code);
    assert_eq!(r.seal_root, b.qltt.seal_root);
    assert_eq!(r.bundle_sha256, truyvet_tests::sha256_hex(&b.qltt.bytes));
    assert_eq!(r.agency, "QLTT");
    assert_eq!(r.leaf_index, 0);
    assert!(r.verify(&key), "the receipt does not verify: {r:#?}");
    // A receipt checked against another key, or with one field changed, fails.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    assert!(!r.verify(&stranger));
    let mut forged = r.clone();
    forged.bundle_sha256 = "00".repeat(32);
    assert!(!forged.verify(&key));

    // The same push again: the same receipt, byte for byte, and no second leaf.
    let again = inv.push(&b.qltt.bytes, 1 << 20).await.expect(200);
    assert_eq!(again.body, first.body);
    let stored = inv
        .get(&format!("/v1/cases/{}/receipt", b.qltt.case_id))
        .await
        .expect(200);
    assert_eq!(stored.body, first.body);
    let head: TreeHead =
        serde_json::from_value(inv.get("/v1/log/head").await.expect(200).body).unwrap();
    assert_eq!(head.size, 1);
    assert!(head.verify(&key));

    // The same case id under another seal: refused, audited, nothing appended.
    let conflict = inv.push(&b.qltt_twin.bytes, 1 << 20).await;
    conflict.fails(409, "case_conflict");
    let head: TreeHead =
        serde_json::from_value(inv.get("/v1/log/head").await.expect(200).body).unwrap();
    assert_eq!(head.size, 1);
    let actions = audit_actions(&registry, &tokens.admin).await;
    assert!(
        actions.contains(&("push_conflict".into(), b.qltt.case_id.clone(), 409)),
        "{actions:?}"
    );
    assert!(actions.contains(&("push_accepted".into(), b.qltt.case_id.clone(), 201)));
    assert!(actions.contains(&("push_duplicate".into(), b.qltt.case_id.clone(), 200)));
    // Every upload and every finish is in the audit log.
    let count = |a: &str| actions.iter().filter(|(x, _, _)| x == a).count();
    assert_eq!(count("upload_created"), 3);
    assert_eq!(
        count("push_accepted") + count("push_duplicate") + count("push_conflict"),
        3
    );
    // The conflicting bundle was not kept.
    assert_eq!(files_in(&env.path().join("bundles")).len(), 1);
    assert!(files_in(&env.path().join("quarantine")).is_empty());

    // Another agency's case: leaf 1, and the log of 2 is consistent with the log of 1.
    let other = registry.client(Some(&tokens.other));
    let second = receipt(&other.push(&b.ca.bytes, 1 << 20).await.expect(201).body);
    assert_eq!(second.leaf_index, 1);
    assert!(second.verify(&key));
    let proof: ConsistencyProof = serde_json::from_value(
        inv.get("/v1/log/consistency?first=1&second=2")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert!(merkle::verify_consistency(
        1,
        2,
        &parse_hash(&r.tree_head.root).unwrap(),
        &parse_hash(&second.tree_head.root).unwrap(),
        &parse_hashes(&proof.proof).unwrap(),
    ));
    // The first case's inclusion in the grown log, found by its leaf hash.
    let inclusion: InclusionProof = serde_json::from_value(
        inv.get(&format!("/v1/log/inclusion?leaf_hash={}", r.leaf_hash))
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!((inclusion.leaf_index, inclusion.tree_size), (0, 2));
    assert!(merkle::verify_inclusion(
        &parse_hash(&r.leaf_hash).unwrap(),
        0,
        2,
        &parse_hashes(&inclusion.proof).unwrap(),
        &parse_hash(&second.tree_head.root).unwrap(),
    ));
    inv.get("/v1/log/consistency?first=2&second=3")
        .await
        .fails(400, "invalid_range");
    inv.get("/v1/log/consistency?first=0&second=2")
        .await
        .fails(400, "invalid_range");
    inv.get("/v1/log/inclusion?index=2")
        .await
        .fails(404, "leaf_not_found");
    inv.get(&format!("/v1/log/inclusion?leaf_hash={}", "ab".repeat(32)))
        .await
        .fails(404, "leaf_not_found");
    inv.get("/v1/log/inclusion?leaf_hash=xyz")
        .await
        .fails(400, "invalid_input");
}

async fn a_tampered_bundle_is_refused_and_nothing_is_published(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let tokens = env.setup();
    let registry = env.start(&[]);
    let inv = registry.client(Some(&tokens.inv));

    let mut bytes = b.qltt.bytes.clone();
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x01;
    let refused = inv.push(&bytes, 1 << 20).await.fails(422, "bundle_invalid");
    let problems = refused.body["error"]["problems"].as_array().unwrap();
    assert!(!problems.is_empty(), "{:#}", refused.body);
    assert!(
        problems
            .iter()
            .all(|p| p["kind"].is_string() && p["detail"].is_string())
    );

    // A declared digest that the bytes do not have.
    let id = inv
        .post_json(
            "/v1/uploads",
            &serde_json::json!({"size": b.qltt.bytes.len(), "sha256": "00".repeat(32)}),
        )
        .await
        .expect(201)
        .body["upload_id"]
        .as_str()
        .unwrap()
        .to_string();
    inv.put(&format!("/v1/uploads/{id}?offset=0"), &b.qltt.bytes)
        .await
        .expect(200);
    inv.send("POST", &format!("/v1/uploads/{id}/finish"), None, false)
        .await
        .fails(422, "digest_mismatch");

    // Nothing visible: no leaf, no case, no identifier, no file kept.
    let head = inv.get("/v1/log/head").await.expect(200);
    assert_eq!(head.body["size"], 0);
    inv.get(&format!("/v1/cases/{}/receipt", b.qltt.case_id))
        .await
        .fails(404, "case_not_found");
    let lookup = inv.get("/v1/lookup?value=0912345678").await.expect(200);
    assert_eq!(lookup.body["hits"].as_array().unwrap().len(), 0);
    for folder in ["bundles", "quarantine", "staging"] {
        assert!(
            files_in(&env.path().join(folder)).is_empty(),
            "{folder} is not empty"
        );
    }
    let actions = registry
        .client(Some(&tokens.admin))
        .get("/v1/audit")
        .await
        .expect(200)
        .body;
    let rejected: Vec<&Value> = actions["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "push_rejected")
        .collect();
    assert_eq!(rejected.len(), 2, "{actions:#}");
    assert_eq!(rejected[0]["status"], 422);
}

async fn a_case_of_another_agency_is_refused(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let tokens = env.setup();
    let registry = env.start(&[]);
    // A CA token pushing QLTT's case.
    let other = registry.client(Some(&tokens.other));
    other
        .push(&b.qltt.bytes, 1 << 20)
        .await
        .fails(403, "agency_mismatch");
    let head = other.get("/v1/log/head").await.expect(200);
    assert_eq!(head.body["size"], 0);
    assert!(files_in(&env.path().join("bundles")).is_empty());
}

crate::on_both_stores!(
    a_pushed_bundle_gets_a_verifiable_receipt_once,
    a_tampered_bundle_is_refused_and_nothing_is_published,
    a_case_of_another_agency_is_refused
);
