//! The export checked by the CASE project's own validator, `case_validate` from PyPI
//! `case-utils` (pinned in tests/requirements.txt, installed into the test venv by
//! `scripts/install-deps.sh --test`). It runs rdflib and pySHACL over CASE 1.5.0, which
//! takes seconds, so this file calls it twice: once on a good export, once on a broken one.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use truyvet_caseuco::{
    Capture, CaseDescription, CustodyEvent, Entity, EntityKind, EvidenceItem, Link, Person,
    to_jsonld, to_jsonld_bytes,
};

fn sample() -> CaseDescription {
    let investigator = Person {
        name: "Nguyễn Thị Hương".into(),
        key_fingerprint: Some(
            "SHA256:3f9a1c0e8b7d6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa9988".into(),
        ),
    };
    let supervisor = Person {
        name: "Trần Văn Đức".into(),
        key_fingerprint: Some(
            "SHA256:aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899".into(),
        ),
    };
    CaseDescription {
        code: "QLTT-2026-0042".into(),
        title: "Bán mỹ phẩm giả mạo nhãn hiệu trên mạng xã hội".into(),
        agency: "Đội Quản lý thị trường số 3, Cục Quản lý thị trường Hà Nội".into(),
        status: "sealed".into(),
        created_at: "2026-11-02T08:15:00+07:00".into(),
        sealed_at: Some("2026-11-20T16:40:05+07:00".into()),
        summary: Some("Cửa hàng trực tuyến rao bán kem dưỡng da không rõ nguồn gốc".into()),
        investigator: investigator.clone(),
        supervisor: Some(supervisor.clone()),
        evidence: vec![
            EvidenceItem {
                id: "E-1".into(),
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                size: 48_213,
                media_type: Some("application/json".into()),
                original_name: None,
                source_url: Some("https://shop-my-pham.example/san-pham/kem-duong".into()),
                acquired_at: "2026-11-02T08:20:11+07:00".into(),
                acquired_by: investigator.name.clone(),
            },
            EvidenceItem {
                id: "E-2".into(),
                sha256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752".into(),
                size: 1_204_331,
                media_type: Some("image/jpeg".into()),
                original_name: Some("hoá đơn chuyển khoản.jpg".into()),
                source_url: None,
                acquired_at: "2026-11-03T10:02:45+07:00".into(),
                acquired_by: investigator.name.clone(),
            },
        ],
        captures: vec![Capture {
            evidence_id: "E-1".into(),
            url: "https://shop-my-pham.example/san-pham/kem-duong".into(),
            final_url: Some("https://shop-my-pham.example/san-pham/kem-duong?ref=fb".into()),
            http_status: Some(200),
            server_ip: Some("203.0.113.45".into()),
        }],
        custody: vec![
            custody(
                1,
                "case_created",
                "2026-11-02T08:15:00+07:00",
                &investigator.name,
                None,
            ),
            custody(
                2,
                "evidence_added",
                "2026-11-02T08:20:11+07:00",
                &investigator.name,
                Some("E-1"),
            ),
            custody(
                3,
                "evidence_added",
                "2026-11-03T10:02:45+07:00",
                &investigator.name,
                Some("E-2"),
            ),
            custody(
                4,
                "case_approved",
                "2026-11-20T16:30:00+07:00",
                &supervisor.name,
                None,
            ),
            custody(
                5,
                "case_sealed",
                "2026-11-20T16:40:05+07:00",
                &supervisor.name,
                None,
            ),
        ],
        entities: vec![
            entity(
                "P-1",
                EntityKind::Phone,
                "+84912345678",
                None,
                None,
                &["E-1"],
            ),
            entity(
                "B-1",
                EntityKind::BankAccount,
                "0451000123456",
                Some("LÊ THỊ MAI"),
                Some("Vietcombank"),
                &["E-2"],
            ),
            entity(
                "M-1",
                EntityKind::Email,
                "banhang.mypham@example.com",
                None,
                None,
                &["E-1"],
            ),
            entity(
                "D-1",
                EntityKind::Domain,
                "shop-my-pham.example",
                None,
                None,
                &["E-1"],
            ),
            entity(
                "S-1",
                EntityKind::SocialProfile,
                "mypham.chinhhang.99",
                Some("Mỹ phẩm Chính hãng Giá rẻ"),
                Some("Facebook"),
                &["E-1"],
            ),
            entity(
                "U-1",
                EntityKind::Url,
                "https://shop-my-pham.example/san-pham/kem-duong",
                None,
                None,
                &[],
            ),
            entity(
                "N-1",
                EntityKind::Person,
                "Lê Thị Mai",
                Some("chủ tài khoản nhận tiền"),
                None,
                &["E-2"],
            ),
            entity(
                "O-1",
                EntityKind::Other,
                "Mã số thuế 0109876543",
                None,
                None,
                &["E-2"],
            ),
        ],
        links: vec![
            link("N-1", "B-1", "Owner_Of"),
            link("S-1", "P-1", "Has_Contact"),
            link("D-1", "U-1", "Hosts"),
        ],
    }
}

