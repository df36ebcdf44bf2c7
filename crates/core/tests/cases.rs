//! Case workflow properties, tested in-process through `Workspace`.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

use truyvet_core::model::{CaseEdit, CaseOrigin, NewCase, ProfileInput, Role, ViolationCategory};
use truyvet_core::{CaseFilter, ErrorCode, Workspace};

fn workspace(dir: &tempfile::TempDir) -> Workspace {
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Hoàng Thị G".into(),
        agency: "QLTT".into(),
        unit: "Đội 5".into(),
        province: "HN".into(),
        role: Role::Investigator,
    })
    .unwrap();
    ws
}

fn new(title: &str) -> NewCase {
    NewCase {
        title: title.into(),
        ..NewCase::default()
    }
}

#[test]
fn codes_are_numbered_per_prefix_and_year() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let year = truyvet_core::time_fmt::current_year();
    let a = ws.create_case(&new("một")).unwrap();
    let b = ws.create_case(&new("hai")).unwrap();
    assert_eq!(a.code, format!("QLTT-HN-{year}-0001"));
    assert_eq!(b.code, format!("QLTT-HN-{year}-0002"));
    let hcm = ws
        .create_case(&NewCase {
            province: Some("hcm".into()),
            ..new("ba")
        })
        .unwrap();
    assert_eq!(hcm.code, format!("QLTT-HCM-{year}-0001"));
    // An explicit code in the same series does not confuse the numbering.
    let explicit = ws
        .create_case(&NewCase {
            code: Some(format!("QLTT-HN-{year}-0041")),
            ..new("bốn")
        })
        .unwrap();
    assert_eq!(explicit.code, format!("QLTT-HN-{year}-0041"));
    let next = ws.create_case(&new("năm")).unwrap();
    assert_eq!(next.code, format!("QLTT-HN-{year}-0042"));
}

#[test]
fn numbering_continues_past_9999() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let year = truyvet_core::time_fmt::current_year();
    ws.create_case(&NewCase {
        code: Some(format!("QLTT-HN-{year}-9999")),
        ..new("a")
    })
    .unwrap();
    let next = ws.create_case(&new("b")).unwrap();
    assert_eq!(next.code, format!("QLTT-HN-{year}-10000"));
    let after = ws.create_case(&new("c")).unwrap();
    assert_eq!(
        after.code,
        format!("QLTT-HN-{year}-10001"),
        "10000 must sort after 9999"
    );
}

#[test]
fn duplicate_explicit_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    ws.create_case(&NewCase {
        code: Some("BB-01/2026".into()),
        ..new("a")
    })
    .unwrap();
    let err = ws
        .create_case(&NewCase {
            code: Some("bb-01/2026".into()),
            ..new("b")
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DuplicateCaseCode);
    assert_eq!(ws.list_cases(&CaseFilter::default()).unwrap().len(), 1);
}

#[test]
fn edit_of_nothing_logs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let case = ws
        .create_case(&NewCase {
            violation_categories: vec![ViolationCategory::SmuggledGoods],
            origin: Some(CaseOrigin::Referral),
            ..new("Thuốc lá lậu")
        })
        .unwrap();
    let same = CaseEdit {
        title: Some("  Thuốc lá lậu ".into()),
        unit: Some("Đội 5".into()),
        province: Some("hn".into()),
        violation_categories: Some(vec![
            ViolationCategory::SmuggledGoods,
            ViolationCategory::SmuggledGoods,
        ]),
        product_group: Some(String::new()),
        origin: Some(CaseOrigin::Referral),
    };
    for edit in [CaseEdit::default(), same] {
        let after = ws.edit_case(&case.code, &edit).unwrap();
        assert_eq!(
            after, case,
            "an edit that changes nothing must not touch the case"
        );
        assert_eq!(
            ws.custody_log(&case.code).unwrap().len(),
            1,
            "{edit:?} was logged"
        );
    }
}

#[test]
fn each_changed_field_is_its_own_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let case = ws.create_case(&new("Cũ")).unwrap();
    ws.edit_case(
        &case.code,
        &CaseEdit {
            title: Some("Mới".into()),
            product_group: Some("Rượu".into()),
            origin: Some(CaseOrigin::Complaint),
            ..CaseEdit::default()
        },
    )
    .unwrap();
    let log = ws.custody_log(&case.code).unwrap();
    let fields: Vec<(&str, &str, &str)> = log[1..]
        .iter()
        .map(|e| {
            assert_eq!(e.kind, "field_edited");
            (
                e.payload["field"].as_str().unwrap(),
                e.payload["old"].as_str().unwrap(),
                e.payload["new"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("title", "Cũ", "Mới"),
            ("product_group", "", "Rượu"),
            ("origin", "patrol", "complaint")
        ]
    );
    // All three were written in one transaction: consecutive, one chain.
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(ws.verify().unwrap().ok);
}

#[test]
fn invalid_edit_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    let case = ws.create_case(&new("Giữ nguyên")).unwrap();
    let err = ws
        .edit_case(
            &case.code,
            &CaseEdit {
                title: Some("Khác".into()),
                province: Some("H1".into()),
                ..CaseEdit::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(ws.case_detail(&case.code).unwrap().case, case);
    assert_eq!(ws.custody_log(&case.code).unwrap().len(), 1);
}

fn found(ws: &Workspace, query: &str) -> Vec<String> {
    let mut codes: Vec<String> = ws
        .list_cases(&CaseFilter {
            query: Some(query.into()),
            status: None,
        })
        .unwrap()
        .into_iter()
        .map(|s| s.case.title)
        .collect();
    codes.sort();
    codes
}

#[test]
fn search_treats_like_wildcards_literally() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    for title in [
        "Giảm 100% giá",
        "Giảm 1000 giá",
        "mã_hàng A",
        "mãXhàng B",
        r"đường\dẫn",
    ] {
        ws.create_case(&new(title)).unwrap();
    }
    assert_eq!(found(&ws, "100%"), ["Giảm 100% giá"]);
    assert_eq!(found(&ws, "%"), ["Giảm 100% giá"]);
    assert_eq!(found(&ws, "ma_hang"), ["mã_hàng A"]);
    assert_eq!(found(&ws, "_"), ["mã_hàng A"]);
    assert_eq!(found(&ws, r"duong\dan"), [r"đường\dẫn"]);
    assert_eq!(found(&ws, r"\"), [r"đường\dẫn"]);
}

#[test]
fn search_folds_diacritics_and_d_stroke() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = workspace(&dir);
    for title in ["Hàng giả Gucci", "Điện thoại iPhone nhái", "Đồng hồ Rolex"] {
        ws.create_case(&new(title)).unwrap();
    }
    assert_eq!(found(&ws, "hang gia"), ["Hàng giả Gucci"]);
    assert_eq!(found(&ws, "dien thoai"), ["Điện thoại iPhone nhái"]);
    assert_eq!(found(&ws, "DONG HO"), ["Đồng hồ Rolex"]);
    assert_eq!(found(&ws, "HÀNG GIẢ"), ["Hàng giả Gucci"]);
    // Decomposed input (as some keyboards send it) finds composed text.
    assert_eq!(found(&ws, "Ha\u{300}ng gia\u{309}"), ["Hàng giả Gucci"]);
}

#[test]
fn nothing_without_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path().join("ws")).unwrap();
    assert_eq!(
        ws.create_case(&new("x")).unwrap_err().code,
        ErrorCode::ProfileMissing
    );
    assert!(ws.list_cases(&CaseFilter::default()).unwrap().is_empty());
}
