//! Keeps `ui/src/lib/types.ts` true to what the shell really sends: every interface's
//! fields against the JSON of real values produced through the core, and every string
//! union list against the Rust enum. A change on either side without the other fails
//! here, which is the point: the UI must never guess at the IPC shapes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use truyvet_core::model::{
    CaseEdit, CaseOrigin, CaseStatus, NewCase, ProfileInput, Role, ViolationCategory,
};
use truyvet_core::{AddOptions, CaseFilter, ErrorCode, Workspace};

const TYPES_TS: &str = include_str!("../../ui/src/lib/types.ts");

/// Field names of an interface: (required, optional).
type Fields = (BTreeSet<String>, BTreeSet<String>);

/// `interface Name [extends Parent] { field: …; other?: … }` → name → fields.
fn interfaces() -> BTreeMap<String, Fields> {
    // name → (parent, own fields)
    let mut raw: BTreeMap<String, (Option<String>, Fields)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in TYPES_TS.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("export interface ") {
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap_or_default().to_string();
            let parent = match words.next() {
                Some("extends") => words.next().map(str::to_string),
                _ => None,
            };
            raw.insert(name.clone(), (parent, Fields::default()));
            current = Some(name);
        } else if line.starts_with('}') {
            current = None;
        } else if let Some(name) = &current {
            if line.starts_with("//") || line.starts_with("/*") || line.starts_with('*') {
                continue;
            }
            if let Some((field, _)) = line.split_once(':') {
                let (required, optional) = &mut raw.get_mut(name).expect("interface").1;
                match field.strip_suffix('?') {
                    Some(name) => optional.insert(name.trim().to_string()),
                    None => required.insert(field.trim().to_string()),
                };
            }
        }
    }
    let mut out = BTreeMap::new();
    for (name, (parent, (mut required, mut optional))) in raw.clone() {
        if let Some(parent) = parent {
            let (r, o) = &raw[&parent].1;
            required.extend(r.iter().cloned());
            optional.extend(o.iter().cloned());
        }
        out.insert(name, (required, optional));
    }
    out
}

/// The string literals of `export const NAME … = [ "a", "b" ];`.
fn const_list(name: &str) -> Vec<String> {
    let start = TYPES_TS
        .find(&format!("export const {name}"))
        .unwrap_or_else(|| panic!("types.ts has no {name}"));
    let body = &TYPES_TS[start..];
    let open = body.find("= [").expect("list start") + 3;
    let close = body[open..].find(']').expect("list end") + open;
    body[open..close]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub(crate) fn assert_shape(interface: &str, value: &Value) {
    let all = interfaces();
    let (required, optional) = all
        .get(interface)
        .unwrap_or_else(|| panic!("types.ts has no interface {interface}"));
    let keys: BTreeSet<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("{interface} is not a JSON object: {value}"))
        .keys()
        .cloned()
        .collect();
    let missing: Vec<_> = required.difference(&keys).collect();
    assert!(
        missing.is_empty(),
        "{interface}: types.ts requires {missing:?}, the shell does not send them"
    );
    let unknown: Vec<_> = keys
        .iter()
        .filter(|k| !required.contains(*k) && !optional.contains(*k))
        .collect();
    assert!(
        unknown.is_empty(),
        "{interface}: the shell sends {unknown:?}, types.ts does not declare them"
    );
}

fn names<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| as_str(*v).to_string()).collect()
}

#[test]
fn string_unions_match_the_rust_enums() {
    assert_eq!(const_list("ROLES"), names(Role::ALL, Role::as_str));
    assert_eq!(
        const_list("CASE_STATUSES"),
        names(CaseStatus::ALL, CaseStatus::as_str)
    );
    assert_eq!(
        const_list("CASE_ORIGINS"),
        names(CaseOrigin::ALL, CaseOrigin::as_str)
    );
    assert_eq!(
        const_list("VIOLATION_CATEGORIES"),
        names(ViolationCategory::ALL, ViolationCategory::as_str)
    );
    let mut codes = names(ErrorCode::ALL, ErrorCode::as_str);
    codes.extend(names(
        crate::capture_browser::BrowserErrorCode::ALL,
        crate::capture_browser::BrowserErrorCode::as_str,
    ));
    assert_eq!(const_list("ERROR_CODES"), codes);
    use crate::events::BrowserEventKind as K;
    let kinds = [K::Visited, K::Captured, K::Failed, K::Closed];
    let kinds: Vec<String> = kinds
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(const_list("CAPTURE_BROWSER_EVENT_KINDS"), kinds);
}