fn custody(seq: u64, kind: &str, at: &str, actor: &str, evidence: Option<&str>) -> CustodyEvent {
    CustodyEvent {
        seq,
        kind: kind.into(),
        at: at.into(),
        actor: actor.into(),
        evidence_id: evidence.map(Into::into),
        event_hash: format!("{seq:064x}"),
        detail: (seq == 5).then(|| "Niêm phong hồ sơ".into()),
    }
}

fn entity(
    id: &str,
    kind: EntityKind,
    value: &str,
    display_name: Option<&str>,
    issuer: Option<&str>,
    evidence: &[&str],
) -> Entity {
    Entity {
        id: id.into(),
        kind,
        value: value.into(),
        display_name: display_name.map(Into::into),
        issuer: issuer.map(Into::into),
        evidence_ids: evidence.iter().map(|e| e.to_string()).collect(),
    }
}

fn link(from: &str, to: &str, kind: &str) -> Link {
    Link {
        from: from.into(),
        to: to.into(),
        kind: kind.into(),
        directional: true,
    }
}

/// Runs `case_validate` on `bytes`; returns (success, stdout + stderr).
fn case_validate(name: &str, bytes: &[u8]) -> (bool, String) {
    let venv = std::env::var_os("TRUYVET_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/truyvet/venv")))
        .expect("TRUYVET_VENV or HOME must be set");
    let exe = venv.join("bin/case_validate");
    assert!(
        exe.exists(),
        "{} is missing: run scripts/install-deps.sh --test (case-utils from tests/requirements.txt)",
        exe.display()
    );
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("caseuco-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write JSON-LD");
    let out = Command::new(&exe)
        .arg(&path)
        .output()
        .expect("run case_validate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn sample_case_conforms_to_case_1_5() {
    let bytes = to_jsonld_bytes(&sample());
    let (ok, report) = case_validate("sample.jsonld", &bytes);
    assert!(
        ok && report.contains("Conforms: True"),
        "case_validate refused the export:\n{report}"
    );
    // The Vietnamese text survives as UTF-8, not escapes.
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert!(text.contains("Bán mỹ phẩm giả mạo nhãn hiệu trên mạng xã hội"));
}

/// The same validator must refuse a document with a hash value that is not `xsd:hexBinary`
/// and a relationship without its required `isDirectional`: the positive test can fail.
#[test]
fn broken_export_is_refused() {
    let mut doc = to_jsonld(&sample());
    let graph = doc["@graph"].as_array_mut().expect("@graph");
    let mut broke_hash = false;
    let mut broke_link = false;
    for node in graph.iter_mut() {
        if node["@type"] == "uco-observable:File" && !broke_hash {
            let hash = &mut node["uco-core:hasFacet"][0]["uco-observable:hash"][0];
            hash["uco-types:hashValue"] = Value::String("not a hex digest".into());
            broke_hash = true;
        }
        if node["@type"] == "uco-core:Relationship" && !broke_link {
            node.as_object_mut()
                .expect("object")
                .remove("uco-core:isDirectional");
            broke_link = true;
        }
    }
    assert!(broke_hash && broke_link);
    let bytes = serde_json::to_vec_pretty(&doc).expect("serialize");
    let (ok, report) = case_validate("broken.jsonld", &bytes);
    assert!(!ok, "case_validate accepted a broken document:\n{report}");
    assert!(report.contains("Conforms: False"), "{report}");
    assert!(
        report.contains("hashValue"),
        "hash error not reported:\n{report}"
    );
    assert!(
        report.contains("isDirectional"),
        "relationship error not reported:\n{report}"
    );
}

#[test]
fn same_case_gives_same_bytes() {
    let a = to_jsonld_bytes(&sample());
    let b = to_jsonld_bytes(&sample());
    assert_eq!(a, b);
    // Ids depend on the case code: another case never reuses this one's nodes.
    let mut other = sample();
    other.code = "QLTT-2026-0043".into();
    let c = to_jsonld(&other);
    let d = to_jsonld(&sample());
    assert_ne!(c["@graph"][0]["@id"], d["@graph"][0]["@id"]);
}
