#!/usr/bin/env python3
"""Benchmark 9: registry lookups per second and latency on one node, 1,000,000 identifiers.

For each store (SQLite, then PostgreSQL in a private cluster under the temp folder):

1. `lookup_load seed` (crates/registry/examples, release build) fills the store through
   the `Store` trait: cases of 1,000 phone numbers each, published with their log leaf
   and receipt as a real push would, plus an agency, a unit and an investigator token.
2. The release `truyvet-registry serve` starts on 127.0.0.1 (port 0) on that data.
3. `lookup_load drive` runs C clients, one keep-alive connection and one request in flight
   each, for D seconds: `GET /v1/lookup?value=…&kind=phone` of a random seeded number;
   every answer must be 200 with exactly one hit. Every lookup is audited by the server.
4. The peer, in the same run: the same query shape straight against the database, without
   HTTP, auth, normalization, audit or JSON: Python's sqlite3 module for SQLite (one
   connection per client thread), `pgbench -S`-style custom script for PostgreSQL.

Target (issue 6): >= 5,000 lookups/s with p99 < 10 ms on 2 cores.
Usage: python3 bench/registry_lookup.py [--identifiers N] [--clients C] [--seconds D]
       [--store sqlite|postgres|both] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from common import REPO, log  # noqa: E402

LOOKUP_SQL = (
    "SELECT i.kind, i.value, i.qualifier, c.agency, c.case_id, c.case_code, c.categories,"
    " c.sealed_at, u.agency, u.code, u.name, u.contact"
    " FROM identifiers i JOIN cases c ON c.case_id = i.case_id"
    " JOIN units u ON u.agency = c.agency AND u.code = c.unit"
    " WHERE i.family = {family} AND i.value = {value}"
    " ORDER BY c.sealed_at, c.case_id, i.id"
)


def target_dir() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target if target.is_absolute() else REPO / target


def build() -> tuple[Path, Path]:
    log("cargo build --release -p truyvet-registry --example lookup_load (and the binary)")
    subprocess.run(
        ["cargo", "build", "--release", "-p", "truyvet-registry", "--bins", "--example",
         "lookup_load"],
        cwd=REPO,
        check=True,
    )
    rel = target_dir() / "release"
    return rel / "truyvet-registry", rel / "examples" / "lookup_load"


def phone(n: int) -> str:
    return f"+849{n:08d}"


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(int(len(sorted_ms) * p), len(sorted_ms) - 1)]


# ---------------------------------------------------------------- PostgreSQL cluster


class Postgres:
    """A private cluster like tests/src/pg.rs: initdb in the temp folder, 127.0.0.1 at a
    free port, trust auth, run as `nobody` when we are root (PostgreSQL refuses root).
    Unlike the tests' cluster, fsync stays on: the registry's SQLite is synchronous=FULL."""

    def __init__(self, root: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            common.die("PostgreSQL server binaries missing: apt-get install postgresql")
        self.bin = bins[-1].parent
        root.mkdir(exist_ok=True)
        # mkdtemp makes the temp folder 0700; the server's user must reach its folder.
        for p in (root, root.parent):
            if p.name.startswith("truyvet-bench-") or p == root:
                os.chmod(p, 0o755)
        self.dir = root / "pg"
        self.dir.mkdir()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "nobody:nogroup", str(self.dir)], check=True)
            self.prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"postgres://truyvet@127.0.0.1:{self.port}/registry"

    def run(self, *cmd: str) -> None:
        subprocess.run([*self.prefix, *cmd], check=True, stdout=subprocess.DEVNULL,
                       cwd=self.dir)

    def start(self) -> None:
        data = self.dir / "data"
        self.run(str(self.bin / "initdb"), "-D", str(data), "-U", "truyvet", "-A", "trust",
                 "-E", "UTF8", "--locale=C")
        self.run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"),
                 "-w", "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
                 " -c max_connections=100 -c shared_buffers=256MB", "start")
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "truyvet",
                        "-d", "postgres", "-qc", "CREATE DATABASE registry"], check=True)

    def stop(self) -> None:
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=self.dir)


# ---------------------------------------------------------------- the server


def serve(registry: Path, data: Path, database: str | None) -> tuple[subprocess.Popen, str]:
    cmd = [str(registry), "--data", str(data)]
    if database:
        cmd += ["--database", database]
    cmd += ["serve", "--listen", "127.0.0.1:0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if "listening on" not in line:
        proc.kill()
        common.die(f"registry did not start: {line!r}")
    return proc, line.split("listening on", 1)[1].strip()


def drive(loader: Path, url: str, token: str, n: int, clients: int, seconds: int) -> dict:
    out = subprocess.run([str(loader), "drive", url, token, str(n), str(clients), str(seconds)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- the peers


def sqlite_peer(db: Path, n: int, clients: int, seconds: int) -> dict:
    sql = LOOKUP_SQL.format(family="?", value="?")
    deadline = time.monotonic() + seconds
    results: list[list[float]] = [[] for _ in range(clients)]

    def work(c: int) -> None:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)
        x = c * 7919
        lat = results[c]
        while time.monotonic() < deadline:
            x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            v = phone((x >> 11) % n)
            t = time.perf_counter()
            rows = conn.execute(sql, ("phone", v)).fetchall()
            lat.append((time.perf_counter() - t) * 1e3)
            assert len(rows) == 1, v
        conn.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(x for r in results for x in r)
    return {"lookups": len(lat), "per_second": round(len(lat) / seconds),
            "p50_ms": percentile(lat, 0.5), "p99_ms": percentile(lat, 0.99)}


def pgbench_peer(pg: Postgres, work: Path, n: int, clients: int, seconds: int) -> dict:
    script = work / "lookup.sql"
    script.write_text(
        f"\\set n random(0, {n - 1})\n"
        + LOOKUP_SQL.format(family="'phone'", value="'+849' || lpad(:n::text, 8, '0')")
        + ";\n"
    )
    out = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-h", "127.0.0.1", "-p", str(pg.port), "-U",
         "truyvet", "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds),
         "-f", str(script), "--log", "--log-prefix", str(work / "pgb"), "registry"],
        capture_output=True, text=True, cwd=work)
    if out.returncode != 0:
        common.die(f"pgbench failed: {out.stderr.strip()[-800:]}")
    lat: list[float] = []
    for f in work.glob("pgb*"):
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                lat.append(int(parts[2]) / 1000.0)
        f.unlink()
    lat.sort()
    tps = next((float(line.split("=")[1].split()[0]) for line in out.stdout.splitlines()
                if line.startswith("tps")), 0.0)
    return {"lookups": len(lat), "per_second": round(tps),
            "p50_ms": percentile(lat, 0.5) if lat else 0, "p99_ms": percentile(lat, 0.99) if lat else 0}


# ---------------------------------------------------------------- one store


def bench_store(kind: str, tmp: Path, registry: Path, loader: Path, args) -> dict:
    data = tmp / f"data-{kind}"
    pg = None
    database = None
    if kind == "postgres":
        pg = Postgres(tmp)
        pg.start()
        database = pg.url
    try:
        t = time.monotonic()
        seeded = subprocess.run(
            [str(loader), "seed", str(data), str(args.identifiers)] + ([database] if database else []),
            check=True, capture_output=True, text=True)
        token = seeded.stdout.strip().splitlines()[-1]
        seed_s = time.monotonic() - t
        log(f"{kind}: seeded {args.identifiers} identifiers in {seed_s:.1f} s")
        proc, url = serve(registry, data, database)
        try:
            drive(loader, url, token, args.identifiers, args.clients, 2)  # warm-up
            runs = [drive(loader, url, token, args.identifiers, args.clients, args.seconds)
                    for _ in range(args.runs)]
            rss = rss_kib(proc.pid)
            log(f"{kind}: server runs {[(r['per_second'], r['p99_ms']) for r in runs]}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        if kind == "sqlite":
            peer = sqlite_peer(data / "registry.db", args.identifiers, args.clients, args.seconds)
        else:
            assert pg is not None
            peer = pgbench_peer(pg, tmp, args.identifiers, args.clients, args.seconds)
        runs.sort(key=lambda r: r["per_second"])
        med = runs[len(runs) // 2]
        return {"store": kind, "seed_s": round(seed_s, 1), "runs": runs, "median": med,
                "server_peak_rss_mib": round(rss / 1024, 1), "peer": peer}
    finally:
        if pg:
            pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--identifiers", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"psql": "postgresql-client", "pgbench": "postgresql-client",
                         "setpriv": "util-linux"})
    registry, loader = build()
    tmp = common.bench_tmpdir("truyvet-bench-registry-lookup-")
    results = {"machine": common.machine(tmp), "load_start": common.loadavg(),
               "identifiers": args.identifiers, "clients": args.clients,
               "seconds": args.seconds, "stores": []}
    try:
        stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
        for kind in stores:
            r = bench_store(kind, tmp, registry, loader, args)
            results["stores"].append(r)
            m, p = r["median"], r["peer"]
            log(f"{kind}: {m['per_second']}/s p50 {m['p50_ms']:.2f} ms p99 {m['p99_ms']:.2f} ms"
                f" (runs {[x['per_second'] for x in r['runs']]}); peer {p['per_second']}/s"
                f" p99 {p['p99_ms']:.2f} ms")
    finally:
        results["load_end"] = common.loadavg()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
