//! Sharing a case's evidence between agencies: only a supervisor of the owning agency
//! grants it; a lookup hit says whether the asker may fetch the bundle; the bundle goes
//! to the owner and to granted agencies only, byte for byte as pushed, and every grant
//! and download is audited.

use serde_json::json;
use truyvet_tests::sha256_hex;

use crate::support::{Backend, Env, bundles};

async fn a_supervisor_shares_a_case_and_only_the_grantee_fetches_it(backend: Backend) {
    let b = bundles();
    let env = Env::new(backend);
    let t = env.setup();
    env.admin(&["agency", "add", "HQ", "--name", "Hải quan"])
        .ok();
    env.admin(&[
        "unit",
        "add",
        "--agency",
        "HQ",
        "CC1",
        "--name",
        "Chi cục Hải quan 1",
        "--contact",
        "cc1@customs.gov.vn",
    ])
    .ok();
    let (customs, _) = env.issue("HQ", "CC1", "investigator");
    let registry = env.start(&[]);
    let inv = registry.client(Some(&t.inv));
    let sup = registry.client(Some(&t.sup));
    let ca = registry.client(Some(&t.other));
    let hq = registry.client(Some(&customs));
    let receipt = inv.push(&b.qltt.bytes, 1 << 20).await.expect(201).body;
    let case = &b.qltt.case_id;
    let shares = format!("/v1/cases/{case}/shares");
    let bundle = format!("/v1/cases/{case}/bundle");
    let lookup = "/v1/lookup?value=0912345678";
    let shared_flag = |answer: &serde_json::Value| {
        answer["hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["case_id"] == case.as_str())
            .unwrap_or_else(|| panic!("no hit of {case}: {answer:#}"))["shared"]
            .as_bool()
            .unwrap()
    };

    // Before any grant: the owner may fetch, CA may not.
    assert!(shared_flag(&inv.get(lookup).await.expect(200).body));
    assert!(!shared_flag(&ca.get(lookup).await.expect(200).body));
    ca.download(&bundle).await.0.fails(403, "agency_mismatch");

    // An investigator cannot share, nor can another agency; bad targets are refused.
    inv.post_json(&shares, &json!({"agency": "CA"}))
        .await
        .fails(403, "forbidden_role");
    sup.post_json(&shares, &json!({"agency": "XX"}))
        .await
        .fails(422, "unknown_agency");
    sup.post_json("/v1/cases/no-such-case/shares", &json!({"agency": "CA"}))
        .await
        .fails(404, "case_not_found");

    // The owner's supervisor shares with CA; again is the same grant.
    let granted = sup
        .post_json(&shares, &json!({"agency": "CA"}))
        .await
        .expect(201)
        .body;
    assert_eq!(
        granted,
        json!({"case_id": case, "agency": "CA", "created": true})
    );
    let again = sup
        .post_json(&shares, &json!({"agency": "CA"}))
        .await
        .expect(200)
        .body;
    assert_eq!(again["created"], false);

    // CA now sees shared=true and fetches the very bundle the receipt names.
    assert!(shared_flag(&ca.get(lookup).await.expect(200).body));
    let (answer, bytes) = ca.download(&bundle).await;
    answer.expect(200);
    assert_eq!(bytes, b.qltt.bytes);
    assert_eq!(
        sha256_hex(&bytes),
        receipt["bundle_sha256"].as_str().unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fetched.wacz");
    std::fs::write(&path, &bytes).unwrap();
    let report = truyvet_export::verify_bundle(&path).expect("the verifier runs");
    assert!(report.ok, "the fetched bundle does not verify: {report:?}");

    // A third agency was not granted: no flag, no bundle.
    assert!(!shared_flag(&hq.get(lookup).await.expect(200).body));
    hq.download(&bundle).await.0.fails(403, "agency_mismatch");

    // Every grant attempt and download is audited with who asked and the outcome.
    let audit = registry
        .client(Some(&t.admin))
        .get("/v1/audit")
        .await
        .expect(200)
        .body;
    let entries = audit["entries"].as_array().unwrap();
    let rows = |action: &str| -> Vec<(String, u64)> {
        entries
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| {
                (
                    e["agency"].as_str().unwrap().to_string(),
                    e["status"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let s = |a: &str, n: u64| (a.to_string(), n);
    assert_eq!(
        rows("share"),
        [
            s("QLTT", 403),
            s("QLTT", 422),
            s("QLTT", 404),
            s("QLTT", 201),
            s("QLTT", 200)
        ]
    );
    assert_eq!(
        rows("bundle_download"),
        [s("CA", 403), s("CA", 200), s("HQ", 403)]
    );
    let grant = entries
        .iter()
        .find(|e| e["action"] == "share" && e["status"] == 201)
        .unwrap();
    assert_eq!(grant["target"], case.as_str());
    assert_eq!(grant["detail"], "shared with CA");
}

crate::on_both_stores!(a_supervisor_shares_a_case_and_only_the_grantee_fetches_it);