/// The capture browser's status and event payloads, in every shape they are sent.
#[test]
fn capture_browser_shapes_match() {
    use crate::events::{BrowserEventKind, CaptureBrowserEvent, EvidenceStamped};
    let dir = tempfile::tempdir().unwrap();
    let browser = crate::CaptureBrowser::new(truyvet_browser::BrowserOptions::default());
    assert_shape(
        "BrowserStatus",
        &serde_json::to_value(browser.status()).unwrap(),
    );
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Vũ Minh".into(),
        agency: "HQ".into(),
        unit: "Chi cục 1".into(),
        province: "HP".into(),
        role: Role::Investigator,
    })
    .unwrap();
    let case = ws
        .create_case(&NewCase {
            title: "Đồng hồ".into(),
            ..NewCase::default()
        })
        .unwrap();
    let item = ws
        .add_web_capture(&case.code, &web_capture_input())
        .unwrap();
    let event = |kind, url: Option<&str>| CaptureBrowserEvent {
        kind,
        case_code: case.code.clone(),
        url: url.map(str::to_string),
        evidence: None,
        error: None,
    };
    let mut captured = event(BrowserEventKind::Captured, Some("https://shop.example.vn/"));
    captured.evidence = Some(item.clone());
    let mut failed = event(BrowserEventKind::Failed, Some("http://10.0.0.1/"));
    failed.error = Some(crate::commands::AppError::with_code("capture_failed", "x"));
    for sent in [
        captured,
        failed,
        event(BrowserEventKind::Visited, Some("https://shop.example.vn/")),
        event(BrowserEventKind::Closed, None),
    ] {
        let value = serde_json::to_value(&sent).unwrap();
        assert_shape("CaptureBrowserEvent", &value);
        if let Some(evidence) = value.get("evidence") {
            assert_shape("EvidenceItem", evidence);
        }
        if let Some(error) = value.get("error") {
            assert_shape("AppError", error);
        }
    }
    let stamped = EvidenceStamped {
        evidence_id: item.id,
    };
    assert_shape("EvidenceStamped", &serde_json::to_value(stamped).unwrap());
}

#[test]
fn interfaces_match_what_the_shell_sends() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    let profile = ws
        .save_profile(&ProfileInput {
            display_name: "Vũ Minh".into(),
            agency: "HQ".into(),
            unit: "Chi cục 1".into(),
            province: "HP".into(),
            role: Role::Investigator,
        })
        .unwrap();
    assert_shape("Profile", &serde_json::to_value(&profile).unwrap());
    let case = ws
        .create_case(&NewCase {
            title: "Thuốc lá lậu".into(),
            ..NewCase::default()
        })
        .unwrap();
    assert_shape("Case", &serde_json::to_value(&case).unwrap());
    ws.edit_case(
        &case.code,
        &CaseEdit {
            product_group: Some("Thuốc lá".into()),
            ..CaseEdit::default()
        },
    )
    .unwrap();
    // A file whose name is not UTF-8 brings out the optional field as well.
    let odd = dir
        .path()
        .join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"t\xffp.bin"));
    std::fs::write(&odd, b"bytes").unwrap();
    let added = ws
        .add_files(&case.code, &[odd], &AddOptions::default(), &mut |_| {})
        .unwrap();
    assert!(added[0].original_filename_hex.is_some());
    assert_shape("EvidenceItem", &serde_json::to_value(&added[0]).unwrap());
    let note = ws.add_note(&case.code, "ghi chú").unwrap();
    assert_shape("Note", &serde_json::to_value(&note).unwrap());

    let listed = ws.list_cases(&CaseFilter::default()).unwrap();
    assert_shape("CaseSummary", &serde_json::to_value(&listed[0]).unwrap());
    let detail = serde_json::to_value(ws.case_detail(&case.code).unwrap()).unwrap();
    assert_shape("CaseDetail", &detail);
    for event in ws.custody_log(&case.code).unwrap() {
        assert_shape("CustodyEvent", &serde_json::to_value(&event).unwrap());
    }

    let capture = ws
        .add_web_capture(&case.code, &web_capture_input())
        .unwrap();
    let detail = serde_json::to_value(
        crate::commands::detail::EvidenceDetail::of(&ws, &case.code, &capture.id).unwrap(),
    )
    .unwrap();
    assert_shape("EvidenceDetail", &detail);
    assert_shape("EvidenceItem", &detail["item"]);
    assert_shape("ArtifactRef", &detail["artifacts"][0]);
    assert_shape("StampStatus", &detail["timestamp"]);
    assert_shape("WebCaptureInfo", &detail["capture"]);
    let plain = serde_json::to_value(
        crate::commands::detail::EvidenceDetail::of(&ws, &case.code, &added[0].id).unwrap(),
    )
    .unwrap();
    assert_shape("EvidenceDetail", &plain);
    assert_eq!(plain["timestamp"], Value::Null);
    assert_eq!(plain["capture"], Value::Null);
    let run = serde_json::to_value(truyvet_capture::stamping::StampRun {
        stamped: vec!["a".into()],
        still_pending: vec![truyvet_capture::stamping::StampPending {
            evidence_id: "b".into(),
            error: "transport: offline".into(),
        }],
    })
    .unwrap();
    assert_shape("StampRun", &run);
    assert_shape("StampPending", &run["still_pending"][0]);

    let info = crate::commands::workspace::WorkspaceInfo::of(&ws).unwrap();
    assert_shape("WorkspaceInfo", &serde_json::to_value(&info).unwrap());

    // A report with a problem in it: alter the stored bytes.
    let blob = ws.blobs().path_for(&added[0].sha256);
    let mut perms = std::fs::metadata(&blob).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&blob, perms).unwrap();
    std::fs::write(&blob, b"other").unwrap();
    let report = serde_json::to_value(ws.verify().unwrap()).unwrap();
    assert_shape("VerifyReport", &report);
    assert_shape("Problem", &report["problems"][0]);

    let error = serde_json::to_value(crate::commands::AppError::from(
        truyvet_core::Error::invalid("x"),
    ))
    .unwrap();
    assert_shape("AppError", &error);
    assert!(Path::new(&dir.path().join("ws")).exists());
}

