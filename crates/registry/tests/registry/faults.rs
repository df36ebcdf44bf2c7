//! Faults: fifty clients at once against one server (pushes of the same cases racing,
//! lookups and watchlist pulls), and a data folder on a filesystem that fills up during
//! an upload (507, nothing published, the server keeps serving, the upload goes on once
//! there is room again).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use serde_json::Value;
use truyvet_tests::sha256_hex;
use truyvet_wire::api::Receipt;

use crate::support::{Answer, Backend, Client, Env, REGISTRY, Registry, bundles, distinct_bundles};

const CASES: usize = 6;
const PUSHERS_PER_CASE: usize = 4;
const CLIENTS: usize = 50;
/// No single request may take longer than this: a hang fails the test.
const PATIENCE: Duration = Duration::from_secs(20);

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn within<F: Future<Output = Answer>>(what: &str, f: F) -> Answer {
    tokio::time::timeout(PATIENCE, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {PATIENCE:?}"))
}

#[derive(Debug)]
enum Job {
    Push(usize),
    Lookup,
    Watchlist,
}

#[test]
fn fifty_clients_at_once_publish_each_case_once() {
    let cases = distinct_bundles(CASES);
    let ids: BTreeSet<&str> = cases.iter().map(|b| b.case_id.as_str()).collect();
    assert_eq!(ids.len(), CASES, "the cases are not distinct");
    let env = Env::new(Backend::Sqlite);
    let tokens = env.setup();
    let registry = env.start(&[]);
    let key = registry.public_key();

    let mut jobs: Vec<Job> = (0..CASES * PUSHERS_PER_CASE)
        .map(|i| Job::Push(i % CASES))
        .collect();
    while jobs.len() < CLIENTS {
        jobs.push(if jobs.len().is_multiple_of(2) {
            Job::Lookup
        } else {
            Job::Watchlist
        });
    }
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let answers: Vec<(Job, Answer)> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                let barrier = barrier.clone();
                let token = match job {
                    Job::Watchlist => &tokens.other,
                    _ => &tokens.inv,
                };
                let client = registry.client(Some(token));
                let cases = &cases;
                s.spawn(move || {
                    barrier.wait();
                    let answer = block_on(async {
                        match job {
                            Job::Push(i) => {
                                within("push", client.push(&cases[i].bytes, 64 << 10)).await
                            }
                            Job::Lookup => {
                                within("lookup", client.get("/v1/lookup?value=0912345678")).await
                            }
                            Job::Watchlist => {
                                within("watchlist", client.get("/v1/watchlist?limit=500")).await
                            }
                        }
                    });
                    (job, answer)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    for (job, answer) in &answers {
        assert!(
            answer.status < 500,
            "{job:?} got {}: {:#}",
            answer.status,
            answer.body
        );
    }
    // Every push of a case got the same receipt; exactly one of them published it.
    let mut by_case: BTreeMap<usize, Vec<&Answer>> = BTreeMap::new();
    let (mut lookups, mut pulls) = (0, 0);
    for (job, answer) in &answers {
        match job {
            Job::Push(i) => by_case.entry(*i).or_default().push(answer),
            Job::Lookup => {
                lookups += 1;
                assert_eq!(answer.status, 200, "{:#}", answer.body);
                assert!(answer.body["keys"].is_array(), "{:#}", answer.body);
                for hit in answer.body["hits"].as_array().expect("hits") {
                    let id = hit["case_id"].as_str().expect("a case id");
                    assert!(ids.contains(id), "a hit of an unknown case: {hit:#}");
                    assert_eq!(hit["agency"], "QLTT");
                }
            }
            Job::Watchlist => {
                pulls += 1;
                assert_eq!(answer.status, 200, "{:#}", answer.body);
                assert!(answer.body["entries"].is_array(), "{:#}", answer.body);
                assert!(answer.body["next_cursor"].is_u64(), "{:#}", answer.body);
                assert!(answer.body["more"].is_boolean(), "{:#}", answer.body);
            }
        }
    }
    let mut leaves = BTreeSet::new();
    for (i, pushes) in &by_case {
        assert_eq!(pushes.len(), PUSHERS_PER_CASE);
        let created = pushes.iter().filter(|a| a.status == 201).count();
        assert_eq!(created, 1, "case {i} was published {created} times");
        for answer in pushes {
            assert!(
                matches!(answer.status, 200 | 201),
                "a push of case {i}: {} {:#}",
                answer.status,
                answer.body
            );
            assert_eq!(answer.body, pushes[0].body, "two receipts for case {i}");
        }
        let receipt: Receipt = serde_json::from_value(pushes[0].body.clone()).unwrap();
        assert!(
            receipt.verify(&key),
            "the receipt does not verify: {receipt:#?}"
        );
        assert_eq!(receipt.case_id, cases[*i].case_id);
        assert_eq!(receipt.bundle_sha256, sha256_hex(&cases[*i].bytes));
        assert!(
            leaves.insert(receipt.leaf_index),
            "leaf {} twice",
            receipt.leaf_index
        );
    }
    assert_eq!(leaves, (0..CASES as u64).collect::<BTreeSet<_>>());

    block_on(async {
        let inv = registry.client(Some(&tokens.inv));
        let head = inv.get("/v1/log/head").await.expect(200);
        assert_eq!(head.body["size"], CASES as u64);
        for index in 0..CASES {
            inv.get(&format!("/v1/log/inclusion?index={index}"))
                .await
                .expect(200);
        }
        inv.get(&format!("/v1/log/inclusion?index={CASES}"))
            .await
            .fails(404, "leaf_not_found");
        // The audit log has a row for every request that reached a handler.
        let audit = registry
            .client(Some(&tokens.admin))
            .get("/v1/audit?limit=5000")
            .await
            .expect(200);
        let entries = audit.body["entries"].as_array().unwrap();
        let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
        let pushes = CASES * PUSHERS_PER_CASE;
        assert_eq!(count("upload_created"), pushes);
        assert_eq!(count("push_accepted"), CASES);
        assert_eq!(count("push_duplicate"), pushes - CASES);
        assert_eq!(count("lookup"), lookups);
        assert_eq!(count("watchlist"), pulls);
    });
}

/// Free and total bytes of the filesystem holding `path`, as `stat -f` reports them.
fn statvfs(path: &Path) -> (u64, u64) {
    let out = Command::new("stat")
        .args(["-f", "-c", "%S %b %a"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "stat -f {}", path.display());
    let text = String::from_utf8(out.stdout).unwrap();
    let n: Vec<u64> = text
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    (n[0] * n[2], n[0] * n[1])
}

/// The registry serving a copy of `data` from a 4 MiB tmpfs, mounted in a user and mount
/// namespace of its own (no privilege needed on the host). The tmpfs is reached from
/// outside through `/proc/PID/root`.
fn start_on_tmpfs(data: &Path, mount: &Path) -> (Registry, PathBuf) {
    let mut cmd = Command::new("unshare");
    cmd.env_remove("TRUYVET_REGISTRY_DATA")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(
            r#"mount -t tmpfs -o size=4m tmpfs "$1" && cp -a "$2"/. "$1"/ \
               && exec "$3" --data "$1" serve --listen 127.0.0.1:0"#,
        )
        .arg("sh")
        .arg(mount)
        .arg(data)
        .arg(REGISTRY);
    let registry = Registry::spawn(cmd, mount);
    let seen = PathBuf::from(format!("/proc/{}/root", registry.pid()))
        .join(mount.strip_prefix("/").unwrap());
    (registry, seen)
}

/// Writes zeros to `path` until the filesystem refuses more.
fn fill_up(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 4096];
    loop {
        match file.write_all(&block).and_then(|()| file.sync_data()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => return,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
}

async fn upload_rest(client: &Client, id: &str, bytes: &[u8]) -> Answer {
    let status = client.get(&format!("/v1/uploads/{id}")).await.expect(200);
    let offset = status.body["offset"].as_u64().unwrap() as usize;
    client
        .put(
            &format!("/v1/uploads/{id}?offset={offset}"),
            &bytes[offset..],
        )
        .await
        .expect(200);
    client
        .send("POST", &format!("/v1/uploads/{id}/finish"), None, false)
        .await
}

#[tokio::test]
async fn a_full_disk_answers_507_and_the_upload_goes_on_after() {
    let b = bundles();
    let bytes = &b.qltt.bytes;
    let env = Env::new(Backend::Sqlite);
    let tokens = env.setup();
    let mount = tempfile::tempdir().unwrap();
    let (registry, seen) = start_on_tmpfs(env.path(), mount.path());

    // The mechanism works: the data folder is on the small filesystem, not the host's.
    let (free, total) = statvfs(&seen);
    assert!(
        total <= 4 << 20,
        "the data folder is not on a 4 MiB tmpfs ({total} bytes)"
    );
    assert!(
        seen.join("registry.db").is_file(),
        "no database on the tmpfs"
    );
    assert!(
        free > bytes.len() as u64 + (256 << 10),
        "no room to start with"
    );

    let inv = registry.client(Some(&tokens.inv));
    let id = inv.create_upload(bytes).await;
    let head = inv.get("/v1/log/head").await.expect(200).body;

    // Fill the disk until the bundle no longer fits.
    let (free, _) = statvfs(&seen);
    let filler = seen.join("filler");
    let room = bytes.len() as u64 / 2;
    std::fs::write(&filler, vec![0u8; (free - room) as usize]).unwrap();
    let (free, _) = statvfs(&seen);
    assert!(
        free < bytes.len() as u64,
        "the disk is not full: {free} bytes free"
    );

    let full = within(
        "a chunk on a full disk",
        inv.put(&format!("/v1/uploads/{id}?offset=0"), bytes),
    )
    .await;
    full.fails(507, "insufficient_storage");

    // Nothing published, and the server keeps serving.
    let lookup = within(
        "a lookup on a full disk",
        inv.get("/v1/lookup?value=0912345678"),
    )
    .await;
    let lookup = lookup.expect(200);
    assert_eq!(lookup.body["hits"].as_array().unwrap().len(), 0);
    let now = inv.get("/v1/log/head").await.expect(200).body;
    assert_eq!((&now["size"], &now["root"]), (&head["size"], &head["root"]));
    inv.get(&format!("/v1/cases/{}/receipt", b.qltt.case_id))
        .await
        .fails(404, "case_not_found");
    let status = inv.get(&format!("/v1/uploads/{id}")).await.expect(200);
    assert_eq!(status.body["size"], bytes.len());
    // The refused chunk was not kept in part: the upload is where it was.
    assert_eq!(status.body["offset"], 0);

    // Not a byte left: whatever a request still has to write, the answer is 200 or 507,
    // never a 500.
    let brim = seen.join("brim");
    fill_up(&brim);
    assert_eq!(statvfs(&seen).0, 0, "the disk is not brim full");
    for path in [
        "/v1/lookup?value=0912345678",
        "/v1/watchlist",
        "/v1/log/head",
    ] {
        let answer = within("a request on a brim-full disk", inv.get(path)).await;
        if answer.status != 200 {
            answer.fails(507, "insufficient_storage");
        }
    }
    let refused = within(
        "a chunk on a brim-full disk",
        inv.put(&format!("/v1/uploads/{id}?offset=0"), &bytes[..4096]),
    )
    .await;
    refused.fails(507, "insufficient_storage");

    // Room again: the same upload goes on from where the server says it is.
    std::fs::remove_file(&brim).unwrap();
    std::fs::remove_file(&filler).unwrap();
    let receipt = within("the resumed upload", upload_rest(&inv, &id, bytes)).await;
    let receipt = receipt.expect(201);
    assert_eq!(receipt.body["bundle_sha256"], sha256_hex(bytes));
    let head: Value = inv.get("/v1/log/head").await.expect(200).body;
    assert_eq!(head["size"], 1);
    assert_eq!(
        crate::support::files_in(&seen.join("bundles")),
        vec![format!("{}.wacz", sha256_hex(bytes))]
    );
}
