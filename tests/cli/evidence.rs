//! `evidence add`: several files, hashing, streaming JSON lines, dedupe on disk.

use std::fs;

use truyvet_tests::{EVIDENCE_FIELDS, TestWorkspace, assert_fields, run_command, sha256_hex};

#[test]
fn adds_several_files_and_dedupes_identical_bytes() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Hàng giả mỹ phẩm");
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    let a = ws.write_file("anh-hien-truong.png", &png);
    let b = ws.write_file("bien-ban.txt", "Biên bản kiểm tra".as_bytes());
    let same_as_b = ws.write_file("ban-sao.txt", "Biên bản kiểm tra".as_bytes());

    let mut cmd = ws.command();
    cmd.args([
        "--json",
        "evidence",
        "add",
        "--case",
        &code,
        "--note",
        "thu tại cửa hàng",
    ])
    .args([&a, &b, &same_as_b]);
    let run = run_command(&mut cmd).ok();
    let items = run.json_lines();
    assert_eq!(items.len(), 3, "one JSON line per file:\n{run}");
    for item in &items {
        assert_fields(item, EVIDENCE_FIELDS);
        assert_eq!(item["kind"], "file");
        assert_eq!(item["acquired_by"], "Nguyễn Văn An");
        assert_eq!(item["note"], "thu tại cửa hàng");
        assert!(
            item.get("original_filename_hex").is_none(),
            "UTF-8 names need no hex"
        );
    }
    assert_eq!(items[0]["sha256"], sha256_hex(&png));
    assert_eq!(items[0]["size"], png.len());
    assert_eq!(items[0]["media_type"], "image/png");
    assert_eq!(items[0]["original_filename"], "anh-hien-truong.png");
    assert_eq!(items[0]["source_path"], a.to_str().unwrap());
    assert_eq!(items[1]["media_type"], "text/plain");
    let text_sha = sha256_hex("Biên bản kiểm tra".as_bytes());
    assert_eq!(items[1]["sha256"], text_sha);
    assert_eq!(items[2]["sha256"], text_sha);
    assert_ne!(
        items[1]["id"], items[2]["id"],
        "two evidence rows for identical bytes"
    );

    // Stored once on disk, byte for byte.
    assert_eq!(
        fs::read(ws.blob_path(&text_sha)).unwrap(),
        "Biên bản kiểm tra".as_bytes()
    );
    assert_eq!(fs::read(ws.blob_path(&sha256_hex(&png))).unwrap(), png);
    let blob_count = walk_blobs(&ws);
    assert_eq!(blob_count, 2, "identical bytes must be stored once");

    let detail = ws.run(&["case", "show", &code]).ok().json();
    let evidence = detail["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 3);
    for (shown, added) in evidence.iter().zip(&items) {
        assert_eq!(
            shown, added,
            "case show must agree with what evidence add printed"
        );
    }

    // Each file is one evidence_added event with its hash.
    let log = ws.run(&["log", "--case", &code]).ok().json();
    let added: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "evidence_added")
        .collect();
    assert_eq!(added.len(), 3);
    for (event, item) in added.iter().zip(&items) {
        assert_eq!(event["payload"]["evidence_id"], item["id"]);
        assert_eq!(event["payload"]["sha256"], item["sha256"]);
    }

    let (_, report) = ws.verify();
    assert_eq!(report["evidence_checked"], 3);
    assert_eq!(report["blobs_checked"], 2);
    assert_eq!(
        report["bytes_hashed"],
        png.len() + "Biên bản kiểm tra".len()
    );
    ws.assert_verifies();
}

fn walk_blobs(ws: &TestWorkspace) -> usize {
    let mut n = 0;
    for dir in fs::read_dir(ws.blobs()).unwrap() {
        let dir = dir.unwrap();
        if dir.file_name() == "tmp" {
            assert_eq!(
                fs::read_dir(dir.path()).unwrap().count(),
                0,
                "temp files left behind"
            );
            continue;
        }
        n += fs::read_dir(dir.path()).unwrap().count();
    }
    n
}

#[test]
fn adding_the_same_bytes_again_later_reuses_the_blob() {
    let ws = TestWorkspace::with_profile();
    let one = ws.new_case("Một");
    let two = ws.new_case("Hai");
    let f = ws.write_file("x.bin", &[7u8; 5000]);
    ws.add(&one, &[&f]);
    let before = fs::metadata(ws.blob_path(&sha256_hex(&[7u8; 5000]))).unwrap();
    ws.add(&two, &[&f]);
    let after = fs::metadata(ws.blob_path(&sha256_hex(&[7u8; 5000]))).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(before.ino(), after.ino(), "the stored blob was rewritten");
    assert!(after.permissions().readonly(), "stored blobs are read-only");
    assert_eq!(walk_blobs(&ws), 1);
    ws.assert_verifies();
}

#[test]
fn human_output_acknowledges_each_file() {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Vụ");
    let f = ws.write_file("a.txt", b"abc");
    let mut cmd = ws.command();
    cmd.args(["evidence", "add", "--case", &code]).arg(&f);
    let run = run_command(&mut cmd).ok();
    assert!(run.stdout.contains("đã thêm"), "{run}");
    assert!(run.stdout.contains(&sha256_hex(b"abc")), "{run}");
}
