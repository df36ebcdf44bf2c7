#!/usr/bin/env python3
"""`truyvet dashboard --json` on a workspace of 50,000 cases.

The workspace and profile are created by the real CLI; the cases (statuses and dates
spread over three years, 2% submitted, 10% opened from a tip), 5,000 tips (1,000 still
`new`) and 2,000 watched items (200 changed, 100 failing) are then inserted with Python's
sqlite3 in one transaction, as rows the product itself would hold. The dashboard reads
them in one read transaction; each timed run is a whole CLI process (start, open the
workspace, the queries, JSON out), so the figure is what a user or a script waits for.
Peer: `truyvet case list --status submitted --json` on the same workspace, a simpler
read through the same process start and open.

Usage: bench/dashboard.py [--cases 50000] [--runs 10] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

STATUSES = ["draft"] * 30 + ["submitted"] * 2 + ["returned"] * 3 + ["approved"] * 5 + ["sealed"] * 60


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def populate(db: Path, cases: int, rng: random.Random) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    conn = sqlite3.connect(db)
    conn.execute("BEGIN")
    tips = []
    for n in range(5000):
        received = now - dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        status = "new" if n < 1000 else "case_opened"
        tip_id = str(uuid.uuid4())
        tips.append(tip_id)
        conn.execute(
            "INSERT INTO tips (id, code, received_at, channel, summary, status, agency, unit,"
            " province, created_at, created_by, updated_at, fingerprint)"
            " VALUES (?, ?, ?, 'hotline', 'Bán hàng giả', ?, 'QLTT', 'Đội 1', 'HN', ?, 'bench', ?, ?)",
            (tip_id, f"TB-{n:06d}", stamp(received), status, stamp(received), stamp(received), tip_id),
        )
    for n in range(cases):
        created = now - dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        updated = created + dt.timedelta(seconds=rng.randrange(max(1, int((now - created).total_seconds()))))
        status = rng.choice(STATUSES)
        origin_tip = tips[1000 + n % 4000] if n % 10 == 0 else None
        conn.execute(
            "INSERT INTO cases (id, code, title, agency, unit, province, status, origin,"
            " created_at, created_by, updated_at, search_folded, origin_tip_id)"
            " VALUES (?, ?, ?, 'QLTT', 'Đội 1', 'HN', ?, 'patrol', ?, 'bench', ?, ?, ?)",
            (str(uuid.uuid4()), f"QLTT-HN-B-{n:06d}", f"Vụ việc {n}", status, stamp(created),
             stamp(updated), f"vu viec {n}", origin_tip),
        )
    for n in range(2000):
        checked = now - dt.timedelta(seconds=rng.randrange(86400))
        conn.execute(
            "INSERT INTO watch_items (id, target, kind, label, platform, interval_secs, created_at,"
            " created_by, last_checked_at, last_changed_at, changed_unseen, last_error, risk_score)"
            " VALUES (?, ?, 'url', ?, 'shopee', 3600, ?, 'bench', ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), f"https://shopee.vn/shop-{n}", f"Shop {n}", stamp(checked), stamp(checked),
             stamp(checked) if n < 200 else None, 1 if n < 200 else 0,
             "network_error: timed out" if 200 <= n < 300 else None, rng.randrange(100)),
        )
    conn.commit()
    conn.close()


def timed(cmd: list[str], runs: int) -> list[float]:
    walls = []
    for _ in range(runs):
        walls.append(common.run_measured(cmd).wall * 1000)
    return walls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    common.exit_cleanly_on_sigterm()
    binary = common.truyvet_binary()
    work = common.bench_tmpdir("truyvet-dashboard-")
    try:
        ws = work / "ws"
        env_ws = ["--workspace", str(ws)]
        subprocess.run(
            [str(binary), *env_ws, "profile", "set", "--display-name", "Lãnh đạo Bench", "--agency", "QLTT",
             "--role", "supervisor"],
            check=True, stdout=subprocess.DEVNULL,
        )
        common.log(f"inserting {args.cases} cases, 5,000 tips, 2,000 watched items")
        populate(ws / "truyvet.db", args.cases, random.Random(8))
        start_load = common.loadavg()
        dash_cmd = [str(binary), *env_ws, "--json", "dashboard"]
        out = json.loads(subprocess.run(dash_cmd, check=True, capture_output=True).stdout)
        assert sum(s["count"] for s in out["by_status"]) == args.cases, "every case counted"
        timed(dash_cmd, 1)  # warm the page cache
        dash = timed(dash_cmd, args.runs)
        peer_cmd = [str(binary), *env_ws, "--json", "case", "list", "--status", "submitted"]
        timed(peer_cmd, 1)
        peer = timed(peer_cmd, args.runs)
        result = {
            "cases": args.cases,
            "open_cases": out["open_cases"],
            "review_queue_total": out["review_queue_total"],
            "dashboard_ms_median": round(statistics.median(dash), 1),
            "dashboard_ms_min": round(min(dash), 1),
            "dashboard_ms_max": round(max(dash), 1),
            "case_list_submitted_ms_median": round(statistics.median(peer), 1),
            "runs": args.runs,
            "loadavg_start": start_load,
            "loadavg_end": common.loadavg(),
            "binary": str(binary),
        }
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
