//! `truyvet tip`: a tip recorded with an attachment becomes a case that keeps its origin
//! through review, seal and export (the PDF report names the tip); bulk import from CSV
//! and XLSX gives the documented per-row results and stores all or nothing; a 100,000-row
//! file imports; the reporter's contact is masked unless revealed (and the reveal is
//! logged); duplicates are found by phone and by link, across tips and cases.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use truyvet_tests::{TestWorkspace, sha256_hex};

use crate::export::{output_text, signers_and_case, submit_approve_seal};
use crate::workflow::run_as;

const FIXTURE: &str = include_str!("data/tips_import.csv");

fn add_tip(ws: &TestWorkspace, args: &[&str]) -> Value {
    let mut all = vec!["tip", "add"];
    all.extend_from_slice(args);
    ws.run(&all).ok().json()
}

fn code_of(detail: &Value) -> String {
    detail["tip"]["code"].as_str().unwrap().to_string()
}

fn pdf_text_of_report(bundle: &Path, dir: &Path) -> String {
    let pdf = dir.join("report.pdf");
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; open(sys.argv[2], 'wb').write(zipfile.ZipFile(sys.argv[1]).read('truyvet/report.pdf'))",
        ])
        .arg(bundle)
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success(), "{}", output_text(&text));
    String::from_utf8(text.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_tip_becomes_a_sealed_case_that_names_it_in_its_report() {
    let ws = TestWorkspace::new();
    signers_and_case(&ws, "Vụ việc khác");
    let photo = ws.write_file(
        "anh-chup-man-hinh.txt",
        "ảnh chụp tin nhắn của shop".as_bytes(),
    );
    let tip = add_tip(
        &ws,
        &[
            "--channel",
            "hotline",
            "--received",
            "20/11/2026 08:30",
            "--summary",
            "Shop bán đồng hồ giả trên Zalo",
            "--allegation",
            "Liên hệ 0903 111 222 để mua đồng hồ Rolex giả",
            "--name",
            "Nguyễn Văn An",
            "--phone",
            "0912345612",
            "--category",
            "counterfeit_goods",
            "--attach",
            photo.to_str().unwrap(),
        ],
    );
    let code = code_of(&tip);
    assert_eq!(tip["tip"]["status"], "new");
    assert_eq!(tip["tip"]["received_at"], "2026-11-20T01:30:00.000Z");
    let attachment = &tip["attachments"][0];
    let sha = sha256_hex("ảnh chụp tin nhắn của shop".as_bytes());
    assert_eq!(attachment["sha256"], sha.as_str());

    // Only a supervisor assigns.
    run_as(
        &ws,
        None,
        &["tip", "assign", &code, "--to", "tran-van-dieu-tra"],
    )
    .fails_with(3, "forbidden_role");
    run_as(&ws, None, &["profile", "use", "kiem-soat"]).ok();
    let assigned = run_as(
        &ws,
        None,
        &["tip", "assign", &code, "--to", "tran-van-dieu-tra"],
    )
    .ok()
    .json();
    assert_eq!(assigned["tip"]["status"], "assigned");
    assert_eq!(assigned["tip"]["assignee"], "tran-van-dieu-tra");
    run_as(&ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();

    let opened = ws.run(&["tip", "open-case", &code]).ok().json();
    assert_eq!(opened["tip"]["status"], "case_opened");
    let case = opened["tip"]["case_code"].as_str().unwrap().to_string();
    let shown = ws.run(&["case", "show", &case]).ok().json();
    assert_eq!(shown["case"]["origin"], "tip");
    assert_eq!(shown["case"]["title"], "Shop bán đồng hồ giả trên Zalo");
    assert_eq!(
        shown["evidence"][0]["sha256"],
        sha.as_str(),
        "hash unchanged"
    );
    assert_eq!(
        shown["evidence"][0]["original_filename"],
        "anh-chup-man-hinh.txt"
    );
    let log = ws.run(&["log", "--case", &case]).ok().json();
    let from_tip = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "case_from_tip")
        .unwrap_or_else(|| panic!("no case_from_tip event: {log}"));
    assert_eq!(from_tip["payload"]["tip_code"], code.as_str());
    // A second case from the same tip is refused.
    ws.run(&["tip", "open-case", &code])
        .fails_with(3, "invalid_transition");

    submit_approve_seal(&ws, &case);
    run_as(&ws, None, &["profile", "use", "tran-van-dieu-tra"]).ok();
    let closed = ws
        .run(&["tip", "close", &code, "--outcome", "case_opened"])
        .ok()
        .json();
    assert_eq!(closed["tip"]["status"], "closed");
    assert_eq!(closed["tip"]["outcome"], "case_opened");
    let kinds: Vec<&str> = closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "assigned", "case_opened", "closed"]);

    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("vu-viec.wacz");
    ws.run(&["export", &case, "--out", bundle.to_str().unwrap()])
        .ok();
    let text = pdf_text_of_report(&bundle, dir.path());
    assert!(text.contains("Nguồn vụ việc"), "{text}");
    assert!(
        text.contains(&format!(
            "Tin báo {code}, tiếp nhận ngày 20/11/2026, qua đường dây nóng"
        )),
        "{text}"
    );
    let verified = ws.run(&["verify", bundle.to_str().unwrap()]).ok().json();
    assert_eq!(verified["ok"], true, "{verified}");
    ws.assert_verifies();
}

