//! Stored RFC 3161 tokens rewritten with the `timestamps_token_final` trigger dropped:
//! `verify-workspace` re-verifies every token (signature, imprint against the evidence
//! digest, chain to `tsa.trust`, genTime against the record) and names what is wrong.
//! Tokens are real, from a local `openssl ts` authority; captures are of a loopback page.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;
use truyvet_tests::TestWorkspace;
use truyvet_tests::tsa::{TestCa, TsaFiles, TsaServer, TsaSpec, flip};

use crate::{Located, drop_trigger, located, problems};

const PAGE: &str = "<html><head><meta charset=\"utf-8\"><title>Shop Túi Xách</title></head>\
    <body><h1>Túi xách LV giả, giá 450.000đ</h1></body></html>";

/// Serves PAGE to every connection until the test ends; the page's URL.
fn serve_page() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/san-pham/42", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

/// One stamped capture: its evidence id and digest.
struct Item {
    id: String,
    sha256: String,
}

/// A workspace whose captures were stamped by a local authority under `ca`, with
/// `tsa.trust` set to that CA.
struct Stamped {
    ws: TestWorkspace,
    code: String,
    pki: TempDir,
    items: Vec<Item>,
    _server: TsaServer,
}

fn stamped(captures: usize) -> Stamped {
    let ws = TestWorkspace::with_profile();
    let code = ws.new_case("Túi xách giả có dấu thời gian");
    let pki = tempfile::tempdir().unwrap();
    let ca = TestCa::root(pki.path(), "ca", "TruyVet Test Root");
    let server = TsaServer::start(TsaFiles::new(&ca, "tsa", &TsaSpec::rsa()));
    ws.run(&["config", "set", "tsa.url", &server.url()]).ok();
    ws.run(&[
        "config",
        "set",
        "tsa.trust",
        ca.pem_path().to_str().unwrap(),
    ])
    .ok();
    let url = serve_page();
    let items = (0..captures)
        .map(|_| {
            let run = ws
                .run(&["capture", &url, "--case", &code, "--allow", "127.0.0.1"])
                .ok();
            let evidence = &run.json_lines()[0]["evidence"];
            Item {
                id: evidence["id"].as_str().unwrap().to_string(),
                sha256: evidence["sha256"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    let stamped = Stamped {
        ws,
        code,
        pki,
        items,
        _server: server,
    };
    for item in &stamped.items {
        let status = stamped
            .ws
            .run(&["timestamp", "status", "--case", &stamped.code]);
        let status = status.ok().json();
        let row = status
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["evidence_id"] == item.id.as_str())
            .unwrap();
        assert_eq!(row["status"], "stamped", "{status:#}");
    }
    // A tamper test proves nothing unless the untouched workspace verifies.
    let (exit, report) = stamped.ws.verify();
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["timestamps_checked"], captures as u64, "{report:#}");
    assert_eq!(report["timestamp_chain"], "trust_anchor", "{report:#}");
    stamped
}

impl Stamped {
    fn token(&self, item: &Item) -> Vec<u8> {
        self.ws
            .raw_db()
            .query_row(
                "SELECT token FROM timestamps WHERE evidence_id = ?1",
                [&item.id],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// What an attacker with the database file does: drop the trigger, rewrite the token.
    fn replace_token(&self, item: &Item, token: &[u8]) {
        let conn = drop_trigger(&self.ws, "timestamps_token_final");
        let n = conn
            .execute(
                "UPDATE timestamps SET token = ?1 WHERE evidence_id = ?2",
                rusqlite::params![token, item.id],
            )
            .unwrap();
        assert_eq!(n, 1);
    }

    /// Seq of the custody event that recorded the item's token.
    fn stamp_event_seq(&self, item: &Item) -> u64 {
        let log = self.ws.run(&["log", "--case", &self.code]).ok().json();
        log.as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["kind"] == "timestamp_added" && e["payload"]["evidence_id"] == item.id.as_str()
            })
            .unwrap()["seq"]
            .as_u64()
            .unwrap()
    }

    fn at(&self, kind: &str, item: &Item, seq: Option<u64>) -> Located {
        (
            kind.to_string(),
            Some(self.code.clone()),
            Some(item.sha256.clone()),
            seq,
        )
    }
}

fn sorted(mut v: Vec<Located>) -> Vec<Located> {
    v.sort();
    v
}

fn detail_of<'a>(problems: &'a [Value], kind: &str) -> &'a str {
    problems
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {problems:#?}"))["detail"]
        .as_str()
        .unwrap()
}

#[test]
fn stamped_capture_verifies_clean_with_and_without_trust_anchors() {
    let s = stamped(1);
    let plain = s.ws.run_plain(&["verify-workspace"]).ok();
    assert!(
        plain
            .stdout
            .contains("1 dấu thời gian RFC 3161 đã xác minh lại"),
        "{plain}"
    );
    assert!(
        !plain.stdout.contains("not checked against a trust anchor"),
        "{plain}"
    );

    // Without anchors the token is still checked, and the report says how far.
    s.ws.run(&["config", "set", "tsa.trust", ""]).ok();
    let (exit, report) = s.ws.verify();
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["timestamps_checked"], 1);
    assert_eq!(report["timestamp_chain"], "not_checked");
    let plain = s.ws.run_plain(&["verify-workspace"]).ok();
    assert!(
        plain.stdout.contains("not checked against a trust anchor"),
        "{plain}"
    );
}

