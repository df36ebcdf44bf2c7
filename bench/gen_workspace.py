#!/usr/bin/env python3
"""Builds a large, valid TruyVết workspace quickly, for benchmarks.

The profile and every case are created by the real CLI (so their rows and
`case_created` events are exactly what the product writes). The evidence rows, their
`evidence_added` custody events and their blobs are then written directly with
Python's sqlite3, following crates/core/src/custody.rs and evidence.rs exactly:

  hash = SHA-256( "truyvet.custody.v1\\n" || u64be(seq)
                  || field(case_id) || field(actor) || field(at) || field(kind)
                  || field(payload) || field(prev_hash) ),  field(x) = u32be(len) || utf8(x)

with `payload` the compact, key-sorted JSON the core writes. The schema's own triggers
stay on (the chain must extend its head on every insert), and the caller is expected
to run `truyvet verify-workspace`, which re-hashes every blob and every chain.

Blobs are small (64–2,048 random bytes) and written without fsync; one `sync` at the
end makes the whole workspace durable. This is test data, never committed.

Usage: bench/gen_workspace.py DIR --truyvet BIN [--total 100000] [--big 10000]
                              [--items-per-case 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

DOMAIN = b"truyvet.custody.v1\n"
ACTOR = "Nguyễn Thị Bench"
FILES = [
    ("image/png", "ảnh chụp màn hình {n:05d}.png"),
    ("image/jpeg", "IMG_{n:05d}.jpg"),
    ("application/pdf", "hoa-don-{n:05d}.pdf"),
    ("video/mp4", "livestream-{n:05d}.mp4"),
    ("text/html", "trang-ban-hang-{n:05d}.html"),
]
PRODUCTS = ["mỹ phẩm", "điện thoại", "thực phẩm chức năng", "quần áo", "thuốc lá", "rượu"]


def event_hash(seq, case_id, actor, at, kind, payload, prev_hash) -> str:
    h = hashlib.sha256()
    h.update(DOMAIN)
    h.update(struct.pack(">Q", seq))
    for field in (case_id, actor, at, kind, payload, prev_hash):
        data = field.encode("utf-8")
        h.update(struct.pack(">I", len(data)))
        h.update(data)
    return h.hexdigest()


def canonical_json(value) -> str:
    """serde_json::to_string of a serde_json::Value: compact, keys sorted, UTF-8."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def uuid7(ms: int) -> str:
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def utc_millis(ms: int) -> str:
    t = dt.datetime.fromtimestamp(ms // 1000, tz=dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def cli(truyvet, ws, *args) -> str:
    out = subprocess.run(
        [str(truyvet), "--workspace", str(ws), *args], capture_output=True, text=True
    )
    if out.returncode != 0:
        sys.exit(f"truyvet {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def generate(ws: Path, truyvet: Path, total: int, big: int, per_case: int, log=print) -> dict:
    if (total - big) % per_case:
        sys.exit("--total minus --big must be a multiple of --items-per-case")
    n_cases = 1 + (total - big) // per_case
    started = time.monotonic()
    cli(truyvet, ws, "profile", "set", "--display-name", ACTOR, "--agency", "QLTT",
        "--unit", "Đội QLTT số 1", "--province", "HN")
    log(f"creating {n_cases} cases with the CLI")
    rng = random.Random(2026)
    for i in range(n_cases):
        product = PRODUCTS[i % len(PRODUCTS)]
        cli(truyvet, ws, "case", "new", "--title", f"Kinh doanh {product} không rõ nguồn gốc, điểm {i + 1}",
            "--product-group", product, "--category", "unknown_origin_goods", "--origin", "tip")

    db = sqlite3.connect(ws / "truyvet.db", isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA synchronous = OFF")  # test data; one `sync` at the end
    cases = db.execute("SELECT id, code FROM cases ORDER BY code").fetchall()
    assert len(cases) == n_cases, (len(cases), n_cases)
    big_case_id, big_code = cases[0]
    device = socket.gethostname()
    blobs = ws / "blobs"
    # Acquisition times: one item per millisecond, ending now.
    clock = int(time.time() * 1000) - total - 1000
    written = 0
    log(f"writing {total} evidence rows, their custody events and blobs")
    for index, (case_id, _code) in enumerate(cases):
        count = big if index == 0 else per_case
        seq, prev = db.execute(
            "SELECT seq, hash FROM custody_events WHERE case_id = ? ORDER BY seq DESC LIMIT 1",
            (case_id,),
        ).fetchone()
        db.execute("BEGIN IMMEDIATE")
        at = None
        for n in range(count):
            clock += 1
            at = utc_millis(clock)
            data = os.urandom(rng.randint(64, 2048))
            sha = hashlib.sha256(data).hexdigest()
            folder = blobs / sha[:2]
            folder.mkdir(exist_ok=True)
            fd = os.open(folder / sha, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            media_type, pattern = FILES[n % len(FILES)]
            name = pattern.format(n=n + 1)
            item = {
                "id": uuid7(clock),
                "case_id": case_id,
                "kind": "file",
                "sha256": sha,
                "size": len(data),
                "original_filename": name,
                "original_filename_hex": None,
                "media_type": media_type,
                "acquired_at": at,
                "acquired_by": ACTOR,
                "device": device,
                "source_path": f"/home/canbo/Tải xuống/{name}",
                "note": "thu thập khi tuần tra trực tuyến" if n % 10 == 0 else None,
            }
            db.execute(
                "INSERT INTO evidence (id, case_id, kind, sha256, size, original_filename, "
                "original_filename_hex, media_type, acquired_at, acquired_by, device, "
                "source_path, note) VALUES (:id, :case_id, :kind, :sha256, :size, "
                ":original_filename, :original_filename_hex, :media_type, :acquired_at, "
                ":acquired_by, :device, :source_path, :note)",
                item,
            )
            payload = canonical_json({
                "evidence_id": item["id"],
                "kind": item["kind"],
                "sha256": sha,
                "size": item["size"],
                "original_filename": name,
                "original_filename_hex": None,
                "media_type": media_type,
                "acquired_at": at,
                "device": device,
                "source_path": item["source_path"],
                "note": item["note"],
            })
            seq += 1
            h = event_hash(seq, case_id, ACTOR, at, "evidence_added", payload, prev)
            db.execute(
                "INSERT INTO custody_events (case_id, seq, actor, at, kind, payload, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (case_id, seq, ACTOR, at, "evidence_added", payload, prev, h),
            )
            prev = h
            written += 1
        db.execute("UPDATE cases SET updated_at = ? WHERE id = ?", (at, case_id))
        db.execute("COMMIT")
        if index % 100 == 0:
            log(f"  {written}/{total} rows")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    subprocess.run(["sync"], check=True)
    return {
        "cases": n_cases,
        "evidence": written,
        "big_case": big_code,
        "big_case_items": big,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Build a large TruyVết workspace for benchmarks.")
    parser.add_argument("dir", type=Path, help="new workspace folder (must not exist)")
    parser.add_argument("--truyvet", type=Path, required=True, help="the truyvet binary")
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--items-per-case", type=int, default=100)
    args = parser.parse_args()
    if args.dir.exists():
        sys.exit(f"{args.dir} already exists")
    summary = generate(args.dir, args.truyvet, args.total, args.big, args.items_per_case,
                       log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
