//! Evidence bytes changed or lost on disk.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::{fixture, located, problems};

#[test]
fn one_byte_changed_is_blob_mismatch() {
    let f = fixture();
    let path = f.ws.blob_path(&f.sha_a);
    let mut bytes = fs::read(&path).unwrap();
    bytes[7] ^= 0x01;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&path, &bytes).unwrap();

    let problems = problems(&f.ws);
    assert_eq!(
        located(&problems),
        vec![(
            "blob_mismatch".into(),
            Some(f.code.clone()),
            Some(f.sha_a.clone()),
            None
        )]
    );
    // The message names the file and the hash it has now.
    let detail = problems[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains(&truyvet_tests::sha256_hex(&bytes)),
        "{detail}"
    );
    let human = f.ws.run_plain(&["verify-workspace"]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains("blob_mismatch") && human.stdout.contains(&f.sha_a),
        "{human}"
    );
    assert!(human.stdout.contains(&f.code), "{human}");
}

#[test]
fn shared_blob_changed_is_reported_for_every_case() {
    let f = fixture();
    let other = f.ws.new_case("Vụ khác dùng chung tệp");
    let same = f.ws.write_file("a-copy.jpg", b"photo of the shop front, 1");
    f.ws.add(&other, &[&same]);
    f.ws.assert_verifies();
    let path = f.ws.blob_path(&f.sha_a);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&path, b"photo of the shop front, 9").unwrap();
    let mut found = located(&problems(&f.ws));
    found.sort();
    let mut expected = vec![
        (
            "blob_mismatch".to_string(),
            Some(f.code.clone()),
            Some(f.sha_a.clone()),
            None,
        ),
        (
            "blob_mismatch".to_string(),
            Some(other),
            Some(f.sha_a.clone()),
            None,
        ),
    ];
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn deleted_blob_is_blob_missing() {
    let f = fixture();
    fs::remove_file(f.ws.blob_path(&f.sha_b)).unwrap();
    assert_eq!(
        located(&problems(&f.ws)),
        vec![(
            "blob_missing".into(),
            Some(f.code.clone()),
            Some(f.sha_b.clone()),
            None
        )]
    );
}

#[test]
fn truncated_blob_is_blob_mismatch() {
    let f = fixture();
    let path = f.ws.blob_path(&f.sha_b);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(3)
        .unwrap();
    assert_eq!(
        located(&problems(&f.ws)),
        vec![(
            "blob_mismatch".into(),
            Some(f.code.clone()),
            Some(f.sha_b.clone()),
            None
        )]
    );
}
