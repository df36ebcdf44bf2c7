#!/usr/bin/env python3
"""`truyvet report build --preset 3y` (PDF and XLSX) over a workspace of 50,000 cases.

The workspace and profile are created by the real CLI; the rest is inserted with
Python's sqlite3 in one transaction, as rows the product itself holds: cases spread
uniformly over the last three years (agency QLTT, provinces HN 60% / HCM 25% / DN 15%,
one or two violation categories, six product groups), 1-3 web captures each on Shopee,
Facebook, TikTok, Lazada, Zalo, Tiki, Sendo or other shops' domains, one or two phone
identifiers from a pool that makes some repeat across cases, 20% sealed (a seal row
days after opening), 5% referred, 10,000 tips with channels and outcomes.

Timed (median of --runs, after one warm-up): the whole CLI process of
`truyvet report build --preset 3y --format pdf|xlsx --out FILE` — start, open, the
aggregate queries, layout, writing — with its peak RSS (getrusage). Peer in the same
run: the `sqlite3` CLI on the same database file computing the same SQL aggregates
(monthly opened/sealed/referred, per category, per product group, referrals, tips):
what the database work alone costs, without platform mapping, rendering or our process.

Usage: bench/periodic_report.py [--cases 50000] [--runs 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

CATEGORIES = [
    "counterfeit_goods", "counterfeit_goods", "counterfeit_goods", "smuggled_goods", "smuggled_goods",
    "ip_infringing_goods", "poor_quality_goods", "unknown_origin_goods", "unknown_origin_goods",
    "prohibited_goods", "restricted_goods", "conditional_goods_unmet", "expired_goods",
    "false_information", "undeclared_business_tax_evasion",
]
PRODUCTS = ["Mỹ phẩm", "Điện thoại", "Thực phẩm chức năng", "Quần áo", "Thuốc lá", "Rượu"]
HOSTS = (["https://shopee.vn/p/"] * 30 + ["https://www.facebook.com/groups/"] * 25
         + ["https://www.tiktok.com/@shop/video/"] * 15 + ["https://www.lazada.vn/products/"] * 10
         + ["https://zalo.me/g/"] * 5 + ["https://tiki.vn/p/"] * 5 + ["https://www.sendo.vn/p/"] * 3
         + [f"https://shop{n}.com.vn/sp/" for n in range(7)])
PROVINCES = ["HN"] * 60 + ["HCM"] * 25 + ["DN"] * 15
AGENCIES = ["Công an tỉnh", "Cục Thuế", "Viện kiểm sát"]
CHANNELS = ["hotline", "hotline", "letter", "email", "web_form", "referral", "other"]
OUTCOMES = ["case_opened", "no_violation", "duplicate", "forwarded", "insufficient_info"]


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def populate(db: Path, cases: int, rng: random.Random) -> dict:
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    span = 3 * 365 * 86400 - 40 * 86400
    conn = sqlite3.connect(db)
    conn.execute("BEGIN")
    sealed = referred = captures = 0
    for n in range(cases):
        case_id = str(uuid.uuid4())
        created = now - dt.timedelta(seconds=rng.randrange(span))
        cats = sorted(set(rng.choice(CATEGORIES) for _ in range(rng.choice([1, 1, 1, 2]))))
        is_sealed = rng.random() < 0.20
        conn.execute(
            "INSERT INTO cases (id, code, title, agency, unit, province, violation_categories,"
            " product_group, status, origin, created_at, created_by, updated_at, search_folded)"
            " VALUES (?, ?, ?, 'QLTT', 'Đội 1', ?, ?, ?, ?, 'patrol', ?, 'bench', ?, ?)",
            (case_id, f"QLTT-B-{n:06d}", f"Vụ việc {n}", rng.choice(PROVINCES), json.dumps(cats),
             rng.choice(PRODUCTS), "approved" if is_sealed else "draft", stamp(created), stamp(created),
             f"vu viec {n}"),
        )
        for k in range(rng.choice([1, 1, 2, 3])):
            ev = str(uuid.uuid4())
            url = f"{rng.choice(HOSTS)}{n}-{k}"
            conn.execute(
                "INSERT INTO evidence (id, case_id, kind, sha256, size, original_filename, media_type,"
                " acquired_at, acquired_by, device) VALUES (?, ?, 'web_capture', ?, 100, 'capture.json',"
                " 'application/json', ?, 'bench', 'bench')",
                (ev, case_id, f"{n:032x}{k:032x}", stamp(created)),
            )
            conn.execute(
                "INSERT INTO web_captures (evidence_id, method, url, final_url, title, metadata)"
                " VALUES (?, 'http', ?, ?, 'Trang bán hàng', '{}')",
                (ev, url, url),
            )
            captures += 1
        for _ in range(rng.choice([1, 2])):
            phone = f"+8491{rng.randrange(400_000):07d}"
            conn.execute(
                "INSERT OR IGNORE INTO entities (id, case_id, kind, id_kind, value, qualifier, label, attrs,"
                " state, created_at, created_by, updated_at)"
                " VALUES (?, ?, 'identifier', 'phone', ?, '', ?, '{}', 'suggested', ?, 'bench', ?)",
                (str(uuid.uuid4()), case_id, phone, phone, stamp(created), stamp(created)),
            )
        if is_sealed:
            at = created + dt.timedelta(days=rng.randrange(1, 30))
            conn.execute(
                "INSERT INTO case_seals (case_id, root, leaf_count, head, at, fingerprint, signature)"
                " VALUES (?, ?, 1, ?, ?, 'bench', 'bench')",
                (case_id, "0" * 64, "0" * 64, stamp(at)),
            )
            conn.execute("UPDATE cases SET status = 'sealed' WHERE id = ?", (case_id,))
            sealed += 1
            if rng.random() < 0.25:
                conn.execute(
                    "INSERT INTO case_referrals (id, case_id, referred_at, referred_to, reference,"
                    " referred_by) VALUES (?, ?, ?, ?, ?, 'bench')",
                    (str(uuid.uuid4()), case_id, stamp(at + dt.timedelta(days=3)), rng.choice(AGENCIES),
                     f"{n}/CV"),
                )
                referred += 1
    for n in range(10_000):
        received = now - dt.timedelta(seconds=rng.randrange(span))
        closed = rng.random() < 0.6
        tip_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO tips (id, code, received_at, channel, summary, status, outcome, closed_at, agency,"
            " unit, province, created_at, created_by, updated_at, fingerprint)"
            " VALUES (?, ?, ?, ?, 'Bán hàng giả', ?, ?, ?, 'QLTT', 'Đội 1', ?, ?, 'bench', ?, ?)",
            (tip_id, f"TB-{n:06d}", stamp(received), rng.choice(CHANNELS), "closed" if closed else "new",
             rng.choice(OUTCOMES) if closed else None, stamp(received) if closed else None,
             rng.choice(PROVINCES), stamp(received), stamp(received), tip_id),
        )
    conn.commit()
    conn.close()
    return {"sealed": sealed, "referred": referred, "captures": captures}


PEER_SQL = """
SELECT strftime('%Y-%m', created_at, '+25200 seconds'), count(*) FROM cases
 WHERE created_at >= '{a}' AND created_at < '{b}' GROUP BY 1;
