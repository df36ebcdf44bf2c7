//! File names that are not UTF-8 (Linux allows any bytes but `/` and NUL): the file is
//! stored and the record keeps the exact bytes of its name.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use truyvet_tests::sha256_hex;

use crate::{add, populated};

#[test]
fn invalid_utf8_name_is_kept_exactly() {
    let (ws, code) = populated();
    // "hàng giả.jpg" in a legacy single-byte code page, as old archives carry it.
    let raw: &[u8] = b"h\xe0ng gi\xe1 \xff.jpg";
    let path = ws.files.join(OsStr::from_bytes(raw));
    std::fs::write(&path, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();

    let run = add(&ws, &code, &[&path]);
    assert_eq!(run.code, 0, "{run}");
    let items = run.json_lines();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item["original_filename_hex"], hex::encode(raw));
    assert_eq!(
        item["original_filename"],
        String::from_utf8_lossy(raw).as_ref()
    );
    assert!(
        item["original_filename"]
            .as_str()
            .unwrap()
            .contains('\u{FFFD}')
    );
    assert_eq!(
        item["sha256"],
        sha256_hex(b"\xff\xd8\xff\xe0 not really a jpeg")
    );

    let detail = ws.run(&["case", "show", &code]).ok().json();
    let shown = detail["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == item["id"])
        .expect("the evidence is listed")
        .clone();
    assert_eq!(shown["original_filename_hex"], hex::encode(raw));

    // The custody event records the exact bytes too.
    let log = ws.run(&["log", "--case", &code]).ok().json();
    let event = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(event["payload"]["original_filename_hex"], hex::encode(raw));
    ws.assert_verifies();
}
