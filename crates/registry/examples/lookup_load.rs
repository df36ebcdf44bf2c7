//! Lookup load on one node, a benchmark aid (`bench/registry_lookup.py`).
//!
//! - `lookup_load [IDENTIFIERS] [CLIENTS] [SECONDS]`: all in one process: a SQLite
//!   registry in a temp folder holding N identifiers (in cases of 1,000 each), C
//!   concurrent clients asking over loopback HTTP for D seconds; prints lookups per
//!   second and the latency percentiles.
//! - `lookup_load seed DIR IDENTIFIERS [POSTGRES_URL]`: fills the registry of data folder
//!   DIR (or the PostgreSQL database) through the store, publishing generated cases with
//!   their log leaves and receipts, and prints an investigator token for `drive`.
//! - `lookup_load drive BASE_URL TOKEN IDENTIFIERS CLIENTS SECONDS`: the load alone
//!   against a running `truyvet-registry serve`; prints the figures as one JSON line.
//!
//! Every answer is checked: status 200 and exactly one hit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use truyvet_registry::data_dir::DataDir;
use truyvet_registry::log_tree::LogTree;
use truyvet_registry::server::{AppState, Limits, router};
use truyvet_registry::store::postgres::PostgresStore;
use truyvet_registry::store::sqlite::SqliteStore;
use truyvet_registry::store::{CaseIdentifier, NewCase, Store};
use truyvet_registry::{admin, log_key};
use truyvet_wire::api::{LeafData, Receipt, UnitContact, hex_hashes};
use truyvet_wire::tree_head::TreeHead;

const PER_CASE: u64 = 1000;

fn phone(n: u64) -> String {
    format!("+849{n:08}")
}

fn fill(store: &dyn Store, key: &ed25519_dalek::SigningKey, identifiers: u64) {
    for c in 0..identifiers.div_ceil(PER_CASE) {
        let case_id = format!("case-{c:06}");
        let leaf = LeafData {
            accepted_at: "2026-11-01T00:00:00.000Z".into(),
            agency: "QLTT".into(),
            bundle_sha256: format!("{c:064x}"),
            case_id: case_id.clone(),
            seal_root: format!("{:064x}", c + 1),
        };
        let case = NewCase {
            case_id: case_id.clone(),
            case_code: format!("QLTT-HN-2026-{c:04}"),
            agency: "QLTT".into(),
            unit: "DOI1".into(),
            seal_root: leaf.seal_root.clone(),
            bundle_sha256: leaf.bundle_sha256.clone(),
            province: "HN".into(),
            sealed_at: "2026-11-01T00:00:00.000Z".into(),
            accepted_at: leaf.accepted_at.clone(),
            categories: vec!["counterfeit_goods".into()],
            platforms: vec!["shopee".into()],
            identifiers: (c * PER_CASE..(c + 1) * PER_CASE)
                .map(|n| CaseIdentifier {
                    kind: "phone".into(),
                    family: "phone".into(),
                    value: phone(n),
                    qualifier: String::new(),
                })
                .collect(),
            leaf_data: leaf.canonical_json(),
            leaf_hash: leaf.leaf_hash(),
        };
        let make = |index: u64, tree: &LogTree| {
            Ok(Receipt {
                case_id: case.case_id.clone(),
                case_code: case.case_code.clone(),
                seal_root: case.seal_root.clone(),
                bundle_sha256: case.bundle_sha256.clone(),
                agency: case.agency.clone(),
                accepted_at: case.accepted_at.clone(),
                leaf_index: index,
                leaf_hash: hex::encode(case.leaf_hash),
                tree_head: TreeHead::sign(
                    index + 1,
                    &tree.root(index + 1),
                    "2026-11-01T00:00:00.000Z",
                    key,
                ),
                inclusion_proof: hex_hashes(&tree.inclusion_proof(index, index + 1)),
            })
        };
        store.publish(&case, &make).unwrap();
    }
}

/// Agency, unit and an investigator token; the token's secret.
fn prepare(store: &dyn Store) -> String {
    admin::agency_add(store, "QLTT", "Quản lý thị trường").unwrap();
    store
        .add_unit(
            &UnitContact {
                agency: "QLTT".into(),
                code: "DOI1".into(),
                name: "Đội 1".into(),
                contact: "0243".into(),
            },
            "2026-11-01T00:00:00.000Z",
        )
        .unwrap();
    admin::token_issue(store, "QLTT", "DOI1", "investigator", None)
        .unwrap()
        .secret
}