/// A browser capture as the capture crate hands it over: every artifact role the UI shows.
pub(crate) fn web_capture_input() -> truyvet_core::WebCaptureInput {
    use truyvet_core::{ArtifactInput, CaptureMethod, WebCaptureInput};
    let artifact = |role: &str, media_type: &str, bytes: &[u8]| ArtifactInput {
        role: role.into(),
        media_type: media_type.into(),
        bytes: bytes.to_vec(),
    };
    WebCaptureInput {
        method: CaptureMethod::Browser,
        url: "https://shop.example.vn/p/1".into(),
        final_url: "https://shop.example.vn/san-pham/1".into(),
        title: "Đồng hồ".into(),
        http_status: Some(200),
        server_ip: Some("203.0.113.9".into()),
        partial_reason: None,
        metadata: serde_json::json!({"tool": "test"}),
        text: Some("Đồng hồ".into()),
        artifacts: vec![
            artifact("warc", "application/warc", b"WARC/1.1"),
            artifact("screenshot", "image/png", b"\x89PNG\r\n\x1a\n"),
            artifact(
                "dom",
                "text/html; charset=utf-8",
                b"<script>parent.postMessage('x','*')</script><p>trang</p>",
            ),
        ],
        note: None,
        identifiers: Vec::new(),
    }
}

/// The entity commands' shapes (overview, entity, link, hit, lookup, exclusion, graph)
/// and their string unions, from a real workspace with two cases sharing an account.
#[test]
fn entity_shapes_match() {
    use truyvet_core::graph_export::{EdgeKind, case_graph};
    use truyvet_core::{
        EntityKind, EntityState, ExclusionSource, IdKind, IdentifierHit, LinkKind, NewEntity,
        NewLink,
    };
    assert_eq!(
        const_list("ENTITY_KINDS"),
        names(EntityKind::ALL, EntityKind::as_str)
    );
    assert_eq!(
        const_list("ENTITY_STATES"),
        names(EntityState::ALL, EntityState::as_str)
    );
    assert_eq!(const_list("ID_KINDS"), names(IdKind::ALL, IdKind::as_str));
    assert_eq!(
        const_list("LINK_KINDS"),
        names(LinkKind::ALL, LinkKind::as_str)
    );
    assert_eq!(
        const_list("EDGE_KINDS"),
        names(EdgeKind::ALL, EdgeKind::as_str)
    );
    assert_eq!(
        const_list("EXCLUSION_SOURCES"),
        names(ExclusionSource::ALL, ExclusionSource::as_str)
    );

    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Vũ Minh".into(),
        agency: "QLTT".into(),
        unit: String::new(),
        province: "HP".into(),
        role: Role::Investigator,
    })
    .unwrap();
    let mut codes = Vec::new();
    let mut items = Vec::new();
    for title in ["Vụ một", "Vụ hai"] {
        let code = ws
            .create_case(&NewCase {
                title: title.into(),
                ..NewCase::default()
            })
            .unwrap()
            .code;
        let path = dir.path().join(format!("{title}.txt"));
        std::fs::write(&path, title).unwrap();
        let item = ws
            .add_files(&code, &[path], &AddOptions::default(), &mut |_| {})
            .unwrap()
            .remove(0);
        let hit = IdentifierHit {
            kind: Some(IdKind::BankAccount),
            raw: "0011 0012 34567".into(),
            qualifier: "VCB".into(),
            location: "12-27".into(),
            snippet: "STK 0011 0012 34567".into(),
            ..IdentifierHit::default()
        };
        ws.suggest_identifiers(&code, &item.id, &[hit]).unwrap();
        codes.push(code);
        items.push(item.id);
    }
    let account = ws.case_suggestions(&codes[0]).unwrap().remove(0);
    let confirmed = ws.confirm_entity(&account.id).unwrap();
    let seller = ws
        .create_entity(
            &codes[0],
            &NewEntity {
                kind: Some(EntityKind::Subject),
                label: "Nguyễn Văn A".into(),
                aliases: vec!["Shop A".into()],
                attrs: serde_json::json!({"subject_type": "person"})
                    .as_object()
                    .unwrap()
                    .clone(),
            },
        )
        .unwrap();
    ws.add_link(&NewLink {
        kind: Some(LinkKind::Receives),
        from_id: seller.id.clone(),
        to_id: confirmed.id.clone(),
        evidence_ids: vec![items[0].clone()],
    })
    .unwrap();

    let overview = serde_json::to_value(
        crate::commands::entities::EntityOverview::of(&ws, &codes[0]).unwrap(),
    )
    .unwrap();
    assert_shape("EntityOverview", &overview);
    for entity in overview["entities"].as_array().unwrap() {
        assert_shape("Entity", entity);
    }
    assert_shape("Link", &overview["links"][0]);
    assert_shape("CrossCaseHit", &overview["hits"][0]);
    for occurrence in ws.lookup("0011001234567").unwrap() {
        assert_shape("Occurrence", &serde_json::to_value(&occurrence).unwrap());
    }
    for exclusion in ws.exclusions().unwrap().iter().take(3) {
        assert_shape("Exclusion", &serde_json::to_value(exclusion).unwrap());
    }
    let graph = serde_json::to_value(case_graph(&ws, &codes[0], true).unwrap()).unwrap();
    assert_shape("Graph", &graph);
    assert!(graph["nodes"].as_array().unwrap().len() >= 3);
    for node in graph["nodes"].as_array().unwrap() {
        assert_shape("GraphNode", node);
    }
    for edge in graph["edges"].as_array().unwrap() {
        assert_shape("GraphEdge", edge);
    }
}

