//! The administrative commands on the data folder: tokens shown once and stored only as
//! their SHA-256, revocation, the log key file, refusals with stable codes, and the
//! startup sweep of what a crash leaves behind.

use std::os::unix::fs::PermissionsExt;

use truyvet_tests::sha256_hex;

use crate::support::{Registry, admin, files_in, issue, setup};

#[test]
fn tokens_are_stored_hashed_and_revocable() {
    let data = tempfile::tempdir().unwrap();
    setup(data.path());
    let (secret, id) = issue(data.path(), "QLTT", "DOI1", "supervisor");
    assert!(secret.starts_with("tvr_") && secret.len() == 68);

    let list = admin(data.path(), &["token", "list"]).ok().json();
    let listed = list.as_array().unwrap();
    assert_eq!(listed.len(), 6);
    assert!(
        !list.to_string().contains(&secret[4..]),
        "token list shows a secret"
    );
    let mine = listed.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(mine["role"], "supervisor");
    assert!(mine["revoked_at"].is_null());

    // The database holds the hash, never the secret.
    let db = rusqlite::Connection::open(data.path().join("registry.db")).unwrap();
    let stored: String = db
        .query_row(
            "SELECT token_sha256 FROM tokens WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, sha256_hex(secret.as_bytes()));
    let raw = std::fs::read(data.path().join("registry.db")).unwrap();
    assert!(!raw.windows(64).any(|w| w == &secret.as_bytes()[4..]));

    let revoked = admin(data.path(), &["token", "revoke", &id]).ok().json();
    assert!(revoked["revoked_at"].is_string());
    admin(data.path(), &["token", "revoke", "no-such-token"]).fails_with(3, "not_found");
}

#[test]
fn bad_administrative_input_is_refused_with_codes() {
    let data = tempfile::tempdir().unwrap();
    setup(data.path());
    admin(data.path(), &["agency", "add", "QLTT", "--name", "again"])
        .fails_with(3, "already_exists");
    admin(data.path(), &["agency", "add", "Q", "--name", "short"]).fails_with(3, "invalid_input");
    admin(
        data.path(),
        &["unit", "add", "--agency", "HQ", "X", "--name", "x"],
    )
    .fails_with(3, "not_found");
    admin(
        data.path(),
        &[
            "token", "issue", "--agency", "QLTT", "--unit", "NOPE", "--role", "admin",
        ],
    )
    .fails_with(3, "not_found");
    admin(
        data.path(),
        &[
            "token", "issue", "--agency", "QLTT", "--unit", "DOI1", "--role", "boss",
        ],
    )
    .fails_with(3, "invalid_input");
    admin(data.path(), &["--database", "mysql://x", "token", "list"])
        .fails_with(3, "invalid_input");
}

#[test]
fn the_log_key_is_private_and_stable() {
    let data = tempfile::tempdir().unwrap();
    let first = admin(data.path(), &["key"]).ok().json();
    let second = admin(data.path(), &["key"]).ok().json();
    assert_eq!(first, second);
    assert_eq!(first["public_key"].as_str().unwrap().len(), 64);
    let key_file = data.path().join("log-key.ed25519");
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // A key others can read is refused rather than used.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    admin(data.path(), &["key"]).fails_with(3, "invalid_input");
}

#[tokio::test]
async fn the_startup_sweep_removes_what_a_crash_left() {
    let data = tempfile::tempdir().unwrap();
    let tokens = setup(data.path());
    let live_id = {
        let registry = Registry::start(data.path(), &[]);
        let inv = registry.client(Some(&tokens.inv));
        let id = inv.create_upload(b"abcdef").await;
        inv.put(&format!("/v1/uploads/{id}?offset=0"), b"abc")
            .await
            .expect(200);
        id
    };
    // What a crash between steps leaves: a staging folder, a quarantine file without its
    // upload, a bundle file no case names.
    std::fs::create_dir_all(data.path().join("staging/old/truyvet")).unwrap();
    std::fs::write(data.path().join("quarantine/orphan"), b"x").unwrap();
    std::fs::write(
        data.path()
            .join("bundles")
            .join(format!("{}.wacz", "ab".repeat(32))),
        b"x",
    )
    .unwrap();

    let registry = Registry::start(data.path(), &[]);
    assert!(files_in(&data.path().join("staging")).is_empty());
    assert!(files_in(&data.path().join("bundles")).is_empty());
    assert_eq!(
        files_in(&data.path().join("quarantine")),
        vec![live_id.clone()]
    );
    // The interrupted upload goes on where it stopped.
    let inv = registry.client(Some(&tokens.inv));
    let status = inv.get(&format!("/v1/uploads/{live_id}")).await.expect(200);
    assert_eq!(status.body["offset"], 3);
}
