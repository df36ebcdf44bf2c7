//! Periodic reports over a workspace of known cases: the figures, the XLSX read back
//! cell by cell (with its charts), the PDF's text (pdftotext), an empty period, a scope
//! filter and bad dates.

// Helpers outside #[test] functions are test code too: a panic is how they report.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use time::macros::{date, datetime};
use truyvet_core::ErrorCode;
use truyvet_periodic::{Figures, Format, Preset, ReportRequest, Scope};

fn request(fx: &common::Fixture, scope: Scope, format: Format) -> ReportRequest {
    let (from, to) = Preset::SixMonths.range(fx.today);
    ReportRequest {
        from,
        to,
        scope,
        format,
    }
}

fn counts(rows: &[truyvet_periodic::Count]) -> BTreeMap<String, u64> {
    rows.iter().map(|c| (c.key.clone(), c.count)).collect()
}

fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn check_all_scope(fx: &common::Fixture, f: &Figures) {
    let t = &f.totals;
    assert!(!f.empty);
    assert_eq!(t.cases_opened, 6, "A B G C D E");
    assert_eq!(t.cases_sealed, 2);
    assert_eq!(t.cases_referred, 1);
    assert_eq!(t.referrals, 2);
    assert_eq!(t.tips_received, 3);
    assert_eq!(t.repeat_identifiers, 1);
    let months: Vec<_> = f.per_month.iter().map(|m| m.month.clone()).collect();
    assert_eq!(months, fx.months);
    let series: Vec<_> = f
        .per_month
        .iter()
        .map(|m| (m.opened, m.sealed, m.referred))
        .collect();
    assert_eq!(
        series,
        [
            (0, 0, 0),
            (0, 0, 0),
            (2, 0, 0),
            (1, 0, 0),
            (1, 0, 0),
            (2, 2, 1)
        ]
    );
    assert_eq!(
        counts(&f.by_category),
        map(&[
            ("prohibited_goods", 1),
            ("smuggled_goods", 1),
            ("counterfeit_goods", 2),
            ("ip_infringing_goods", 1),
            ("poor_quality_goods", 0),
            ("restricted_goods", 0),
            ("conditional_goods_unmet", 0),
            ("expired_goods", 1),
            ("unknown_origin_goods", 0),
            ("false_information", 0),
            ("undeclared_business_tax_evasion", 0),
            ("", 1),
        ])
    );
    assert_eq!(
        f.by_platform
            .iter()
            .map(|c| (c.key.as_str(), c.count))
            .collect::<Vec<_>>(),
        [
            ("shopee", 2),
            ("facebook", 1),
            ("lazada", 1),
            ("other", 1),
            ("tiktok", 1),
            ("", 1)
        ]
    );
    assert_eq!(
        counts(&f.by_product_group),
        map(&[
            ("Mỹ phẩm", 2),
            ("Đồng hồ", 1),
            ("Thực phẩm", 1),
            ("Điện thoại", 1),
            ("", 1)
        ])
    );
    assert_eq!(
        counts(&f.referrals_by_agency),
        map(&[("Công an tỉnh Hà Nội", 1), ("Cục Thuế Hà Nội", 1)])
    );
    assert!(f.tips.available);
    assert_eq!(f.tips.received, 3);
    assert_eq!(
        counts(&f.tips.by_channel),
        map(&[("hotline", 2), ("email", 1)])
    );
    assert_eq!(counts(&f.tips.by_status), map(&[("new", 2), ("closed", 1)]));
    assert_eq!(
        counts(&f.tips.by_outcome),
        map(&[("", 2), ("no_violation", 1)])
    );
    // 0912345678 is in A, B and F (F outside the period); Shopee's hotline in A and C is
    // on the exclusion list.
    assert_eq!(f.repeat_offenders.len(), 1);
    let r = &f.repeat_offenders[0];
    assert_eq!(
        (r.kind.as_str(), r.value.as_str(), r.case_count),
        ("phone", "+84912345678", 2)
    );
    let mut codes = vec![fx.a.clone(), fx.b.clone()];
    codes.sort();
    assert_eq!(r.case_codes, codes);
    assert_eq!(f.registry.status, "offline");
}