#[test]
fn workflow_shapes_match() {
    use crate::ipc_tests::{app_with, invoke};
    use serde_json::json;
    use truyvet_core::Transition;
    assert_eq!(
        const_list("TRANSITION_ACTIONS"),
        names(Transition::ALL, Transition::as_str)
    );
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app_with(
        crate::AppState::open(Ok(dir.path().to_path_buf())),
        crate::CaptureBrowser::new(truyvet_browser::BrowserOptions::default()),
    );
    let profile = json!({"display_name": "Phạm Thu Hà", "agency": "QLTT", "unit": "",
                         "province": "HN", "role": "supervisor"});
    let entry = invoke(
        &w,
        "profile_add",
        json!({"profile": profile, "passphrase": "passphrase-p"}),
    )
    .unwrap();
    assert_shape("ProfileEntry", &entry);
    assert_shape(
        "ProfileEntry",
        &invoke(&w, "profile_list", json!({})).unwrap()[0],
    );
    let case = invoke(
        &w,
        "case_create",
        json!({"input": {"title": "Rượu giả", "origin": "tip",
                          "violation_categories": ["counterfeit_goods"], "product_group": "Rượu"}}),
    )
    .unwrap();
    let code = case["code"].as_str().unwrap();
    let review = invoke(
        &w,
        "case_review_edit",
        json!({"code": code, "legalBasis": "NĐ 98/2020", "proposedMeasures": "Tịch thu"}),
    )
    .unwrap();
    assert_shape("CaseReview", &review);
    let view = invoke(&w, "case_review", json!({"code": code})).unwrap();
    assert_shape("CaseReviewView", &view);
    // Submitting is an investigator's act; approve and seal the supervisor's.
    let inv = json!({"display_name": "Lê An", "agency": "QLTT", "unit": "",
                     "province": "HN", "role": "investigator"});
    invoke(
        &w,
        "profile_add",
        json!({"profile": inv, "passphrase": "passphrase-q"}),
    )
    .unwrap();
    invoke(
        &w,
        "case_transition",
        json!({"code": code, "action": "submit", "passphrase": "passphrase-q"}),
    )
    .unwrap();
    invoke(&w, "profile_use", json!({"name": entry["name"]})).unwrap();
    let queue = invoke(&w, "review_queue", json!({})).unwrap();
    assert_shape("Case", &queue[0]);
    for action in ["approve", "seal"] {
        let args = json!({"code": code, "action": action, "passphrase": "passphrase-p"});
        assert_shape("Case", &invoke(&w, "case_transition", args).unwrap());
    }
    let view = invoke(&w, "case_review", json!({"code": code})).unwrap();
    assert_shape("CaseReviewView", &view);
    assert_shape("Seal", &view["seal"]);
}