#[test]
fn the_reporters_contact_is_masked_unless_revealed_and_the_reveal_is_logged() {
    let ws = TestWorkspace::with_profile();
    let tip = add_tip(
        &ws,
        &[
            "--channel",
            "email",
            "--summary",
            "Bán mỹ phẩm giả",
            "--name",
            "Nguyễn Văn An",
            "--phone",
            "0912345612",
            "--email",
            "nguyenvanan@gmail.com",
            "--address",
            "12 Hàng Bạc, Hà Nội",
        ],
    );
    let code = code_of(&tip);
    assert_eq!(tip["contact"]["phone"], "09******12");
    assert_eq!(tip["contact"]["email"], "ng*********@gmail.com");
    assert_eq!(tip["contact"]["name"], "N***** V** A*");
    assert_eq!(tip["contact"]["address"], "***");
    assert_eq!(tip["contact_revealed"], false);
    let plain = ws.run_plain(&["tip", "show", &code]).ok();
    assert!(!plain.stdout.contains("0912345612"), "{plain}");
    assert!(!plain.stdout.contains("Hàng Bạc"), "{plain}");
    let list = ws.run(&["tip", "list"]).ok();
    assert!(!list.stdout.contains("0912345612") && !list.stdout.contains("09******12"));

    let revealed = ws.run(&["tip", "show", &code, "--reveal"]).ok().json();
    assert_eq!(revealed["contact"]["phone"], "0912345612");
    assert_eq!(revealed["contact"]["address"], "12 Hàng Bạc, Hà Nội");
    assert_eq!(revealed["contact_revealed"], true);
    let last = revealed["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "contact_revealed");
    assert_eq!(last["actor"], "Nguyễn Văn An");
    // Looking without revealing adds nothing to the log.
    let again = ws.run(&["tip", "show", &code]).ok().json();
    assert_eq!(again["events"].as_array().unwrap().len(), 2);
    // The log is append-only in the database itself.
    let db = ws.raw_db();
    let err = db
        .execute("DELETE FROM tip_events WHERE kind = 'contact_revealed'", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn duplicates_are_found_by_phone_and_link_across_tips_and_cases() {
    let ws = TestWorkspace::with_profile();
    // A case whose captured page carries the seller's phone.
    let (url, _) = crate::capture::serve_page(
        "<html><head><meta charset=\"utf-8\"><title>Shop</title></head>\
         <body><p>Đồng hồ giá rẻ, liên hệ Zalo 0903 111 222</p></body></html>",
    );
    let case = ws.new_case("Shop đồng hồ giả");
    ws.run(&["capture", &url, "--case", &case, "--allow", "127.0.0.1"])
        .ok();

    let first = add_tip(
        &ws,
        &[
            "--channel",
            "hotline",
            "--summary",
            "Đồng hồ giả",
            "--allegation",
            "Gọi 0903.111.222 để mua",
            "--link",
            "https://www.Shop-Dongho.vn/san-pham/1/?utm_source=fb",
        ],
    );
    let second = add_tip(
        &ws,
        &[
            "--channel",
            "web_form",
            "--summary",
            "Shop đồng hồ",
            "--identifier",
            "+84 903 111 222",
        ],
    );
    let third = add_tip(
        &ws,
        &[
            "--channel",
            "letter",
            "--summary",
            "Trang bán đồng hồ",
            "--link",
            "http://shop-dongho.vn/san-pham/1#mua",
        ],
    );
    let unrelated = add_tip(&ws, &["--channel", "other", "--summary", "Bán rượu giả"]);
    assert_eq!(unrelated["duplicates"].as_array().unwrap().len(), 0);

    let detail = ws.run(&["tip", "show", &code_of(&first)]).ok().json();
    let dups = detail["duplicates"].as_array().unwrap();
    let find = |target: &str, code: &str| {
        dups.iter()
            .find(|d| d["target"] == target && d["code"] == code)
            .unwrap_or_else(|| panic!("{target} {code} not among {dups:?}"))
            .clone()
    };
    let by_phone = find("tip", &code_of(&second));
    assert_eq!(by_phone["reasons"][0]["kind"], "phone");
    assert_eq!(by_phone["reasons"][0]["value"], "+84903111222");
    let by_link = find("tip", &code_of(&third));
    assert!(
        by_link["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "url" && r["value"] == "shop-dongho.vn/san-pham/1"),
        "{by_link}"
    );
    let in_case = find("case", &case);
    assert_eq!(in_case["reasons"][0]["kind"], "phone");
    assert!(dups.iter().all(|d| d["code"] != code_of(&unrelated)));

    // Triage records what was seen; a closed tip is no longer offered as a duplicate.
    let triaged = ws.run(&["tip", "triage", &code_of(&first)]).ok().json();
    assert_eq!(triaged["tip"]["status"], "triaged");
    ws.run(&["tip", "close", &code_of(&third), "--outcome", "duplicate"])
        .ok();
    let detail = ws.run(&["tip", "show", &code_of(&first)]).ok().json();
    assert!(
        detail["duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["code"] != code_of(&third).as_str())
    );
    // A tip that was closed cannot be closed again or open a case.
    ws.run(&[
        "tip",
        "close",
        &code_of(&third),
        "--outcome",
        "no_violation",
    ])
    .fails_with(3, "invalid_transition");
    ws.run(&["tip", "open-case", &code_of(&third)])
        .fails_with(3, "invalid_transition");
    ws.run(&["tip", "show", "TIP-1999-000001"])
        .fails_with(3, "tip_not_found");
}

/// (line, status, code) of every row the fixture has, in order.
const EXPECTED: &[(u64, &str, &str)] = &[
    (2, "ok", ""),
    (3, "error", "bad_date"),
    (4, "error", "bad_channel"),
    (5, "duplicate_in_file", ""),
    (6, "error", "bad_phone"),
    (7, "error", "missing_content"),
    (8, "ok", ""),
    (9, "error", "bad_url"),
];

fn rows_of(report: &Value) -> Vec<(u64, String, String)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
                r["code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn expected() -> Vec<(u64, String, String)> {
    EXPECTED
        .iter()
        .map(|(l, s, c)| (*l, s.to_string(), c.to_string()))
        .collect()
}

fn tip_count(ws: &TestWorkspace) -> i64 {
    ws.raw_db()
        .query_row("SELECT count(*) FROM tips", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_csv_import_gives_per_row_results_and_stores_only_the_good_rows() {
    let ws = TestWorkspace::with_profile();
    let file = ws.write_file("tin-bao.csv", FIXTURE.as_bytes());
    let path = file.to_str().unwrap();

    let preview = ws.run(&["tip", "import", path, "--dry-run"]).ok().json();
    assert_eq!(rows_of(&preview), expected(), "{preview}");
    assert_eq!(preview["committed"], false);
    assert_eq!(preview["total"], 8);
    assert_eq!(preview["accepted"], 2);
    assert_eq!(preview["rejected"], 6);
    assert_eq!(preview["ignored_columns"][0], "Ghi chú nội bộ");
    assert_eq!(preview["rows"][3]["duplicate_of"], "row 2");
    assert_eq!(tip_count(&ws), 0, "a dry run stores nothing");

    let done = ws.run(&["tip", "import", path]).ok().json();
    assert_eq!(rows_of(&done), expected(), "{done}");
    assert_eq!(done["committed"], true);
    assert_eq!(tip_count(&ws), 2);
    let first = done["rows"][0]["tip_code"].as_str().unwrap().to_string();
    let detail = ws.run(&["tip", "show", &first]).ok().json();
    assert_eq!(detail["tip"]["channel"], "hotline");
    assert_eq!(detail["tip"]["received_at"], "2026-11-19T17:00:00.000Z");
    assert_eq!(detail["contact"]["phone"], "09******12");
    assert_eq!(detail["events"][0]["kind"], "imported");

    // The same file again: the good rows are now duplicates of stored tips.
    let again = ws.run(&["tip", "import", path]).ok().json();
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["rows"][0]["status"], "duplicate_existing");
    assert_eq!(again["rows"][0]["duplicate_of"], first.as_str());
    assert_eq!(tip_count(&ws), 2);

    // The human report names every rejected row.
    let human = ws.run_plain(&["tip", "import", path, "--dry-run"]).ok();
    assert!(human.stdout.contains("dòng 3\terror [bad_date]"), "{human}");
}

#[test]
fn an_xlsx_import_reads_the_same_rows_as_the_csv() {
    use rust_xlsxwriter::Workbook;
    let ws = TestWorkspace::with_profile();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(FIXTURE.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    // A real date cell and a phone typed as a number (Excel drops the leading zero).
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 20).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_datetime_with_format(1, 0, &date, &format)
        .unwrap();
    sheet.write_number(1, 3, 912_345_612.0).unwrap();
    let path = ws.temp_root().join("tin-bao.xlsx");
    book.save(&path).unwrap();

    let preview = ws
        .run(&["tip", "import", path.to_str().unwrap(), "--dry-run"])
        .ok()
        .json();
    assert_eq!(preview["format"], "xlsx");
    assert_eq!(rows_of(&preview), expected(), "{preview}");
    let done = ws
        .run(&["tip", "import", path.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(done["accepted"], 2);
    let first = done["rows"][0]["tip_code"].as_str().unwrap().to_string();
    let detail = ws.run(&["tip", "show", &first, "--reveal"]).ok().json();
    assert_eq!(detail["tip"]["received_at"], "2026-11-19T17:00:00.000Z");
    assert_eq!(detail["contact"]["phone"], "912345612");
}

#[test]
fn bad_files_are_refused_with_a_clear_error_and_store_nothing() {
    let ws = TestWorkspace::with_profile();
    let cases: &[(&str, &[u8], &str)] = &[
        ("rong.csv", b"", "empty"),
        (
            "chi-tieu-de.csv",
            "Ngày tiếp nhận,Kênh,Nội dung\n".as_bytes(),
            "no rows",
        ),
        (
            "sai-cot.csv",
            b"Date,Name,Price\n20/11/2026,x,1\n",
            "missing column",
        ),
        (
            "windows-1258.csv",
            b"Ng\xe0y ti\xd5p nh\xe2n,K\xeanh,N\xe9i dung\n20/11/2026,hotline,B\xe1n h\xe0ng\n",
            "UTF-8",
        ),
        (
            "cu.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
            ".xlsx or CSV",
        ),
    ];
    for (name, bytes, says) in cases {
        let path = ws.write_file(name, bytes);
        let run = ws.run(&["tip", "import", path.to_str().unwrap()]);
        run.fails_with(3, "import_invalid");
        assert!(run.stderr.contains(says), "{name}: {run}");
    }
    // UTF-8 with a BOM, and UTF-16 with a BOM (Excel's "Unicode text"), are read.
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice("Ngày tiếp nhận;Kênh;Nội dung\n20/11/2026;Thư;Bán hàng giả\n".as_bytes());
    let path = ws.write_file("bom.csv", &bom);
    let done = ws
        .run(&["tip", "import", path.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(done["accepted"], 1, "{done}");
    let text = "Ngày tiếp nhận\tKênh\tNội dung\n21/11/2026\tKhác\tBán thuốc giả\n";
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let path = ws.write_file("utf16.txt", &utf16);
    let done = ws
        .run(&["tip", "import", path.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(done["accepted"], 1, "{done}");
    assert_eq!(tip_count(&ws), 2);
}

#[test]
fn an_import_failing_midway_stores_nothing() {
    let ws = TestWorkspace::with_profile();
    // Valid rows, then bytes that are not UTF-8 far down the file: the file is refused
    // only once rows were already inserted in the transaction, which must roll back.
    let mut body = String::from("Ngày tiếp nhận,Kênh,Nội dung\n");
    for i in 0..500 {
        body.push_str(&format!("20/11/2026,hotline,Tin báo số {i}\n"));
    }
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(b"20/11/2026,hotline,B\xe1n h\xe0ng\n");
    let path = ws.write_file("hong-giua.csv", &bytes);
    let run = ws.run(&["tip", "import", path.to_str().unwrap()]);
    run.fails_with(3, "import_invalid");
    assert!(run.stderr.contains("line 502"), "{run}");
    assert_eq!(tip_count(&ws), 0);
}

#[test]
fn a_hundred_thousand_row_file_imports_in_one_transaction() {
    let ws = TestWorkspace::with_profile();
    let mut body = String::from("Ngày tiếp nhận,Kênh,Người báo,Số điện thoại,Nội dung,Đường dẫn\n");
    for i in 0..100_000u32 {
        body.push_str(&format!(
            "{:02}/{:02}/2026,hotline,Người báo {i},09{:08},Tin báo số {i} về hàng giả,https://shop{}.vn/p/{i}\n",
            1 + i % 28,
            1 + i % 11,
            i,
            i % 997
        ));
    }
    // Every 10,000th row is broken.
    let body: String = body
        .lines()
        .enumerate()
        .map(|(n, l)| {
            if n > 0 && n % 10_000 == 0 {
                l.replacen("hotline", "fax", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = ws.write_file("100k.csv", body.as_bytes());
    let done = ws
        .run(&["tip", "import", path.to_str().unwrap()])
        .ok()
        .json();
    assert_eq!(done["total"], 100_000);
    assert_eq!(done["rejected"], 10);
    assert_eq!(done["accepted"], 99_990);
    // Ok rows past the listing limit are counted, not listed.
    assert_eq!(done["rows"].as_array().unwrap().len(), 1_000 + 10);
    assert_eq!(done["ok_rows_omitted"], 99_990 - 1_000);
    assert_eq!(tip_count(&ws), 99_990);
    let waiting = ws
        .run(&["tip", "list", "--status", "new", "--limit", "5"])
        .ok()
        .json();
    assert_eq!(waiting.as_array().unwrap().len(), 5);
}
