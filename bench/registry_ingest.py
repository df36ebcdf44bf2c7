#!/usr/bin/env python3
"""Benchmark 10: registry ingest of sealed 1 MiB bundles per second, fully verified.

1. The release CLI makes N sealed cases in one workspace (an investigator and a
   supervisor profile; each case holds one imported file of random bytes, sized so the
   exported bundle is about 1 MiB; edit, submit, approve, seal) and exports each with
   `truyvet export CODE --out CODE.wacz`. Untimed.
2. The release `truyvet-registry serve` starts on 127.0.0.1 (port 0) on a fresh data
   folder (SQLite; `--store postgres` for a private PostgreSQL cluster), with the agency
   of the cases, a unit and an investigator token made by its admin commands.
3. Timed: C pushers (threads, one keep-alive connection each) push every bundle through
   the HTTP API as the sync client does: `POST /v1/uploads` (size, SHA-256), one
   `PUT /v1/uploads/{id}?offset=0` with the whole bundle, `POST …/finish`, which verifies
   the bundle with the CLI's verifier, publishes it and answers the signed receipt. Each
   receipt must name its case and log index; the indexes must be 0..N-1 exactly.
4. The peer, in the same run: `truyvet verify B.wacz` of the same bundles, C processes at a
   time. The registry runs the same verifier, so it cannot be faster than this.

Target (issue 6): >= 50 bundles/s.
Usage: python3 bench/registry_ingest.py [--cases N] [--concurrency C] [--store sqlite|postgres]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import REPO, log  # noqa: E402
from export_verify import INV_PASS, SUP_PASS, tv  # noqa: E402
from registry_lookup import Postgres, serve, target_dir  # noqa: E402

# The imported file; the bundle adds the PDF report, CASE/UCO, custody log and manifests.
FILE_BYTES = 1024 * 1024 - 58 * 1024


def build() -> tuple[Path, Path]:
    log("cargo build --release -p truyvet-registry -p truyvet-cli")
    subprocess.run(["cargo", "build", "--release", "-p", "truyvet-registry", "-p",
                    "truyvet-cli"], cwd=REPO, check=True)
    rel = target_dir() / "release"
    return rel / "truyvet-registry", rel / "truyvet"


def make_bundles(truyvet: Path, tmp: Path, n: int) -> list[Path]:
    ws = tmp / "ws"
    out = tmp / "bundles"
    out.mkdir()
    tv(truyvet, ws, "profile", "set", "--display-name", "Trần Văn Điều Tra", "--agency", "QLTT",
       "--province", "HN", passphrase=INV_PASS)
    tv(truyvet, ws, "profile", "add", "--name", "kiem-soat", "--display-name", "Lê Thị Kiểm Soát",
       "--agency", "QLTT", "--province", "HN", "--role", "supervisor", passphrase=SUP_PASS)
    codes = []
    for i in range(n):
        tv(truyvet, ws, "profile", "use", "tran-van-dieu-tra")
        code = json.loads(tv(truyvet, ws, "case", "new", "--title", f"Hồ sơ nạp thử {i + 1}"))["code"]
        src = tmp / "bang-chung.bin"
        src.write_bytes(os.urandom(FILE_BYTES))
        tv(truyvet, ws, "evidence", "add", str(src), "--case", code)
        tv(truyvet, ws, "case", "edit", code, "--category", "counterfeit_goods", "--product-group",
           "Đồng hồ", "--legal-basis", "Nghị định 98/2020/NĐ-CP", "--measures", "Xử phạt")
        tv(truyvet, ws, "case", "submit", code, passphrase=INV_PASS)
        codes.append(code)
    tv(truyvet, ws, "profile", "use", "kiem-soat")
    bundles = []
    for code in codes:
        tv(truyvet, ws, "case", "approve", code, passphrase=SUP_PASS)
        tv(truyvet, ws, "case", "seal", code, passphrase=SUP_PASS)
        bundle = out / f"{code}.wacz"
        tv(truyvet, ws, "export", code, "--out", str(bundle))
        bundles.append(bundle)
    shutil.rmtree(ws)
    return bundles


def admin(registry: Path, data: Path, database: str | None, *args: str) -> str:
    cmd = [str(registry), "--data", str(data), "--json"]
    if database:
        cmd += ["--database", database]
    return subprocess.run(cmd + list(args), check=True, capture_output=True, text=True).stdout


class Pusher:
    """One keep-alive HTTP/1.1 connection, as one sync client holds."""

    def __init__(self, url: str, token: str):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        self.auth = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: bytes | None, ctype: str) -> dict:
        self.conn.request(method, path, body=body, headers={**self.auth, "Content-Type": ctype})
        res = self.conn.getresponse()
        data = res.read()
        if res.status not in (200, 201):
            raise RuntimeError(f"{method} {path}: {res.status} {data[:300]!r}")
        return json.loads(data)

    def push(self, bundle: bytes) -> dict:
        sha = hashlib.sha256(bundle).hexdigest()
        up = self.call("POST", "/v1/uploads",
                       json.dumps({"size": len(bundle), "sha256": sha}).encode(), "application/json")
        uid = up["upload_id"]
        self.call("PUT", f"/v1/uploads/{uid}?offset=0", bundle, "application/octet-stream")
        return self.call("POST", f"/v1/uploads/{uid}/finish", b"", "application/json")


def push_all(url: str, token: str, bundles: list[Path], concurrency: int) -> tuple[float, list[dict]]:
    data = [b.read_bytes() for b in bundles]
    pushers = [Pusher(url, token) for _ in range(concurrency)]
    slices = [list(range(i, len(data), concurrency)) for i in range(concurrency)]

    def work(k: int) -> list[dict]:
        return [pushers[k].push(data[i]) for i in slices[k]]

    t = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        receipts = [r for part in pool.map(work, range(concurrency)) for r in part]
    return time.monotonic() - t, receipts


def verify_all(truyvet: Path, bundles: list[Path], concurrency: int) -> float:
    def one(b: Path) -> None:
        out = subprocess.run([str(truyvet), "verify", str(b)], capture_output=True)
        if out.returncode != 0:
            raise RuntimeError(f"verify {b}: {out.stderr[-300:]!r}")

    t = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, bundles))
    return time.monotonic() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    common.exit_cleanly_on_sigterm()
    registry, truyvet = build()
    tmp = common.bench_tmpdir("truyvet-bench-registry-ingest-")
    results: dict = {"machine": common.machine(tmp), "load_start": common.loadavg(),
                     "cases": args.cases, "concurrency": args.concurrency, "store": args.store}
    try:
        t = time.monotonic()
        bundles = make_bundles(truyvet, tmp, args.cases)
        sizes = [b.stat().st_size for b in bundles]
        results["bundle_bytes_median"] = sorted(sizes)[len(sizes) // 2]
        log(f"{len(bundles)} sealed bundles (median {results['bundle_bytes_median']} bytes)"
            f" made in {time.monotonic() - t:.0f} s")
        for b in bundles:
            with open(b, "rb") as f:
                f.read()
        ingest, verify = [], []
        for run in range(args.runs):
            pg = None
            database = None
            data = tmp / f"data-{run}"
            if args.store == "postgres":
                pg = Postgres(tmp / f"pg-{run}")
                pg.start()
                database = pg.url
            try:
                admin(registry, data, database, "agency", "add", "QLTT", "--name", "Quản lý thị trường")
                admin(registry, data, database, "unit", "add", "--agency", "QLTT", "DOI1",
                      "--name", "Đội 1", "--contact", "0243")
                token = json.loads(admin(registry, data, database, "token", "issue", "--agency",
                                         "QLTT", "--unit", "DOI1", "--role", "investigator"))["secret"]
                proc, url = serve(registry, data, database)
                try:
                    secs, receipts = push_all(url, token, bundles, args.concurrency)
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                indexes = sorted(r["leaf_index"] for r in receipts)
                if indexes != list(range(len(bundles))):
                    common.die(f"receipts name log indexes {indexes[:5]}…, not 0..{len(bundles) - 1}")
                ingest.append(len(bundles) / secs)
                verify.append(len(bundles) / verify_all(truyvet, bundles, args.concurrency))
                log(f"run {run + 1}: ingest {ingest[-1]:.1f}/s, truyvet verify {verify[-1]:.1f}/s")
            finally:
                if pg:
                    pg.stop()
                shutil.rmtree(data, ignore_errors=True)
        results["ingest_per_s"] = [round(x, 1) for x in ingest]
        results["verify_per_s"] = [round(x, 1) for x in verify]
        results["ingest_median"] = round(sorted(ingest)[len(ingest) // 2], 1)
        results["verify_median"] = round(sorted(verify)[len(verify) // 2], 1)
    finally:
        results["load_end"] = common.loadavg()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