#[test]
fn figures_of_a_known_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = common::workspace(&dir);
    let fx = common::build(&mut ws);
    let f = truyvet_periodic::figures(&ws, &request(&fx, Scope::default(), Format::Pdf)).unwrap();
    check_all_scope(&fx, &f);
    assert_eq!(f.from, fx.from.to_string());

    // Scope: province HN leaves out E (HCM), which is the only Lazada and prohibited case.
    let hn = Scope {
        province: Some("hn".into()),
        ..Scope::default()
    };
    let f = truyvet_periodic::figures(&ws, &request(&fx, hn, Format::Pdf)).unwrap();
    assert_eq!(f.totals.cases_opened, 5);
    assert_eq!(f.per_month.last().unwrap().opened, 1);
    assert_eq!(counts(&f.by_category)["prohibited_goods"], 0);
    assert!(!counts(&f.by_platform).contains_key("lazada"));
    assert_eq!(
        f.totals.tips_received, 3,
        "tips were recorded by an HN profile"
    );
    assert_eq!(f.scope.province.as_deref(), Some("hn"));

    // Another agency: nothing, and the report says so.
    let other = Scope {
        agency: Some("CA".into()),
        ..Scope::default()
    };
    let f = truyvet_periodic::figures(&ws, &request(&fx, other, Format::Pdf)).unwrap();
    assert!(f.empty);
    assert_eq!(f.per_month.len(), 6);
    assert!(f.per_month.iter().all(|m| m.opened == 0));
    assert_eq!(f.tips.received, 0);

    // The same data gives the same figures hash; F's month alone gives other figures.
    let again =
        truyvet_periodic::figures(&ws, &request(&fx, Scope::default(), Format::Xlsx)).unwrap();
    let first =
        truyvet_periodic::figures(&ws, &request(&fx, Scope::default(), Format::Pdf)).unwrap();
    assert_eq!(again.figures_sha256, first.figures_sha256);
    assert_eq!(first.figures_sha256.len(), 64);
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect()
}

/// `label -> count` of a two-column sheet, header skipped.
fn sheet_counts(path: &Path, name: &str, key_col: usize) -> BTreeMap<String, u64> {
    sheet(path, name)
        .into_iter()
        .skip(1)
        .map(|r| (r[key_col].clone(), r[1].parse::<f64>().unwrap() as u64))
        .collect()
}