SELECT strftime('%Y-%m', s.at, '+25200 seconds'), count(*) FROM case_seals s JOIN cases c ON c.id = s.case_id
 WHERE s.at >= '{a}' AND s.at < '{b}' GROUP BY 1;
SELECT strftime('%Y-%m', r.referred_at, '+25200 seconds'), count(DISTINCT r.case_id) FROM case_referrals r
 JOIN cases c ON c.id = r.case_id WHERE r.referred_at >= '{a}' AND r.referred_at < '{b}' GROUP BY 1;
SELECT j.value, count(DISTINCT c.id) FROM cases c, json_each(c.violation_categories) j
 WHERE c.created_at >= '{a}' AND c.created_at < '{b}' GROUP BY 1;
SELECT product_group, count(*) FROM cases WHERE created_at >= '{a}' AND created_at < '{b}' GROUP BY 1;
SELECT referred_to, count(*) FROM case_referrals WHERE referred_at >= '{a}' AND referred_at < '{b}' GROUP BY 1;
SELECT channel, status, coalesce(outcome, ''), count(*) FROM tips
 WHERE received_at >= '{a}' AND received_at < '{b}' GROUP BY 1, 2, 3;
"""


def measured(cmd: list[str], runs: int) -> tuple[list[float], list[int]]:
    common.run_measured(cmd)  # warm the page cache
    walls, rss = [], []
    for _ in range(runs):
        r = common.run_measured(cmd)
        walls.append(r.wall * 1000)
        rss.append(r.maxrss_kib)
    return walls, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"sqlite3": "sqlite3"})
    binary = common.truyvet_binary()
    work = common.bench_tmpdir("truyvet-periodic-")
    try:
        ws = work / "ws"
        env_ws = ["--workspace", str(ws)]
        subprocess.run(
            [str(binary), *env_ws, "profile", "set", "--display-name", "Lãnh đạo Bench", "--agency", "QLTT",
             "--role", "supervisor"],
            check=True, stdout=subprocess.DEVNULL,
        )
        common.log(f"inserting {args.cases} cases with captures, identifiers, seals, referrals; 10,000 tips")
        counts = populate(ws / "truyvet.db", args.cases, random.Random(7))
        sqlite3.connect(ws / "truyvet.db").execute("ANALYZE").connection.close()
        start_load = common.loadavg()
        result = {"cases": args.cases, **counts, "runs": args.runs}
        for fmt in ("pdf", "xlsx"):
            out = work / f"report.{fmt}"
            cmd = [str(binary), *env_ws, "report", "build", "--preset", "3y", "--format", fmt, "--out", str(out)]
            first = json.loads(subprocess.run([*cmd[:3], "--json", *cmd[3:]], check=True,
                                              capture_output=True).stdout)
            walls, rss = measured(cmd, args.runs)
            result[fmt] = {
                "ms_median": round(statistics.median(walls), 1),
                "ms_min": round(min(walls), 1),
                "ms_max": round(max(walls), 1),
                "peak_rss_mib_median": round(statistics.median(rss) / 1024, 1),
                "bytes": out.stat().st_size,
            }
            result["cases_opened"] = first["figures"]["totals"]["cases_opened"]
            result["repeat_identifiers"] = first["figures"]["totals"]["repeat_identifiers"]
            period = (first["summary"]["from"], first["summary"]["to"])
        # The same bounds the report used (Vietnam days): start of `from`, start of the day after `to`.
        a = dt.datetime.fromisoformat(period[0]) - dt.timedelta(hours=7)
        b = dt.datetime.fromisoformat(period[1]) + dt.timedelta(days=1) - dt.timedelta(hours=7)
        sql = PEER_SQL.format(a=a.strftime("%Y-%m-%dT%H:%M:%S.000Z"), b=b.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        sql_file = work / "peer.sql"
        sql_file.write_text(sql)
        peer_cmd = ["sqlite3", "-readonly", str(ws / "truyvet.db"), f".read {sql_file}"]
        walls, rss = measured(peer_cmd, args.runs)
        result["sqlite3_aggregates"] = {
            "ms_median": round(statistics.median(walls), 1),
            "peak_rss_mib_median": round(statistics.median(rss) / 1024, 1),
        }
        result["loadavg_start"] = start_load
        result["loadavg_end"] = common.loadavg()
        result["binary"] = str(binary)
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
