#!/usr/bin/env python3
"""Benchmark 1: adding a 1 GiB file as evidence, against `sha256sum` of the same file.

Each iteration runs every command once, interleaved so that all see the same machine
load, each with a warm page cache (the source is read just before) after a `sync`:
  - `truyvet evidence add BIG --case BENCH-1` into a fresh workspace (profile + case, so
    dedupe cannot short-circuit): hash + durable copy in one pass (temp file, fsync,
    rename, fsync directory, then the database row and its custody event);
  - `sha256sum BIG`: the target is ≥ 0.8× its speed;
  - reference points, not targets: `openssl dgst -sha256` (hash only, with the CPU's
    SHA extensions) and `dd bs=1M conv=fsync` (durable copy only, no hash);
  - with --baseline BIN, the same add with another build (before/after a change).
The order rotates every iteration, so each command follows each other equally often
(on a shared VM a run is slowed by what ran just before it); every 1 GiB output is
deleted right after its run. The first add's blob is checked: present, right size,
hashes to its name.

Medians over the iterations, MB/s = 10^6 bytes per second, peak RSS from
`/usr/bin/time -v`. The file and all workspaces live in one temp folder on a disk
(`$BENCH_TMPDIR`, default /var/tmp) and are removed at the end, also on Ctrl-C.

Usage: bench/add_file.py [--iterations N] [--size-mib N] [--json FILE] [--baseline BIN]
       TRUYVET_BIN=path/to/truyvet bench/add_file.py   # time that build, no cargo
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

CASE = "BENCH-1"


def make_file(path, size_mib: int) -> None:
    """Incompressible bytes, written once per run (never committed)."""
    common.log(f"writing {size_mib} MiB of random bytes to {path}")
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))
        f.flush()
        os.fsync(f.fileno())


def warm(path) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 22):
            pass


def check_stored(big, ws, size: int) -> None:
    """The stored copy must be the file, byte for byte, under its hash."""
    digest = subprocess.run(["sha256sum", str(big)], capture_output=True, text=True, check=True)
    sha = digest.stdout.split()[0]
    stored = ws / "blobs" / sha[:2] / sha
    if not stored.is_file() or stored.stat().st_size != size:
        common.die(f"the blob {stored} is missing or has the wrong size")
    copy = subprocess.run(["sha256sum", str(stored)], capture_output=True, text=True, check=True)
    if copy.stdout.split()[0] != sha:
        common.die(f"the blob {stored} does not hash to its name")


def fresh_workspace(truyvet, ws) -> None:
    shutil.rmtree(ws, ignore_errors=True)
    base = [str(truyvet), "--workspace", str(ws)]
    subprocess.run(
        base + ["profile", "set", "--display-name", "Bench", "--agency", "QLTT", "--province", "HN"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        base + ["case", "new", "--title", "Benchmark", "--code", CASE],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--baseline", metavar="BIN", help="another truyvet build to time in the same run (before/after)"
    )
    args = parser.parse_args()
    if not 1 <= args.iterations <= 50:
        common.die("--iterations must be between 1 and 50")

    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"sha256sum": "coreutils", "openssl": "openssl", "/usr/bin/time": "time"})
    truyvet = common.truyvet_binary()
    tmp = common.bench_tmpdir("truyvet-bench-add-")
    try:
        big = tmp / "big.bin"
        ws = tmp / "ws"
        out = tmp / "dd.out"
        size = args.size_mib << 20
        make_file(big, args.size_mib)
        info = common.machine(tmp)
        common.log(f"machine: {info}")

        def add_cmd(binary):
            return [str(binary), "--workspace", str(ws), "evidence", "add", str(big), "--case", CASE]

        peers = {
            "sha256sum": ["sha256sum", str(big)],
            "openssl dgst -sha256": ["openssl", "dgst", "-sha256", str(big)],
            "dd conv=fsync": ["dd", f"if={big}", f"of={out}", "bs=1M", "conv=fsync", "status=none"],
        }
        adds = {"truyvet evidence add": truyvet}
        if args.baseline:
            adds["baseline evidence add"] = Path(args.baseline).resolve()
        # Every big output file is deleted right after its run.
        order = ["truyvet evidence add", "openssl dgst -sha256"]
        if args.baseline:
            order.append("baseline evidence add")
        order += ["dd conv=fsync", "sha256sum"]
        runs: dict[str, list[common.Run]] = {name: [] for name in order}
        stored_ok = False

        def run_step(name: str, measure):
            nonlocal stored_ok
            if name in adds:
                fresh_workspace(adds[name], ws)
                common.sync()
                warm(big)
                result = measure(add_cmd(adds[name]))
                if not stored_ok:
                    check_stored(big, ws, size)
                    stored_ok = True
                shutil.rmtree(ws)
            else:
                common.sync()
                warm(big)
                result = measure(peers[name])
                out.unlink(missing_ok=True)
            return result

        for i in range(args.iterations):
            # Rotate the order so each command follows each other equally often: on
            # this kind of VM a run is measurably slowed by whatever ran just before.
            for name in order[i % len(order):] + order[: i % len(order)]:
                runs[name].append(run_step(name, common.run_measured))
            line = "  ".join(f"{k}: {v[-1].wall:.3f}s" for k, v in runs.items())
            common.log(f"iteration {i + 1}/{args.iterations}: {line}")
        # Peak memory, measured the conventional way on one more run each.
        rss = {name: run_step(name, common.time_v_maxrss) for name in order}
        common.sync()

        figures = {}
        for name, rs in runs.items():
            wall = common.median([r.wall for r in rs])
            figures[name] = {
                "median_s": round(wall, 3),
                "min_s": round(min(r.wall for r in rs), 3),
                "max_s": round(max(r.wall for r in rs), 3),
                "mb_per_s": round(size / wall / 1e6, 1),
                "cpu_s_median": round(common.median([r.user + r.sys for r in rs]), 3),
                "maxrss_kib_time_v": rss[name],
                "maxrss_kib_all_runs": max(r.maxrss_kib for r in rs),
            }
        ours = figures["truyvet evidence add"]["mb_per_s"]
        ratio = ours / figures["sha256sum"]["mb_per_s"]
        if args.baseline:
            base = figures["baseline evidence add"]["mb_per_s"]
            figures["baseline evidence add"]["speedup_of_ours"] = round(ours / base, 2)
        result = {
            "benchmark": "add_file",
            "size_bytes": size,
            "iterations": args.iterations,
            "truyvet": str(truyvet),
            "machine": info,
            "loadavg_end": common.loadavg(),
            "figures": figures,
            "ratio_vs_sha256sum": round(ratio, 2),
            "target": ">= 0.8",
            "meets_target": ratio >= 0.8,
        }
        print_report(result)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2, ensure_ascii=False)
        return 0 if result["meets_target"] else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_report(r: dict) -> None:
    m = r["machine"]
    print(f"## Adding a {r['size_bytes'] >> 20} MiB file ({r['iterations']} iterations, warm cache)")
    print()
    print(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB RAM, {m['disk']},")
    print(f"Linux {m['kernel']}; load average at start {m['loadavg']}, at end {r['loadavg_end']}.")
    print()
    print("| command | median s | min–max s | MB/s | CPU s | peak RSS (time -v) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, f in r["figures"].items():
        print(
            f"| `{name}` | {f['median_s']:.3f} | {f['min_s']:.2f}–{f['max_s']:.2f} | "
            f"{f['mb_per_s']:.0f} | {f['cpu_s_median']:.2f} | {f['maxrss_kib_time_v'] / 1024:.1f} MiB |"
        )
    print()
    if "baseline evidence add" in r["figures"]:
        speedup = r["figures"]["baseline evidence add"]["speedup_of_ours"]
        print(f"Against the baseline build: {speedup:.2f}× its MB/s.")
        print()
    verdict = "meets" if r["meets_target"] else "MISSES"
    print(
        f"Ratio (our MB/s ÷ sha256sum MB/s): **{r['ratio_vs_sha256sum']:.2f}×** "
        f"— {verdict} the target of ≥ 0.8×."
    )


if __name__ == "__main__":
    sys.exit(main())
