#!/usr/bin/env python3
"""Benchmark 2: opening a workspace with 100,000 evidence rows and listing a case of
10,000 items.

1. Builds the workspace (bench/gen_workspace.py: 1 case of 10,000 items + 900 cases of
   100 = 100,000 evidence rows, 100,901 custody events, 100,000 blobs) in a temp folder
   on a disk, and checks it with `truyvet verify-workspace` (which must pass; its time
   and peak memory are reported too).
2. Times, with hyperfine (warm page cache, warm-up runs, then N runs each), every
   command as a fresh process, so each one opens the workspace from scratch:
     truyvet --json case show BIG         vs  sqlite3 -json: the same three SELECTs
     truyvet case list / --json case list vs  sqlite3 -json: the same SELECT
     truyvet --json log --case BIG        vs  sqlite3 -json: the same SELECT
   The sqlite3 CLI is the peer: the same engine reading the same file and printing
   JSON, with no domain types. Ratio = our median ÷ sqlite3's (1.0 = as fast).
3. Peak RSS of each command with `/usr/bin/time -v`.

The workspace is removed at the end (also on Ctrl-C) unless --keep is given.

Usage: bench/open_workspace.py [--runs N] [--total 100000] [--big 10000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import gen_workspace  # noqa: E402

CASE_COLUMNS = (
    "id, code, title, agency, unit, province, violation_categories, product_group, "
    "status, origin, created_at, created_by, updated_at"
)
EVIDENCE_COLUMNS = (
    "id, case_id, kind, sha256, size, original_filename, original_filename_hex, "
    "media_type, acquired_at, acquired_by, device, source_path, note"
)


def peer_sql(code: str) -> dict[str, str]:
    """What the core runs for each command (crates/core/src/cases.rs, evidence.rs,
    notes.rs, custody.rs), as plain SQL."""
    case_id = f"(SELECT id FROM cases WHERE code = '{code}' COLLATE NOCASE)"
    return {
        "case show": (
            f"SELECT {CASE_COLUMNS} FROM cases WHERE code = '{code}' COLLATE NOCASE;"
            f"SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE case_id = {case_id} "
            "ORDER BY acquired_at, id;"
            f"SELECT id, case_id, text, author, created_at FROM notes WHERE case_id = {case_id} "
            "ORDER BY created_at, id;"
        ),
        "case list": (
            f"SELECT {CASE_COLUMNS}, (SELECT count(*) FROM evidence e WHERE e.case_id = cases.id) "
            "FROM cases WHERE 1 = 1 ORDER BY updated_at DESC, code;"
        ),
        "log": (
            "SELECT seq, case_id, actor, at, kind, payload, prev_hash, hash FROM custody_events "
            f"WHERE case_id = {case_id} ORDER BY seq;"
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--items-per-case", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the generated workspace")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not 2 <= args.runs <= 200:
        common.die("--runs must be between 2 and 200")

    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"hyperfine": "hyperfine", "sqlite3": "sqlite3", "/usr/bin/time": "time"})
    truyvet = common.truyvet_binary()
    tmp = common.bench_tmpdir("truyvet-bench-ws-")
    try:
        ws = tmp / "ws"
        db = ws / "truyvet.db"
        summary = gen_workspace.generate(
            ws, truyvet, args.total, args.big, args.items_per_case, log=common.log
        )
        common.log(f"generated: {summary}")
        info = common.machine(tmp)

        # The workspace must be valid for the figures to mean anything.
        out = subprocess.run(
            [str(truyvet), "--workspace", str(ws), "--json", "verify-workspace"],
            capture_output=True, text=True,
        )
        report = json.loads(out.stdout or "{}")
        if out.returncode != 0 or not report.get("ok") or report.get("evidence_checked") != args.total:
            common.die(f"verify-workspace did not pass: {out.stdout[:2000]} {out.stderr[:2000]}")
        common.log(f"verify-workspace: ok, {report['evidence_checked']} evidence, "
                   f"{report['events_checked']} events, {report['blobs_checked']} blobs")
        verify_cmd = [str(truyvet), "--workspace", str(ws), "--json", "verify-workspace"]
        verify_run = common.run_measured(verify_cmd)

        code = summary["big_case"]
        t = str(truyvet)
        w = str(ws)
        sql = peer_sql(code)
        argv = {
            "truyvet --json case show BIG": [t, "--workspace", w, "--json", "case", "show", code],
            "sqlite3 -json (case show SELECTs)": ["sqlite3", "-json", str(db), sql["case show"]],
            "truyvet case list": [t, "--workspace", w, "case", "list"],
            "truyvet --json case list": [t, "--workspace", w, "--json", "case", "list"],
            "sqlite3 -json (case list SELECT)": ["sqlite3", "-json", str(db), sql["case list"]],
            "truyvet --json log --case BIG": [t, "--workspace", w, "--json", "log", "--case", code],
            "sqlite3 -json (log SELECT)": ["sqlite3", "-json", str(db), sql["log"]],
        }
        commands = {name: shlex.join(a) for name, a in argv.items()}

        # Same answers: the big case really lists 10,000 items, the list every case.
        show = json.loads(subprocess.run(
            [t, "--workspace", w, "--json", "case", "show", code],
            capture_output=True, text=True, check=True,
        ).stdout)
        if len(show["evidence"]) != args.big:
            common.die(f"case show listed {len(show['evidence'])} items, expected {args.big}")
        peer_rows = subprocess.run(
            ["sqlite3", str(db), f"SELECT count(*) FROM evidence WHERE case_id = '{show['case']['id']}'"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        if int(peer_rows) != args.big:
            common.die(f"sqlite3 counted {peer_rows} items, expected {args.big}")
        listed = json.loads(subprocess.run(
            [t, "--workspace", w, "--json", "case", "list"], capture_output=True, text=True, check=True,
        ).stdout)
        if len(listed) != summary["cases"]:
            common.die(f"case list showed {len(listed)} cases, expected {summary['cases']}")
        show_bytes = len(subprocess.run(
            [t, "--workspace", w, "--json", "case", "show", code], capture_output=True, check=True,
        ).stdout)

        times = common.hyperfine(commands, runs=args.runs, warmup=3, workdir=tmp)
        rss = {name: common.time_v_maxrss(a) for name, a in argv.items()}

        peers = {
            "truyvet --json case show BIG": "sqlite3 -json (case show SELECTs)",
            "truyvet case list": "sqlite3 -json (case list SELECT)",
            "truyvet --json case list": "sqlite3 -json (case list SELECT)",
            "truyvet --json log --case BIG": "sqlite3 -json (log SELECT)",
        }
        figures = {
            name: {
                "median_ms": round(times[name]["median"] * 1000, 1),
                "min_ms": round(times[name]["min"] * 1000, 1),
                "max_ms": round(times[name]["max"] * 1000, 1),
                "maxrss_kib": rss[name],
                "ratio_vs_sqlite3": (
                    round(times[name]["median"] / times[peers[name]]["median"], 2)
                    if name in peers else None
                ),
            }
            for name in commands
        }
        result = {
            "benchmark": "open_workspace",
            "truyvet": t,
            "machine": info,
            "loadavg_end": common.loadavg(),
            "workspace": summary,
            "db_bytes": db.stat().st_size,
            "case_show_json_bytes": show_bytes,
            "runs": args.runs,
            "figures": figures,
            "verify_workspace": {
                "seconds": round(verify_run.wall, 2),
                "maxrss_kib": verify_run.maxrss_kib,
            },
        }
        print_report(result)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2, ensure_ascii=False)
        if args.keep:
            common.log(f"kept {ws}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def print_report(r: dict) -> None:
    m = r["machine"]
    s = r["workspace"]
    print(f"## Workspace of {s['evidence']:,} evidence rows, case of {s['big_case_items']:,} items")
    print()
    print(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB RAM, {m['disk']},")
    print(f"Linux {m['kernel']}; load average at start {m['loadavg']}, at end {r['loadavg_end']}.")
    print(f"Workspace: {s['cases']} cases, {s['evidence']:,} evidence rows, database "
          f"{r['db_bytes'] / 2**20:.0f} MiB, generated in {s['seconds']} s; `case show --json` "
          f"prints {r['case_show_json_bytes'] / 2**20:.1f} MiB.")
    print()
    print(f"| command ({r['runs']} runs, warm cache) | median ms | min–max ms | peak RSS | ÷ sqlite3 |")
    print("|---|---:|---:|---:|---:|")
    for name, f in r["figures"].items():
        ratio = f"{f['ratio_vs_sqlite3']:.2f}×" if f["ratio_vs_sqlite3"] is not None else "—"
        print(f"| `{name}` | {f['median_ms']:.1f} | {f['min_ms']:.1f}–{f['max_ms']:.1f} | "
              f"{f['maxrss_kib'] / 1024:.1f} MiB | {ratio} |")
    v = r["verify_workspace"]
    print()
    print(f"`truyvet verify-workspace` over the whole workspace (re-hashes {s['evidence']:,} blobs "
          f"and every chain): {v['seconds']} s, peak RSS {v['maxrss_kib'] / 1024:.1f} MiB — passes.")


if __name__ == "__main__":
    sys.exit(main())