#[test]
fn flipped_token_byte_is_timestamp_invalid() {
    let s = stamped(1);
    let item = &s.items[0];
    let token = s.token(item);
    // The last bytes of a token are its CMS signature value.
    s.replace_token(item, &flip(&token, token.len() - 1, 0));
    let seq = s.stamp_event_seq(item);
    let problems = problems(&s.ws);
    assert_eq!(
        sorted(located(&problems)),
        sorted(vec![
            s.at("timestamp_invalid", item, None),
            // The custody event recorded the SHA-256 of the genuine token.
            s.at("timestamp_not_logged", item, Some(seq)),
        ])
    );
    let detail = detail_of(&problems, "timestamp_invalid");
    assert!(
        detail.contains(&item.id) && detail.contains("bad_signature"),
        "{detail}"
    );

    // The same tampering is found without trust anchors: the signature is still checked.
    s.ws.run(&["config", "set", "tsa.trust", ""]).ok();
    let kinds = kinds_of(&s.ws);
    assert_eq!(
        kinds.iter().filter(|k| *k == "timestamp_invalid").count(),
        1,
        "{kinds:?}"
    );

    let plain = s.ws.run_plain(&["verify-workspace"]);
    assert_eq!(plain.code, 1, "{plain}");
    assert!(plain.stdout.contains("[timestamp_invalid]"), "{plain}");
}

#[test]
fn token_of_another_capture_is_timestamp_digest_mismatch() {
    let s = stamped(2);
    let (a, b) = (&s.items[0], &s.items[1]);
    assert_ne!(a.sha256, b.sha256);
    // A genuine token, from the same authority, but issued for the other digest.
    s.replace_token(a, &s.token(b));
    let seq = s.stamp_event_seq(a);
    let problems = problems(&s.ws);
    assert_eq!(
        sorted(located(&problems)),
        sorted(vec![
            s.at("timestamp_digest_mismatch", a, None),
            s.at("timestamp_not_logged", a, Some(seq)),
        ])
    );
    let detail = detail_of(&problems, "timestamp_digest_mismatch");
    assert!(
        detail.contains(&a.id) && detail.contains(&b.sha256),
        "{detail}"
    );
}

