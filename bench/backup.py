#!/usr/bin/env python3
"""Benchmark 12: `truyvet backup` of a 5 GiB workspace against `tar -cf` and `cp -a`.

Set-up (untimed): a fresh workspace with one case and N files of random bytes added with
the release CLI (default 40 x 128 MiB = 5 GiB, plus 200 files of 64 KiB so the database
and blob count are not trivial); each source file is deleted once added, so the
workspace is the only copy.

Each iteration runs, in rotating order, after `sync` and with a cold page cache
(`echo 3 > /proc/sys/vm/drop_caches` when root, else warm and said so):
  - `truyvet backup --out B.tar`: SQLite backup API snapshot, every blob hashed and
    copied into one tar, manifest, fsync, rename;
  - `tar -cf T.tar -C WS . && sync T.tar` (the same bytes into one file, made durable,
    no hashing);
  - `cp -a WS C && sync -f C` (a plain folder copy, made durable).
Every output is deleted right after its run, so at most workspace + one copy (about
10 GiB) is on disk at once. MB/s = 10^6 bytes of the workspace folder per second.

Then the incremental case: a first `truyvet backup --out DIR/` (untimed), then per
iteration 10 new items (1 MiB each) added and a second backup into the same folder,
timed; the summary must say 10 blobs were copied.

Usage: bench/backup.py [--iterations N] [--files N] [--file-mib N] [--json FILE]
       TRUYVET_BIN=path/to/truyvet bench/backup.py   # time that build, no cargo
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

CASE = "BENCH-BK"


def tree_bytes(root: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def add_random_file(truyvet: Path, ws: Path, src: Path, size: int) -> None:
    with open(src, "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            f.write(os.urandom(n))
            left -= n
    subprocess.run(
        [str(truyvet), "--workspace", str(ws), "evidence", "add", str(src), "--case", CASE],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    src.unlink()


def drop_caches() -> bool:
    common.sync()
    if os.geteuid() != 0:
        return False
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--file-mib", type=int, default=128)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.iterations <= 10:
        common.die("--iterations must be between 1 and 10")

    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"tar": "tar", "cp": "coreutils"})
    truyvet = common.truyvet_binary()
    tmp = common.bench_tmpdir("truyvet-bench-backup-")
    need = 2 * args.files * args.file_mib * (1 << 20) + (2 << 30)
    if shutil.disk_usage(tmp).free < need:
        shutil.rmtree(tmp)
        common.die(f"needs {need >> 30} GiB free in {tmp.parent}")
    try:
        ws = tmp / "ws"
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
        common.log(f"making the workspace: {args.files} x {args.file_mib} MiB + 200 x 64 KiB")
        for i in range(args.files):
            add_random_file(truyvet, ws, tmp / f"src-{i}.bin", args.file_mib << 20)
        small = tmp / "small"
        small.mkdir()
        for i in range(200):
            (small / f"s{i}.bin").write_bytes(os.urandom(64 << 10))
        subprocess.run(
            base + ["evidence", "add", "--case", CASE, *[str(p) for p in sorted(small.iterdir())]],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(small)
        size = tree_bytes(ws)
        info = common.machine(tmp)
        common.log(f"workspace: {size / 1e9:.2f} GB; machine: {info}")

        out_tar = tmp / "backup.tar"
        peer_tar = tmp / "peer.tar"
        peer_cp = tmp / "peer-cp"
        commands = {
            "truyvet backup --out FILE": base + ["--json", "backup", "--out", str(out_tar)],
            "tar -cf + sync": ["sh", "-c", f"tar -cf '{peer_tar}' -C '{ws}' . && sync '{peer_tar}'"],
            "cp -a + sync -f": ["sh", "-c", f"cp -a '{ws}' '{peer_cp}' && sync -f '{peer_cp}'"],
        }
        cleanup = {
            "truyvet backup --out FILE": lambda: out_tar.unlink(),
            "tar -cf + sync": lambda: peer_tar.unlink(),
            "cp -a + sync -f": lambda: shutil.rmtree(peer_cp),
        }
        names = list(commands)
        runs: dict[str, list[float]] = {n: [] for n in names}
        cold = True
        for it in range(args.iterations):
            order = names[it % len(names) :] + names[: it % len(names)]
            for name in order:
                cold = drop_caches() and cold
                run = common.run_measured(commands[name])
                runs[name].append(run.wall)
                common.log(f"iteration {it + 1} {name}: {run.wall:.1f} s ({size / run.wall / 1e6:.0f} MB/s)")
                if name.startswith("truyvet") and it == 0:
                    check = subprocess.run(
                        [str(truyvet), "backup", "verify", str(out_tar)], capture_output=True, text=True
                    )
                    if check.returncode != 0:
                        common.die(f"the backup does not verify: {check.stderr}")
                cleanup[name]()

        # Incremental: a first snapshot, then 10 new items and a second one, per iteration.
        folder = tmp / "usb"
        folder.mkdir()
        drop_caches()
        first = common.run_measured(base + ["backup", "--out", str(folder)])
        common.log(f"first folder backup: {first.wall:.1f} s")
        incremental: list[float] = []
        summary_file = tmp / "summary.json"
        for it in range(args.iterations):
            for i in range(10):
                add_random_file(truyvet, ws, tmp / f"new-{it}-{i}.bin", 1 << 20)
            drop_caches()
            with open(summary_file, "w") as out:
                run = common.run_measured(base + ["--json", "backup", "--out", str(folder)], stdout=out)
            copied = json.loads(summary_file.read_text())["blobs_copied"]
            if copied != 10:
                common.die(f"expected 10 new blobs copied, got {copied}")
            incremental.append(run.wall)
            common.log(f"incremental {it + 1}: {run.wall:.2f} s, {copied} blobs copied")
        shutil.rmtree(folder)

        figures = {
            "workspace_bytes": size,
            "cold_cache": cold,
            "machine": info,
            "load": common.loadavg(),
            "full": {
                n: {
                    "median_s": common.median(v),
                    "median_mb_s": size / common.median(v) / 1e6,
                    "runs_s": v,
                }
                for n, v in runs.items()
            },
            "incremental_10_items": {
                "first_s": first.wall,
                "median_s": common.median(incremental),
                "runs_s": incremental,
            },
        }
        print(json.dumps(figures, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
