//! `truyvet report build` with the central registry's cross-agency figures: a real
//! `truyvet-registry` on 127.0.0.1 holding a case sealed and pushed by another agency;
//! the report's "Liên ngành" sheet and PDF section carry exactly the registry's counts;
//! with the registry stopped the report is still built ("unreachable", a notice);
//! `--offline` leaves the registry out.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;

use calamine::{Data as Cell, Reader, Xlsx, open_workbook};
use serde_json::Value;
use truyvet_tests::TestWorkspace;

use crate::sync::{Data, set_registry, signers, sync};
use crate::workflow::run_as;

/// `GET /v1/stats` straight from the registry over a plain loopback socket.
fn registry_stats(url: &str, token: &str, from: &str, to: &str) -> Value {
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /v1/stats?from={from}&to={to} HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The "Liên ngành" sheet as rows of text (numbers as integers).
fn registry_sheet(path: &Path) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range("Liên ngành").unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Cell::Float(f) => format!("{}", *f as i64),
                    Cell::Int(i) => i.to_string(),
                    Cell::String(s) => s.clone(),
                    Cell::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// `(group, key) -> count` of the sheet's count rows, and the status row's value.
fn sheet_counts(rows: &[Vec<String>]) -> (String, Vec<(String, String, u64)>) {
    let status = rows
        .iter()
        .find(|r| r[0] == "Trạng thái")
        .map(|r| r[1].clone())
        .unwrap();
    let counts = rows
        .iter()
        .filter(|r| r.len() >= 3 && !r[2].is_empty() && r[0] != "Phân loại")
        .map(|r| {
            (
                r[0].clone(),
                r.get(3).cloned().unwrap_or_default(),
                r[2].parse().unwrap(),
            )
        })
        .collect();
    (status, counts)
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn build(ws: &TestWorkspace, out: &Path, extra: &[&str]) -> truyvet_tests::Run {
    let mut args = vec![
        "report",
        "build",
        "--preset",
        "6m",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_as(ws, None, &args)
}

#[test]
fn the_report_carries_the_registrys_cross_agency_figures_or_says_why_not() {
    let data = Data::new(false);
    let (_qltt_token, ca_token) = data.setup();
    let supervisor = data.admin(&[
        "token",
        "issue",
        "--agency",
        "QLTT",
        "--unit",
        "DOI1",
        "--role",
        "supervisor",
        "--name",
        "bao-cao",
    ])["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let key = data.key();
    let server = data.start(0);

    // Another agency seals a counterfeit-goods case in province HN and pushes it.
    let ca = TestWorkspace::new();
    signers(&ca, "CA", "HN");
    let code = ca.new_case("Đồng hồ giả bán trên mạng");
    run_as(
        &ca,
        None,
        &["case", "edit", &code, "--category", "counterfeit_goods"],
    )
    .ok();
    let file = ca.write_file("hoa-don.txt", format!("Hóa đơn {code}").as_bytes());
    ca.add(&code, &[&file]);
    crate::export::submit_approve_seal(&ca, &code);
    run_as(&ca, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    set_registry(&ca, &server.url, &ca_token, &key);
    let pushed = sync(&ca, &[]).ok().json();
    assert_eq!(pushed["verified"], 1, "{pushed:#}");

    // The reporting workspace: QLTT, with a supervisor's registry token.
    let qltt = TestWorkspace::new();
    signers(&qltt, "QLTT", "DN");
    set_registry(&qltt, &server.url, &supervisor, &key);

    let xlsx = qltt.temp_root().join("lien-nganh.xlsx");
    let run = build(&qltt, &xlsx, &["--format", "xlsx"]).ok();
    let out = run.json();
    let reg = &out["figures"]["registry"];
    assert_eq!(reg["status"], "online", "{reg:#}");
    let (from, to) = (
        out["summary"]["from"].as_str().unwrap(),
        out["summary"]["to"].as_str().unwrap(),
    );
    let expected = registry_stats(&server.url, &supervisor, from, to);
    assert_eq!(expected["total_cases"], 1, "{expected:#}");
    assert_eq!(reg["total_cases"], expected["total_cases"]);

    let rows = registry_sheet(&xlsx);
    let (status, counts) = sheet_counts(&rows);
    assert_eq!(status, "online", "{rows:?}");
    let host = server.url.strip_prefix("http://").unwrap();
    assert!(
        rows.iter()
            .any(|r| r[0] == "Hệ thống trung tâm" && r[1] == host),
        "{rows:?}"
    );
    let mut want = vec![(
        "Tổng".to_string(),
        String::new(),
        expected["total_cases"].as_u64().unwrap(),
    )];
    for (group, field) in [
        ("Loại vi phạm", "by_category"),
        ("Nền tảng", "by_platform"),
        ("Tỉnh/thành", "by_province"),
        ("Tháng", "by_month"),
    ] {
        for c in expected[field].as_array().unwrap() {
            want.push((
                group.to_string(),
                c["key"].as_str().unwrap().to_string(),
                c["cases"].as_u64().unwrap(),
            ));
        }
    }
    assert_eq!(counts, want, "{rows:?}");
    assert!(
        want.contains(&("Loại vi phạm".into(), "counterfeit_goods".into(), 1)),
        "{want:?}"
    );
    assert!(
        want.contains(&("Tỉnh/thành".into(), "HN".into(), 1)),
        "{want:?}"
    );

    // The PDF's section.
    let pdf = qltt.temp_root().join("lien-nganh.pdf");
    build(&qltt, &pdf, &["--format", "pdf"]).ok();
    let text = pdf_text(&pdf);
    let section = text
        .split("SỐ LIỆU LIÊN NGÀNH (HỆ THỐNG TRUNG TÂM)")
        .nth(1)
        .unwrap_or_else(|| panic!("no cross-agency section in {text}"));
    assert!(
        section.contains("Tổng số vụ việc đã niêm phong trong kỳ (mọi cơ quan): 1"),
        "{section}"
    );
    assert!(section.contains("Hàng giả"), "{section}");
    assert!(section.contains("HN"), "{section}");
    assert!(section.contains(host), "{section}");

    // The registry stopped: the report is still built, unreachable, with a notice.
    drop(server);
    let stopped = qltt.temp_root().join("khong-ket-noi.xlsx");
    let run = qltt.run(&[
        "report",
        "build",
        "--preset",
        "6m",
        "--format",
        "xlsx",
        "--out",
        stopped.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("không lấy được số liệu liên ngành"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["figures"]["registry"]["status"], "unreachable");
    let rows = registry_sheet(&stopped);
    let (status, counts) = sheet_counts(&rows);
    assert_eq!(status, "unreachable", "{rows:?}");
    assert!(counts.is_empty(), "{rows:?}");
    let pdf = qltt.temp_root().join("khong-ket-noi.pdf");
    build(&qltt, &pdf, &["--format", "pdf"]).ok();
    assert!(pdf_text(&pdf).contains("Không kết nối được."));

    // --offline: not asked at all.
    let offline = qltt.temp_root().join("ngoai-tuyen.xlsx");
    let run = build(&qltt, &offline, &["--format", "xlsx", "--offline"]).ok();
    assert!(!run.stderr.contains("không lấy được"), "{}", run.stderr);
    assert_eq!(run.json()["figures"]["registry"]["status"], "offline");
    let (status, counts) = sheet_counts(&registry_sheet(&offline));
    assert_eq!(status, "offline");
    assert!(counts.is_empty());
}