fn zip_entry_names(path: &Path) -> String {
    // The chart parts are plain names in the zip's central directory.
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

#[test]
fn xlsx_holds_exactly_the_figures_with_charts() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = common::workspace(&dir);
    let fx = common::build(&mut ws);
    let out = dir.path().join("bao-cao.xlsx");
    let at = datetime!(2026-11-28 02:30:00 UTC);
    let req = request(&fx, Scope::default(), Format::Xlsx);
    let summary = truyvet_periodic::build_at(&ws, &req, &out, at).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(summary.size, bytes.len() as u64);
    assert_eq!(summary.generated_at, "2026-11-28 09:30 (UTC+07:00)");

    let wb: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Tổng hợp",
            "Theo tháng",
            "Loại vi phạm",
            "Nền tảng",
            "Nhóm hàng",
            "Chuyển giao",
            "Tin báo",
            "Tái phạm",
            "Liên ngành"
        ]
    );
    let summary_rows: BTreeMap<String, String> = sheet(&out, "Tổng hợp")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(summary_rows["Chỉ tiêu"], "Giá trị");
    assert_eq!(summary_rows["Từ ngày"], fx.from.to_string());
    assert_eq!(summary_rows["Vụ việc đã lập"], "6");
    assert_eq!(summary_rows["Vụ việc đã niêm phong"], "2");
    assert_eq!(summary_rows["Vụ việc đã chuyển cơ quan khác"], "1");
    assert_eq!(summary_rows["Lượt chuyển giao"], "2");
    assert_eq!(summary_rows["Tin báo đã tiếp nhận"], "3");
    assert_eq!(
        summary_rows["Mã băm số liệu (SHA-256)"],
        summary.figures_sha256
    );
    assert_eq!(summary_rows["Ghi chú"], "");

    let months = sheet(&out, "Theo tháng");
    assert_eq!(
        months[0],
        ["Tháng", "Đã lập", "Đã niêm phong", "Đã chuyển giao"]
    );
    let body: Vec<Vec<String>> = months[1..].to_vec();
    let expected: Vec<Vec<String>> = fx
        .months
        .iter()
        .zip([
            (0, 0, 0),
            (0, 0, 0),
            (2, 0, 0),
            (1, 0, 0),
            (1, 0, 0),
            (2, 2, 1),
        ])
        .map(|(m, (o, s, r))| vec![m.clone(), o.to_string(), s.to_string(), r.to_string()])
        .collect();
    assert_eq!(body, expected);

    let cats = sheet_counts(&out, "Loại vi phạm", 2);
    assert_eq!(cats["counterfeit_goods"], 2);
    assert_eq!(cats["expired_goods"], 1);
    assert_eq!(cats[""], 1);
    assert_eq!(cats.values().sum::<u64>(), 7);
    assert_eq!(sheet(&out, "Loại vi phạm")[1][0], "Hàng cấm");
    assert_eq!(
        sheet_counts(&out, "Nền tảng", 2),
        map(&[
            ("shopee", 2),
            ("facebook", 1),
            ("lazada", 1),
            ("other", 1),
            ("tiktok", 1),
            ("", 1)
        ])
    );
    assert_eq!(sheet_counts(&out, "Nhóm hàng", 0)["Mỹ phẩm"], 2);
    assert_eq!(
        sheet_counts(&out, "Chuyển giao", 0),
        map(&[("Công an tỉnh Hà Nội", 1), ("Cục Thuế Hà Nội", 1)])
    );
    let tips = sheet(&out, "Tin báo");
    assert!(tips.contains(&vec![
        "Nguồn".to_string(),
        "Đường dây nóng".into(),
        "2".into(),
        "hotline".into()
    ]));
    assert!(tips.contains(&vec![
        "Kết quả".to_string(),
        "Không có vi phạm".into(),
        "1".into(),
        "no_violation".into()
    ]));
    let repeats = sheet(&out, "Tái phạm");
    assert_eq!(repeats.len(), 2);
    assert_eq!(repeats[1][..3], ["phone", "+84912345678", "2"]);

    // Native charts: a column chart on the monthly sheet, a bar chart on the categories.
    let raw = zip_entry_names(&out);
    assert!(raw.contains("xl/charts/chart1.xml"), "no chart part");
    assert!(raw.contains("xl/charts/chart2.xml"), "no second chart part");

    // Same data and time, same bytes.
    let out2 = dir.path().join("lai.xlsx");
    let again = truyvet_periodic::build_at(&ws, &req, &out2, at).unwrap();
    assert_eq!(again.sha256, summary.sha256);
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `n` numbers printed on the line starting with `label` (layout mode).
fn line_numbers(text: &str, label: &str) -> Vec<u64> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in:\n{text}"));
    line[label.len()..]
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