#[test]
fn token_from_an_authority_outside_the_trust_anchors_is_timestamp_untrusted() {
    let s = stamped(1);
    let item = &s.items[0];
    // A rogue root with the same name as the trusted one, and its authority, stamping
    // the very digest of the capture.
    let rogue_dir = tempfile::tempdir().unwrap();
    let rogue = TestCa::root(rogue_dir.path(), "ca", "TruyVet Test Root");
    let rogue_tsa = TsaFiles::new(&rogue, "tsa", &TsaSpec::rsa());
    let token = openssl_token(&rogue_tsa, rogue_dir.path(), &item.sha256);
    s.replace_token(item, &token);
    let seq = s.stamp_event_seq(item);
    assert_eq!(
        sorted(located(&problems(&s.ws))),
        sorted(vec![
            s.at("timestamp_untrusted", item, None),
            s.at("timestamp_not_logged", item, Some(seq)),
        ])
    );
    // With the anchors gone the chain is not checked: the rogue token's signature and
    // imprint are fine, so only the custody log (which recorded the genuine token) and
    // perhaps the genTime (the rogue token is a few seconds younger) still disagree.
    s.ws.run(&["config", "set", "tsa.trust", ""]).ok();
    let kinds = kinds_of(&s.ws);
    assert!(
        kinds.contains(&"timestamp_not_logged".to_string()),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .all(|k| k == "timestamp_not_logged" || k == "timestamp_time_mismatch"),
        "{kinds:?}"
    );
}

#[test]
fn rewritten_gen_time_is_timestamp_time_mismatch() {
    let s = stamped(1);
    let item = &s.items[0];
    let conn = drop_trigger(&s.ws, "timestamps_token_final");
    conn.execute(
        "UPDATE timestamps SET gen_time = '2020-01-01T00:00:00.000Z' WHERE evidence_id = ?1",
        [&item.id],
    )
    .unwrap();
    drop(conn);
    let seq = s.stamp_event_seq(item);
    let problems = problems(&s.ws);
    assert_eq!(
        sorted(located(&problems)),
        sorted(vec![
            s.at("timestamp_time_mismatch", item, None),
            s.at("timestamp_not_logged", item, Some(seq)),
        ])
    );
    let detail = detail_of(&problems, "timestamp_time_mismatch");
    assert!(detail.contains("2020-01-01T00:00:00.000Z"), "{detail}");
}

fn kinds_of(ws: &TestWorkspace) -> Vec<String> {
    problems(ws)
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn unreadable_trust_anchors_are_named_and_tokens_still_checked() {
    let s = stamped(1);
    let missing = s.pki.path().join("gone.pem");
    s.ws.run(&["config", "set", "tsa.trust", missing.to_str().unwrap()])
        .ok();
    let problems = problems(&s.ws);
    assert_eq!(
        located(&problems),
        vec![("timestamp_trust_unreadable".to_string(), None, None, None)]
    );
    let (_, report) = s.ws.verify();
    assert_eq!(report["timestamps_checked"], 1);
    assert_eq!(report["timestamp_chain"], "not_checked");
}

/// A bare token for `digest_hex` from `tsa`, asked with `openssl ts -query` and cut out
/// of the reply with `-token_out`.
fn openssl_token(tsa: &TsaFiles, dir: &Path, digest_hex: &str) -> Vec<u8> {
    let query = dir.join("rogue.tsq");
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "ts",
        "-query",
        "-digest",
        digest_hex,
        "-sha256",
        "-cert",
        "-out",
        query.to_str().unwrap(),
    ]);
    let reply = tsa.reply(&std::fs::read(&query).unwrap());
    let reply_path = dir.join("rogue.tsr");
    std::fs::write(&reply_path, reply).unwrap();
    let token_path = dir.join("rogue.tst");
    openssl(&[
        "ts",
        "-reply",
        "-in",
        reply_path.to_str().unwrap(),
        "-token_out",
        "-out",
        token_path.to_str().unwrap(),
    ]);
    std::fs::read(token_path).unwrap()
}
