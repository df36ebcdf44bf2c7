//! `truyvet case refer` and `truyvet report build`: referring a sealed case, the report
//! of a period as XLSX and PDF, an empty period, a scope, bad dates.

use std::process::Command;

use truyvet_tests::TestWorkspace;

use crate::workflow::{INV, SUP, run_as};

fn profile(ws: &TestWorkspace, pass: &str, args: &[&str]) {
    let mut all = vec!["profile"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--agency", "QLTT", "--unit", "Đội 5", "--province", "HN"]);
    run_as(ws, Some(pass), &all).ok();
}

/// Investigator + supervisor; one sealed case (counterfeit cosmetics), one draft
/// (smuggled watches) in province HCM.
fn setup() -> (TestWorkspace, String, String) {
    let ws = TestWorkspace::new();
    profile(&ws, INV, &["set", "--display-name", "Trần Văn Điều Tra"]);
    profile(
        &ws,
        SUP,
        &[
            "add",
            "--name",
            "kiem-soat",
            "--display-name",
            "Lê Thị Kiểm Soát",
            "--role",
            "supervisor",
        ],
    );
    run_as(&ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    let sealed = ws.new_case("Mỹ phẩm giả");
    run_as(
        &ws,
        None,
        &[
            "case",
            "edit",
            &sealed,
            "--category",
            "counterfeit_goods",
            "--category",
            "ip_infringing_goods",
            "--product-group",
            "Mỹ phẩm",
            "--legal-basis",
            "Nghị định 98/2020/NĐ-CP",
            "--measures",
            "Xử phạt",
        ],
    )
    .ok();
    let draft = run_as(
        &ws,
        None,
        &[
            "case",
            "new",
            "--title",
            "Đồng hồ nhập lậu",
            "--category",
            "smuggled_goods",
            "--province",
            "HCM",
        ],
    )
    .ok()
    .json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    run_as(&ws, Some(INV), &["case", "submit", &sealed]).ok();
    run_as(&ws, None, &["profile", "use", "kiem-soat"]).ok();
    run_as(&ws, Some(SUP), &["case", "approve", &sealed]).ok();
    run_as(&ws, Some(SUP), &["case", "seal", &sealed]).ok();
    (ws, sealed, draft)
}

#[test]
fn refer_then_report_as_xlsx_and_pdf() {
    let (ws, sealed, draft) = setup();
    run_as(
        &ws,
        None,
        &["case", "refer", &draft, "--to", "Công an", "--ref", "1/CA"],
    )
    .fails_with(3, "case_not_sealed");
    run_as(
        &ws,
        None,
        &["case", "refer", &sealed, "--to", " ", "--ref", "1/CA"],
    )
    .fails_with(3, "invalid_input");
    let r = run_as(
        &ws,
        None,
        &[
            "case",
            "refer",
            &sealed,
            "--to",
            "Công an tỉnh Hà Nội",
            "--ref",
            "123/CV-CA",
            "--note",
            "Dấu hiệu tội phạm",
        ],
    )
    .ok()
    .json();
    assert_eq!(r["referred_to"], "Công an tỉnh Hà Nội");
    assert_eq!(r["reference"], "123/CV-CA");
    assert_eq!(r["case_code"], sealed.as_str());
    let log = run_as(&ws, None, &["log", "--case", &sealed]).ok().json();
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["kind"],
        "case_referred"
    );
    ws.assert_verifies();

    let xlsx = ws.temp_root().join("bao-cao.xlsx");
    let out = run_as(
        &ws,
        None,
        &[
            "report",
            "build",
            "--preset",
            "6m",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    )
    .ok()
    .json();
    let s = &out["summary"];
    assert_eq!(s["format"], "xlsx");
    assert_eq!(s["empty"], false);
    assert_eq!(
        s["sha256"],
        truyvet_tests::sha256_hex(&std::fs::read(&xlsx).unwrap()).as_str()
    );
    let t = &out["figures"]["totals"];
    assert_eq!(t["cases_opened"], 2);
    assert_eq!(t["cases_sealed"], 1);
    assert_eq!(t["cases_referred"], 1);
    assert_eq!(out["figures"]["per_month"].as_array().unwrap().len(), 6);
    let cats = out["figures"]["by_category"].as_array().unwrap();
    let count = |key: &str| cats.iter().find(|c| c["key"] == key).unwrap()["count"].clone();
    assert_eq!(count("counterfeit_goods"), 1);
    assert_eq!(count("smuggled_goods"), 1);

    // Scope: only HN, as a PDF.
    let pdf = ws.temp_root().join("bao-cao-hn.pdf");
    let out = run_as(
        &ws,
        None,
        &[
            "report",
            "build",
            "--preset",
            "1y",
            "--province",
            "HN",
            "--format",
            "pdf",
            "--out",
            pdf.to_str().unwrap(),
        ],
    )
    .ok()
    .json();
    assert_eq!(out["figures"]["totals"]["cases_opened"], 1);
    assert_eq!(out["figures"]["per_month"].as_array().unwrap().len(), 12);
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Phạm vi: tỉnh/thành HN"), "{text}");
    assert!(text.contains("Công an tỉnh Hà Nội"), "{text}");
    assert!(text.contains("Hàng giả"), "{text}");
}

#[test]
fn an_empty_period_builds_with_a_notice_and_bad_dates_are_refused() {
    let (ws, _, _) = setup();
    let out = ws.temp_root().join("trong.pdf");
    let human = ws.run_plain(&[
        "report",
        "build",
        "--from",
        "2020-01-01",
        "--to",
        "2020-03-31",
        "--out",
        out.to_str().unwrap(),
    ]);
    let human = human.ok();
    assert!(
        human.stdout.contains("không có dữ liệu trong kỳ báo cáo"),
        "{}",
        human.stdout
    );
    assert!(out.is_file());

    let bad = ws.temp_root().join("bad.pdf");
    let bad = bad.to_str().unwrap();
    for args in [
        vec!["--from", "2026-02-30", "--to", "2026-03-31"],
        vec!["--from", "2026-03-01", "--to", "2026-02-01"],
        vec!["--from", "01/03/2026", "--to", "2026-03-31"],
        vec!["--preset", "5y"],
        vec![],
    ] {
        let mut all = vec!["report", "build", "--out", bad];
        all.extend(args.iter());
        run_as(&ws, None, &all).fails_with(3, "invalid_input");
    }
    assert!(!std::path::Path::new(bad).exists());
}
