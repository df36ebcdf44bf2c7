#!/usr/bin/env python3
"""Benchmark 11: adding a 1 GiB file with encryption at rest on vs off, in the same run.

Each iteration runs, in an order that rotates, with a warm page cache after a `sync`:
  - `truyvet evidence add BIG --case BENCH-1` into a fresh unencrypted workspace;
  - the same into a fresh encrypted workspace (`workspace init --encrypt`, passphrase
    from TRUYVET_WORKSPACE_PASSPHRASE): SHA-256 of the plaintext, AES-256-GCM segments
    written by the pipelined writer, fsync, rename, and the SQLCipher row;
  - `truyvet case list` on each workspace, which costs what every command costs
    before its work: start-up and, encrypted, unlocking (argon2id, once per command).
The target is an encrypted add at >= 0.7x the unencrypted one's speed. The ratio is given
twice: for the whole commands, and for the add's own work (each add's median wall time
less its workspace's `case list` median), since the unlock is a fixed cost per command,
not per byte. After the first encrypted add, the blob is checked to hold no plaintext
(its first MiB is not in it) and `verify-workspace` to pass.

Medians over the iterations, MB/s = 10^6 bytes per second. Everything lives in one temp
folder on a disk (`$BENCH_TMPDIR`, default /var/tmp), removed at the end, also on Ctrl-C.

Usage: bench/add_encrypted.py [--iterations N] [--size-mib N] [--json FILE]
       TRUYVET_BIN=path/to/truyvet bench/add_encrypted.py   # time that build, no cargo
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
from add_file import CASE, make_file, warm  # noqa: E402

PASSPHRASE = "mat khau benchmark 2026"


def env_for(encrypted: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TRUYVET_HOME", None)
    if encrypted:
        env["TRUYVET_WORKSPACE_PASSPHRASE"] = PASSPHRASE
    else:
        env.pop("TRUYVET_WORKSPACE_PASSPHRASE", None)
    return env


def fresh_workspace(truyvet: Path, ws: Path, encrypted: bool) -> None:
    shutil.rmtree(ws, ignore_errors=True)
    base = [str(truyvet), "--workspace", str(ws)]
    env = env_for(encrypted)
    init = ["workspace", "init"] + (["--encrypt"] if encrypted else [])
    for args in (
        init,
        ["profile", "set", "--display-name", "Bench", "--agency", "QLTT", "--province", "HN"],
        ["case", "new", "--title", "Benchmark", "--code", CASE],
    ):
        subprocess.run(base + args, check=True, stdout=subprocess.DEVNULL, env=env)


def check_encrypted(truyvet: Path, big: Path, ws: Path) -> None:
    """The encrypted blob holds no plaintext, and the workspace verifies."""
    with open(big, "rb") as f:
        head = f.read(1 << 20)
    blobs = [p for p in (ws / "blobs").rglob("*") if p.is_file() and p.parent.name != "tmp"]
    if len(blobs) != 1:
        common.die(f"expected one blob in {ws}, found {len(blobs)}")
    with open(blobs[0], "rb") as f:
        if f.read(8) != b"TRUYVETB":
            common.die("the stored blob has no encryption header")
        probe = head[4096:4096 + 64]
        chunk = f.read(4 << 20)
        if probe in chunk:
            common.die("plaintext found in the encrypted blob")
    subprocess.run(
        [str(truyvet), "--workspace", str(ws), "verify-workspace"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env_for(True),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--iterations", type=int, default=7)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.iterations <= 50:
        common.die("--iterations must be between 1 and 50")

    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"sha256sum": "coreutils"})
    truyvet = common.truyvet_binary()
    tmp = common.bench_tmpdir("truyvet-bench-encrypted-")
    try:
        big = tmp / "big.bin"
        size = args.size_mib << 20
        make_file(big, args.size_mib)
        info = common.machine(tmp)
        common.log(f"machine: {info}")
        spaces = {"plain": (tmp / "ws-plain", False), "encrypted": (tmp / "ws-enc", True)}
        steps = ["add plain", "add encrypted", "case list plain", "case list encrypted"]
        runs: dict[str, list[common.Run]] = {name: [] for name in steps}
        checked = False

        def run_step(name: str):
            nonlocal checked
            kind = name.split()[-1]
            ws, encrypted = spaces[kind]
            env = env_for(encrypted)
            base = [str(truyvet), "--workspace", str(ws)]
            if name.startswith("add"):
                fresh_workspace(truyvet, ws, encrypted)
                common.sync()
                warm(big)
                result = run_env(base + ["evidence", "add", str(big), "--case", CASE], env)
                if encrypted and not checked:
                    check_encrypted(truyvet, big, ws)
                    checked = True
                shutil.rmtree(ws)
            else:
                if not ws.exists():
                    fresh_workspace(truyvet, ws, encrypted)
                common.sync()
                result = run_env(base + ["case", "list"], env)
            return result

        for i in range(args.iterations):
            for name in steps[i % len(steps):] + steps[: i % len(steps)]:
                runs[name].append(run_step(name))
            line = "  ".join(f"{k}: {v[-1].wall:.3f}s" for k, v in runs.items())
            common.log(f"iteration {i + 1}/{args.iterations}: {line}")

        figures = {}
        for name, rs in runs.items():
            wall = common.median([r.wall for r in rs])
            figures[name] = {
                "median_s": round(wall, 3),
                "min_s": round(min(r.wall for r in rs), 3),
                "max_s": round(max(r.wall for r in rs), 3),
                "cpu_s_median": round(common.median([r.user + r.sys for r in rs]), 3),
                "maxrss_kib": max(r.maxrss_kib for r in rs),
            }
        for kind in ("plain", "encrypted"):
            f = figures[f"add {kind}"]
            f["mb_per_s"] = round(size / f["median_s"] / 1e6, 1)
            net = f["median_s"] - figures[f"case list {kind}"]["median_s"]
            f["net_s"] = round(net, 3)
            f["net_mb_per_s"] = round(size / net / 1e6, 1)
        plain, enc = figures["add plain"], figures["add encrypted"]
        ratio_whole = enc["mb_per_s"] / plain["mb_per_s"]
        ratio_net = enc["net_mb_per_s"] / plain["net_mb_per_s"]
        result = {
            "benchmark": "add_encrypted",
            "size_bytes": size,
            "iterations": args.iterations,
            "truyvet": str(truyvet),
            "machine": info,
            "loadavg_end": common.loadavg(),
            "figures": figures,
            "ratio_whole_command": round(ratio_whole, 2),
            "ratio_add_work": round(ratio_net, 2),
            "target": ">= 0.7",
            "meets_target": ratio_net >= 0.7,
        }
        print_report(result)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2, ensure_ascii=False)
        return 0 if result["meets_target"] else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_env(cmd: list[str], env: dict[str, str]) -> common.Run:
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return common.run_measured(cmd)
    finally:
        os.environ.clear()
        os.environ.update(old)


def print_report(r: dict) -> None:
    m = r["machine"]
    print(f"## Adding a {r['size_bytes'] >> 20} MiB file, encryption on vs off "
          f"({r['iterations']} iterations, warm cache)")
    print()
    print(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB RAM, {m['disk']},")
    print(f"Linux {m['kernel']}; load average at start {m['loadavg']}, at end {r['loadavg_end']}.")
    print()
    print("| command | median s | min–max s | MB/s | CPU s | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, f in r["figures"].items():
        mbs = f"{f['mb_per_s']:.0f}" if "mb_per_s" in f else "–"
        print(
            f"| `{name}` | {f['median_s']:.3f} | {f['min_s']:.2f}–{f['max_s']:.2f} | "
            f"{mbs} | {f['cpu_s_median']:.2f} | {f['maxrss_kib'] / 1024:.1f} MiB |"
        )
    print()
    for kind in ("plain", "encrypted"):
        f = r["figures"][f"add {kind}"]
        print(f"- add {kind}, less `case list`: {f['net_s']:.3f} s = {f['net_mb_per_s']:.0f} MB/s")
    print()
    verdict = "meets" if r["meets_target"] else "MISSES"
    print(
        f"Encrypted ÷ unencrypted: **{r['ratio_add_work']:.2f}×** for the add's own work "
        f"({r['ratio_whole_command']:.2f}× whole commands, unlock included) — {verdict} the "
        f"target of ≥ 0.7×."
    )


if __name__ == "__main__":
    sys.exit(main())
