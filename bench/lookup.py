#!/usr/bin/env python3
"""`lookup` latency with 1,000,000 identifier occurrences across 5,000 cases.

Builds the release benchmark binary (crates/core/examples/lookup_bench.rs), which
generates the workspace (direct SQL inserts in one transaction), reopens it read-only
and times each `Workspace::lookup` in-process on values typed the way people write them,
against two peers on the same connection: the bare indexed SELECT on the normalized
value, and the same SELECT forced to scan (`NOT INDEXED`). Then, as an outside peer, the
`sqlite3` CLI runs the same SELECTs from one script in one process (mean per query, start
-up subtracted). Target from the issue: p99 < 1 ms in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def bench_binary() -> Path:
    common.log("cargo build --release -p truyvet-core --example lookup_bench")
    subprocess.run(
        ["cargo", "build", "--release", "-p", "truyvet-core", "--example", "lookup_bench"],
        cwd=common.REPO,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", common.REPO / "target"))
    if not target.is_absolute():
        target = common.REPO / target
    return target / "release" / "examples" / "lookup_bench"


def sqlite3_peer(db: Path, values: list[str], reps: int) -> float:
    """Mean µs per SELECT in one sqlite3 process, start-up and open subtracted."""
    select = (
        "SELECT case_id, evidence_id, id_kind, value, recorded_at "
        "FROM identifier_occurrences WHERE value = '{}';"
    )
    script = "\n".join(select.format(v.replace("'", "''")) for v in values) + "\n"
    empty = "SELECT 1;\n"

    def timed(text: str) -> float:
        t = time.perf_counter()
        subprocess.run(
            ["sqlite3", "-readonly", str(db)],
            input=text, text=True, stdout=subprocess.DEVNULL, check=True,
        )
        return time.perf_counter() - t

    full = statistics.median(timed(script) for _ in range(reps))
    base = statistics.median(timed(empty) for _ in range(reps))
    return (full - base) / len(values) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--identifiers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--sqlite3-queries", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated workspace")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"sqlite3": "sqlite3"})
    binary = bench_binary()
    tmp = common.bench_tmpdir("truyvet-bench-lookup-")
    try:
        run_dir = tmp / "run"
        common.log(
            f"generating {args.identifiers:,} occurrences across {args.cases:,} cases, "
            f"then {args.queries:,} lookups"
        )
        out = subprocess.run(
            [
                str(binary), "--dir", str(run_dir), "--cases", str(args.cases),
                "--identifiers", str(args.identifiers), "--queries", str(args.queries),
            ],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(out.stdout)
        values = (run_dir / "queries.txt").read_text().split("\n")[: args.sqlite3_queries]
        r["sqlite3_cli_mean_us"] = sqlite3_peer(run_dir / "ws" / "truyvet.db", values, 3)
        r["machine"] = common.machine(tmp)
        print_report(r)
        if args.json:
            Path(args.json).write_text(json.dumps(r, indent=2))
        p99 = r["lookup"]["p99_us"]
        return 0 if p99 < 1000 else 1
    finally:
        if args.keep:
            common.log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def print_report(r: dict) -> None:
    m = r["machine"]
    print(f"machine: {m['nproc']} × {m['cpu']}, {m['memory_gib']} GiB, {m['disk']}, "
          f"load {m['loadavg']}")
    print(f"{r['occurrences']:,} occurrences across {r['cases']:,} cases; database "
          f"{r['db_mib']:.0f} MiB, generated in {r['fixture_seconds']:.1f} s; "
          f"{r['queries']:,} lookups returned {r['rows_returned']:,} rows")
    print()
    print("| query | n | p50 µs | p90 µs | p99 µs | max µs | mean µs |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key, name in [
        ("lookup", "`Workspace::lookup` (typed value)"),
        ("plain_indexed_select", "bare indexed SELECT (normalized value)"),
        ("full_scan_select", "same SELECT, `NOT INDEXED`"),
    ]:
        s = r[key]
        print(f"| {name} | {s['n']:,} | {s['p50_us']:.1f} | {s['p90_us']:.1f} | "
              f"{s['p99_us']:.1f} | {s['max_us']:.1f} | {s['mean_us']:.1f} |")
    print(f"| `sqlite3` CLI, same SELECT, one process | — | | | | | "
          f"{r['sqlite3_cli_mean_us']:.1f} |")
    s = r["cross_case_hits"]
    print()
    print(f"`cross_case_hits` of one case ({s['n']} cases, {r['cross_case_hit_rows']:,} hits): "
          f"p50 {s['p50_us']:.0f} µs, p99 {s['p99_us']:.0f} µs, max {s['max_us']:.0f} µs")


if __name__ == "__main__":
    sys.exit(main())
