//! `lookup` latency on a large workspace: N identifier occurrences across M cases,
//! then Q lookups written the way people type them ("0912 345 678"), timed one by one
//! in-process. Peers in the same run, on the same connection: the bare indexed SELECT on
//! an already-normalized value (the floor of our layer), and the same SELECT forced to
//! scan the table (`NOT INDEXED`: what the lookup would cost without its index).
//!
//! Run by bench/lookup.py; by hand:
//!   cargo run --release -p truyvet-core --example lookup_bench -- \
//!     --dir /var/tmp/lookup-bench --cases 5000 --identifiers 1000000 --queries 20000
//! Prints one JSON object on stdout; writes the normalized query values to
//! DIR/queries.txt for the sqlite3 peer of the script.

// A benchmark reports by panicking on a broken setup.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use rusqlite::params;
use truyvet_core::identifiers::{IdKind, normalize};
use truyvet_core::model::{ProfileInput, Role};
use truyvet_core::{DB_FILE, Workspace};

struct Args {
    dir: std::path::PathBuf,
    cases: u64,
    identifiers: u64,
    queries: u64,
    scans: u64,
}

fn args() -> Args {
    let mut a = Args {
        dir: std::env::temp_dir().join("truyvet-lookup-bench"),
        cases: 5_000,
        identifiers: 1_000_000,
        queries: 20_000,
        scans: 30,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--dir" => a.dir = value.into(),
            "--cases" => a.cases = value.parse().unwrap(),
            "--identifiers" => a.identifiers = value.parse().unwrap(),
            "--queries" => a.queries = value.parse().unwrap(),
            "--scans" => a.scans = value.parse().unwrap(),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// xorshift64*: reproducible data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One identifier: (kind, normalized value, how a person would type it).
fn identifier(rng: &mut Rng, n: u64) -> (IdKind, String, String) {
    match n % 10 {
        0..=5 => {
            let prefix = [3, 5, 7, 8, 9][rng.below(5) as usize];
            let rest = rng.below(100_000_000);
            let national = format!("{prefix}{rest:08}");
            (
                IdKind::Phone,
                format!("+84{national}"),
                format!("0{} {} {}", &national[..3], &national[3..6], &national[6..]),
            )
        }
        6..=8 => {
            let digits = format!("{:013}", rng.below(10_000_000_000_000));
            let typed = format!("{} {} {}", &digits[..4], &digits[4..8], &digits[8..]);
            (IdKind::BankAccount, digits, typed)
        }
        _ => {
            let name = format!("shop{}", rng.below(100_000_000));
            (
                IdKind::Domain,
                format!("{name}.com.vn"),
                format!("https://www.{name}.com.vn/sp"),
            )
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

fn summary(mut times: Vec<Duration>) -> serde_json::Value {
    times.sort();
    let mean = times.iter().sum::<Duration>().as_secs_f64() * 1e6 / times.len() as f64;
    serde_json::json!({
        "n": times.len(),
        "p50_us": percentile(&times, 0.50),
        "p90_us": percentile(&times, 0.90),
        "p99_us": percentile(&times, 0.99),
        "max_us": percentile(&times, 1.0),
        "mean_us": mean,
    })
}

fn main() {
    let a = args();
    if a.dir.exists() {
        std::fs::remove_dir_all(&a.dir).unwrap();
    }
    let mut ws = Workspace::open(a.dir.join("ws")).unwrap();
    ws.save_profile(&ProfileInput {
        display_name: "Bench".into(),
        agency: "QLTT".into(),
        unit: String::new(),
        province: "HN".into(),
        role: Role::Investigator,
    })
    .unwrap();

    // The fixture: direct inserts in one transaction (the product path logs every
    // suggestion; this measures lookups, not writes).
    let started = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let per_case = a.identifiers / a.cases;
    // A pool of "ring" values each shared by several cases, so some lookups return many
    // rows, as a real ring would.
    let ring: Vec<(IdKind, String, String)> =
        (0..a.cases).map(|i| identifier(&mut rng, i)).collect();
    let mut existing: Vec<String> = Vec::new();
    {
        let conn = ws.connection();
        conn.execute_batch("BEGIN").unwrap();
        let mut case_stmt = conn
            .prepare(
                "INSERT INTO cases (id, code, title, agency, unit, province, status, origin,
                   created_at, created_by, updated_at, search_folded)
                 VALUES (?1, ?2, ?3, 'QLTT', '', 'HN', 'draft', 'patrol', ?4, 'Bench', ?4, '')",
            )
            .unwrap();
        let mut ev_stmt = conn
            .prepare(
                "INSERT INTO evidence (id, case_id, kind, sha256, size, original_filename,
                   media_type, acquired_at, acquired_by, device)
                 VALUES (?1, ?2, 'file', ?3, 1, 'page.html', 'text/html', ?4, 'Bench', 'bench')",
            )
            .unwrap();
        let mut entity_stmt = conn
            .prepare(
                "INSERT OR IGNORE INTO entities (id, case_id, kind, id_kind, value, label, state,
                   created_at, created_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'suggested', ?6, 'Bench', ?6)",
            )
            .unwrap();
        let mut occ_stmt = conn
            .prepare(
                "INSERT OR IGNORE INTO identifier_occurrences (case_id, entity_id, evidence_id,
                   id_kind, value, raw, location, snippet, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '', ?8)",
            )
            .unwrap();
        let sha = "0".repeat(64);
        for c in 0..a.cases {
            let case_id = format!("case-{c:05}");
            let at = format!("2026-{:02}-{:02}T08:00:00.000Z", 1 + c % 12, 1 + c % 28);
            case_stmt
                .execute(params![case_id, format!("QLTT-HN-2026-{c:05}"), "Vụ", at])
                .unwrap();
            let evidence: Vec<String> = (0..4).map(|e| format!("ev-{c:05}-{e}")).collect();
            for e in &evidence {
                ev_stmt.execute(params![e, case_id, sha, at]).unwrap();
            }
            for i in 0..per_case {
                let n = c * per_case + i;
                let (kind, value, _typed) = if i < 4 {
                    ring[rng.below(ring.len() as u64) as usize].clone()
                } else {
                    identifier(&mut rng, n)
                };
                let entity_id = format!("ent-{case_id}-{}-{value}", kind.as_str());
                let entity_kind = truyvet_core::entity_kind_for(kind).as_str();
                entity_stmt
                    .execute(params![
                        entity_id,
                        case_id,
                        entity_kind,
                        kind.as_str(),
                        value,
                        at
                    ])
                    .unwrap();
                occ_stmt
                    .execute(params![
                        case_id,
                        entity_id,
                        evidence[(i % 4) as usize],
                        kind.as_str(),
                        value,
                        value,
                        format!("offset:{}", i * 37),
                        at
                    ])
                    .unwrap();
                if n.is_multiple_of(97) {
                    existing.push(value.clone());
                }
            }
        }
        drop((case_stmt, ev_stmt, entity_stmt, occ_stmt));
        conn.execute_batch("COMMIT; PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    let fixture_s = started.elapsed().as_secs_f64();
    let occurrences: u64 = ws
        .connection()
        .query_row("SELECT count(*) FROM identifier_occurrences", [], |r| {
            r.get(0)
        })
        .unwrap();
    drop(ws);

    // Reopen as a user would, then query: a mix of values present once, ring values
    // present in several cases, and values present nowhere, each typed by hand.
    let ws = Workspace::open_with(a.dir.join("ws"), truyvet_core::OpenMode::ReadOnly).unwrap();
    let mut qrng = Rng(0x1234_5678_9abc_def1);
    let mut typed_queries: Vec<String> = Vec::new();
    let mut normalized: Vec<String> = Vec::new();
    for q in 0..a.queries {
        let (typed, norm) = match q % 4 {
            0 | 1 => {
                let v = existing[qrng.below(existing.len() as u64) as usize].clone();
                let typed = if let Some(national) = v.strip_prefix("+84") {
                    format!("0{} {} {}", &national[..3], &national[3..6], &national[6..])
                } else {
                    v.clone()
                };
                (typed, v)
            }
            2 => {
                let (_, v, typed) = ring[qrng.below(ring.len() as u64) as usize].clone();
                (typed, v)
            }
            _ => {
                let (kind, v, typed) = identifier(&mut qrng, q);
                let _ = normalize(kind, &typed).unwrap();
                (typed, v)
            }
        };
        typed_queries.push(typed);
        normalized.push(norm);
    }
    // Warm up the page cache and statement cache as an open app would be.
    for q in typed_queries.iter().take(500) {
        ws.lookup(q).unwrap();
    }
    let mut ours = Vec::new();
    let mut rows = 0usize;
    for q in &typed_queries {
        let t = Instant::now();
        let found = ws.lookup(q).unwrap();
        ours.push(t.elapsed());
        rows += found.len();
    }

    // A case's "seen in other cases" panel: every identifier of the case (200 here)
    // matched against the whole workspace.
    let mut hits = Vec::new();
    let mut hit_rows = 0usize;
    for c in (0..a.cases).step_by((a.cases / 200).max(1) as usize) {
        let code = format!("QLTT-HN-2026-{c:05}");
        let t = Instant::now();
        let found = ws.cross_case_hits(&code).unwrap();
        hits.push(t.elapsed());
        hit_rows += found.len();
    }

    let conn = ws.connection();
    let mut plain = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT case_id, evidence_id, id_kind, value, recorded_at
                 FROM identifier_occurrences WHERE value = ?1",
            )
            .unwrap();
        for v in &normalized {
            let t = Instant::now();
            let n = stmt
                .query_map([v], |r| r.get::<_, String>(0))
                .unwrap()
                .count();
            plain.push(t.elapsed());
            std::hint::black_box(n);
        }
    }
    let mut scan = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT case_id, evidence_id, id_kind, value, recorded_at
                 FROM identifier_occurrences NOT INDEXED WHERE value = ?1",
            )
            .unwrap();
        for v in normalized.iter().take(a.scans as usize) {
            let t = Instant::now();
            let n = stmt
                .query_map([v], |r| r.get::<_, String>(0))
                .unwrap()
                .count();
            scan.push(t.elapsed());
            std::hint::black_box(n);
        }
    }
    std::fs::write(a.dir.join("queries.txt"), normalized.join("\n")).unwrap();
    let db_bytes = std::fs::metadata(a.dir.join("ws").join(DB_FILE))
        .unwrap()
        .len();
    let out = serde_json::json!({
        "cases": a.cases,
        "occurrences": occurrences,
        "fixture_seconds": fixture_s,
        "db_mib": db_bytes as f64 / 1048576.0,
        "queries": a.queries,
        "rows_returned": rows,
        "lookup": summary(ours),
        "plain_indexed_select": summary(plain),
        "full_scan_select": summary(scan),
        "cross_case_hits": summary(hits),
        "cross_case_hit_rows": hit_rows,
    });
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