#[test]
fn pdf_prints_the_figures_in_vietnamese() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = common::workspace(&dir);
    let fx = common::build(&mut ws);
    let out = dir.path().join("bao-cao.pdf");
    let at = datetime!(2026-11-28 02:30:00 UTC);
    let req = request(&fx, Scope::default(), Format::Pdf);
    let summary = truyvet_periodic::build_at(&ws, &req, &out, at).unwrap();
    let text = pdf_text(&out);
    assert!(text.contains("BÁO CÁO ĐỊNH KỲ"), "{text}");
    assert!(
        text.contains(&format!("từ ngày {} đến ngày {}", fx.from, fx.today)),
        "{text}"
    );
    assert!(text.contains("Phạm vi: toàn bộ dữ liệu của máy"), "{text}");
    assert!(
        text.contains("Lập lúc 2026-11-28 09:30 (UTC+07:00)"),
        "{text}"
    );
    assert!(text.contains(&summary.figures_sha256), "{text}");
    assert_eq!(line_numbers(&text, "Vụ việc đã lập"), [6]);
    assert_eq!(line_numbers(&text, "Vụ việc đã niêm phong"), [2]);
    assert_eq!(line_numbers(&text, "Vụ việc đã chuyển cơ quan khác"), [1]);
    assert_eq!(line_numbers(&text, "Lượt chuyển giao"), [2]);
    assert_eq!(line_numbers(&text, "Tin báo đã tiếp nhận"), [3]);
    // Monthly table rows: month, opened, sealed, referred.
    assert_eq!(line_numbers(&text, fx.months.last().unwrap()), [2, 2, 1]);
    assert_eq!(line_numbers(&text, &fx.months[2]), [2, 0, 0]);
    assert_eq!(line_numbers(&text, "Hàng giả"), [2]);
    assert_eq!(line_numbers(&text, "Shopee"), [2]);
    assert_eq!(line_numbers(&text, "Công an tỉnh Hà Nội"), [1]);
    assert!(text.contains("+84912345678"), "{text}");
    assert!(text.contains("Ngoại tuyến"), "{text}");
    assert!(!text.contains("Không có dữ liệu trong kỳ báo cáo"));

    // Reproducible: same data and time, same bytes.
    let out2 = dir.path().join("lai.pdf");
    assert_eq!(
        truyvet_periodic::build_at(&ws, &req, &out2, at)
            .unwrap()
            .sha256,
        summary.sha256
    );
}

#[test]
fn an_empty_period_still_builds_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(&dir);
    let req = ReportRequest {
        from: date!(2024 - 01 - 01),
        to: date!(2024 - 03 - 31),
        scope: Scope::default(),
        format: Format::Pdf,
    };
    let pdf = dir.path().join("trong.pdf");
    let s = truyvet_periodic::build(&ws, &req, &pdf).unwrap();
    assert!(s.empty);
    let text = pdf_text(&pdf);
    assert!(text.contains("Không có dữ liệu trong kỳ báo cáo"), "{text}");
    assert!(text.contains("2024-02"), "every month is listed: {text}");

    let xlsx = dir.path().join("trong.xlsx");
    let s = truyvet_periodic::build(
        &ws,
        &ReportRequest {
            format: Format::Xlsx,
            ..req
        },
        &xlsx,
    )
    .unwrap();
    assert!(s.empty);
    let months = sheet(&xlsx, "Theo tháng");
    assert_eq!(months.len(), 4);
    assert_eq!(months[1], ["2024-01", "0", "0", "0"]);
    let summary: BTreeMap<String, String> = sheet(&xlsx, "Tổng hợp")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert_eq!(summary["Ghi chú"], "Không có dữ liệu trong kỳ báo cáo");
}

#[test]
fn bad_periods_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let ws = common::workspace(&dir);
    let out = dir.path().join("x.pdf");
    let backwards = ReportRequest {
        from: date!(2026 - 03 - 01),
        to: date!(2026 - 02 - 28),
        scope: Scope::default(),
        format: Format::Pdf,
    };
    let err = truyvet_periodic::build(&ws, &backwards, &out).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("after it ends"), "{}", err.message);
    assert!(!out.exists());
    let too_long = ReportRequest {
        from: date!(2001 - 01 - 01),
        ..backwards.clone()
    };
    let err = truyvet_periodic::figures(&ws, &too_long).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    for bad in ["2026-13-01", "31/12/2026", "2026-02-30", ""] {
        assert_eq!(
            truyvet_periodic::parse_date(bad).unwrap_err().code,
            ErrorCode::InvalidInput,
            "{bad}"
        );
    }
    assert_eq!(
        Preset::parse("5y").unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        Format::parse("docx").unwrap_err().code,
        ErrorCode::InvalidInput
    );
    // The request crosses IPC as JSON with plain dates.
    let json = serde_json::to_value(&backwards).unwrap();
    assert_eq!(json["from"], "2026-03-01");
    let parsed: ReportRequest = serde_json::from_value(json).unwrap();
    assert_eq!(parsed, backwards);
}