fn seed(dir: &Path, identifiers: u64, database: Option<&str>) {
    let dir = DataDir::open(dir).unwrap();
    let store: Box<dyn Store> = match database {
        Some(url) => Box::new(PostgresStore::open(url).unwrap()),
        None => Box::new(SqliteStore::open(&dir.database()).unwrap()),
    };
    let key = log_key::load_or_create(&dir.key_file()).unwrap();
    let token = prepare(store.as_ref());
    let started = Instant::now();
    fill(store.as_ref(), &key, identifiers);
    eprintln!(
        "{identifiers} identifiers in {} cases stored in {:.1} s",
        identifiers.div_ceil(PER_CASE),
        started.elapsed().as_secs_f64()
    );
    println!("{token}");
}

struct Figures {
    lookups: usize,
    seconds: u64,
    clients: u64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// C clients, each with its own keep-alive connection, one request in flight each.
async fn drive(base: &str, token: &str, identifiers: u64, clients: u64, seconds: u64) -> Figures {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (token, base) = (token.to_string(), base.to_string());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::new();
            let mut n = c * 7919;
            while Instant::now() < deadline {
                n = n
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let pick = (n >> 11) % identifiers.max(1);
                let url = format!(
                    "{base}/v1/lookup?value={}&kind=phone",
                    phone(pick).replace('+', "%2B")
                );
                let t = Instant::now();
                let res = http.get(url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(res.status(), 200);
                let body: serde_json::Value = res.json().await.unwrap();
                assert_eq!(body["hits"].as_array().unwrap().len(), 1);
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1e3;
    Figures {
        lookups: all.len(),
        seconds,
        clients,
        p50_ms: pct(0.50),
        p90_ms: pct(0.90),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
    }
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => {
            let (dir, n) = (PathBuf::from(&args[1]), arg(&args, 2, 1_000_000u64));
            let url = args.get(3).cloned();
            // The PostgreSQL client runs a runtime of its own: not on this one's threads.
            tokio::task::spawn_blocking(move || seed(&dir, n, url.as_deref()))
                .await
                .unwrap();
        }
        Some("drive") => {
            let f = drive(
                &args[1],
                &args[2],
                arg(&args, 3, 1_000_000),
                arg(&args, 4, 16),
                arg(&args, 5, 10),
            )
            .await;
            println!(
                "{{\"lookups\": {}, \"seconds\": {}, \"clients\": {}, \"per_second\": {:.0}, \
                 \"p50_ms\": {:.3}, \"p90_ms\": {:.3}, \"p99_ms\": {:.3}, \"max_ms\": {:.3}}}",
                f.lookups,
                f.seconds,
                f.clients,
                f.lookups as f64 / f.seconds as f64,
                f.p50_ms,
                f.p90_ms,
                f.p99_ms,
                f.max_ms
            );
        }
        _ => all_in_one(&args).await,
    }
}

async fn all_in_one(args: &[String]) {
    let identifiers = arg(args, 0, 1_000_000);
    let clients = arg(args, 1, 16);
    let seconds = arg(args, 2, 10);
    let temp = tempfile::tempdir().unwrap();
    let dir = DataDir::open(temp.path()).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.database()).unwrap());
    let key = log_key::load_or_create(&dir.key_file()).unwrap();
    let token = prepare(store.as_ref());
    let started = Instant::now();
    fill(store.as_ref(), &key, identifiers);
    eprintln!(
        "{identifiers} identifiers in {} cases stored in {:.1} s",
        identifiers.div_ceil(PER_CASE),
        started.elapsed().as_secs_f64()
    );
    let state = Arc::new(AppState::new(store, dir, key, Limits::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    let f = drive(
        &format!("http://{addr}"),
        &token,
        identifiers,
        clients,
        seconds,
    )
    .await;
    println!(
        "{} lookups in {seconds} s by {clients} clients: {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
        f.lookups,
        f.lookups as f64 / seconds as f64,
        f.p50_ms,
        f.p99_ms
    );
}