#[test]
fn presets_cover_whole_months_back_from_today() {
    let today = date!(2026 - 11 - 28);
    assert_eq!(
        Preset::SixMonths.range(today),
        (date!(2026 - 06 - 01), today)
    );
    assert_eq!(Preset::OneYear.range(today), (date!(2025 - 12 - 01), today));
    assert_eq!(
        Preset::TwoYears.range(today),
        (date!(2024 - 12 - 01), today)
    );
    assert_eq!(
        Preset::ThreeYears.range(today),
        (date!(2023 - 12 - 01), today)
    );
}

#[test]
fn registry_figures_go_into_both_formats_and_the_fetch_time_stays_out_of_the_hash() {
    use truyvet_periodic::{RegistryFigures, Stats};
    let dir = tempfile::tempdir().unwrap();
    let mut ws = common::workspace(&dir);
    let fx = common::build(&mut ws);
    let req = request(&fx, Scope::default(), Format::Xlsx);
    let count = |key: &str, cases| truyvet_wire::api::Count {
        key: key.into(),
        cases,
    };
    let stats = Stats {
        from: req.from.to_string(),
        to: req.to.to_string(),
        total_cases: 7,
        by_category: vec![count("counterfeit_goods", 5), count("smuggled_goods", 2)],
        by_platform: vec![count("shopee", 4)],
        by_province: vec![count("HN", 6), count("DN", 1)],
        by_month: vec![count("2026-10", 3), count("2026-11", 4)],
    };
    let at = datetime!(2026-11-28 02:30:00 UTC);
    let online = |t| RegistryFigures::online("registry.example:8443", t, stats.clone());
    let a = truyvet_periodic::figures_with_registry(&ws, &req, online(at)).unwrap();
    let b = truyvet_periodic::figures_with_registry(
        &ws,
        &req,
        online(datetime!(2026-11-28 05:00:00 UTC)),
    )
    .unwrap();
    let offline = truyvet_periodic::figures(&ws, &req).unwrap();
    assert_eq!(a.figures_sha256, b.figures_sha256);
    assert_ne!(a.figures_sha256, offline.figures_sha256);
    assert_eq!(a.registry.total_cases, Some(7));
    assert_eq!(a.registry.by_category[0].label, "Hàng giả");

    let out = dir.path().join("lien-nganh.xlsx");
    truyvet_periodic::build_with_registry(&ws, &req, online(at), &out, at).unwrap();
    let rows = sheet(&out, "Liên ngành");
    let find = |group: &str, key: &str| {
        rows.iter()
            .find(|r| r[0] == group && r.get(3).map(String::as_str).unwrap_or("") == key)
            .unwrap_or_else(|| panic!("{group} {key} in {rows:?}"))[2]
            .clone()
    };
    assert_eq!(find("Trạng thái", ""), "");
    assert_eq!(find("Tổng", ""), "7");
    assert_eq!(find("Loại vi phạm", "counterfeit_goods"), "5");
    assert_eq!(find("Nền tảng", "shopee"), "4");
    assert_eq!(find("Tỉnh/thành", "DN"), "1");
    assert_eq!(find("Tháng", "2026-11"), "4");

    let unreachable = RegistryFigures::unreachable(Some("registry.example"), "connection refused");
    let out = dir.path().join("khong-ket-noi.xlsx");
    truyvet_periodic::build_with_registry(&ws, &req, unreachable, &out, at).unwrap();
    let rows = sheet(&out, "Liên ngành");
    assert!(
        rows.iter()
            .any(|r| r[0] == "Trạng thái" && r[1] == "unreachable")
    );
    assert!(!rows.iter().any(|r| r[0] == "Tổng"), "{rows:?}");
}
