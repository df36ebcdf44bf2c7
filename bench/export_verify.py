#!/usr/bin/env python3
"""Benchmark 8: export and verify of a sealed case holding 2 GiB of evidence, against
`sha256sum` over the same evidence files.

The case is built through the release CLI, as an investigator and a supervisor would
(two profiles with keys, `TRUYVET_PASSPHRASE`): a few large imported files of random
bytes (`truyvet evidence add`), a few HTTP captures of generated pages served on
127.0.0.1 (so the bundle has WARCs), then submit, approve and seal. Each iteration then
runs, in an order that rotates, with the page cache warm (`sync`, then the inputs read
once):
  - `truyvet export CODE --out B.wacz`: the whole bundle (WARCs, index, imported files,
    case data, CASE/UCO, PDF report), written beside its destination, fsynced, renamed;
  - `truyvet verify B.wacz`: extraction into a staging folder with every hash, the
    manifest, WARC digests, index, custody chain, signatures;
  - `sha256sum` over the evidence blobs (the same bytes the export reads): the peer.
The target is ≥ 0.8× sha256sum's MB/s for each of export and verify (MB/s = 10^6 bytes of
evidence per second). Peak RSS comes from `/usr/bin/time -v` on one more run of each, for
this case and for a second case of a quarter of the size, to show memory does not grow
with the evidence. With --baseline BIN, another build's export and verify are timed in the
same rotation (before/after a change).

Everything lives in one temp folder on a disk (`$BENCH_TMPDIR`, default /var/tmp) that is
removed at the end, also on Ctrl-C. Traffic stays on 127.0.0.1.

Usage: bench/export_verify.py [--size-mib 2048] [--files 4] [--captures 3] [--runs 5]
                              [--small-mib 512] [--json FILE] [--baseline BIN]
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
import loopback_site  # noqa: E402

INV_PASS = "mật khẩu điều tra"
SUP_PASS = "mật khẩu kiểm soát"


def tv(binary: Path, ws: Path, *args: str, passphrase: str | None = None) -> str:
    env = dict(os.environ)
    env.pop("TRUYVET_PASSPHRASE", None)
    if passphrase is not None:
        env["TRUYVET_PASSPHRASE"] = passphrase
    out = subprocess.run(
        [str(binary), "--workspace", str(ws), "--json", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        common.die(f"truyvet {' '.join(args)} failed ({out.returncode}): {out.stderr.strip()[-800:]}")
    return out.stdout


def random_file(path: Path, size_mib: int) -> None:
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))


def sealed_case(binary: Path, tmp: Path, name: str, size_mib: int, files: int, urls: list[str]) -> dict:
    """A sealed case with `files` imported files of `size_mib` MiB in all, plus a capture
    of each URL. Returns the workspace, case code and the evidence blob paths."""
    ws = tmp / f"ws-{name}"
    tv(binary, ws, "profile", "set", "--display-name", "Trần Văn Điều Tra", "--agency", "QLTT",
       "--province", "HN", passphrase=INV_PASS)
    tv(binary, ws, "profile", "add", "--name", "kiem-soat", "--display-name", "Lê Thị Kiểm Soát",
       "--agency", "QLTT", "--province", "HN", "--role", "supervisor", passphrase=SUP_PASS)
    tv(binary, ws, "profile", "use", "tran-van-dieu-tra")
    code = json.loads(tv(binary, ws, "case", "new", "--title", f"Hồ sơ đo hiệu năng {name}"))["code"]
    tv(binary, ws, "config", "set", "capture.allow", "127.0.0.1")
    if urls:
        tv(binary, ws, "capture", *urls, "--case", code)
    blobs = []
    per_file = size_mib // files
    for i in range(files):
        src = tmp / f"bang-chung-{i + 1}.bin"
        random_file(src, per_file)
        line = json.loads(tv(binary, ws, "evidence", "add", str(src), "--case", code).splitlines()[0])
        sha = line.get("sha256") or line.get("evidence", {}).get("sha256")
        blobs.append(ws / "blobs" / sha[:2] / sha)
        src.unlink()  # the blob is the same bytes; disk is limited
    tv(binary, ws, "case", "edit", code, "--category", "counterfeit_goods", "--product-group",
       "Đồng hồ", "--legal-basis", "Nghị định 98/2020/NĐ-CP", "--measures", "Xử phạt")
    tv(binary, ws, "case", "submit", code, passphrase=INV_PASS)
    tv(binary, ws, "profile", "use", "kiem-soat")
    tv(binary, ws, "case", "approve", code, passphrase=SUP_PASS)
    tv(binary, ws, "case", "seal", code, passphrase=SUP_PASS)
    for b in blobs:
        if not b.is_file():
            common.die(f"evidence blob {b} is missing")
    return {"ws": ws, "code": code, "blobs": blobs, "bytes": sum(b.stat().st_size for b in blobs)}


def warm(paths: list[Path]) -> None:
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--captures", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small-mib", type=int, default=512, help="the second case, for peak RSS (0: none)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--baseline", metavar="BIN", help="another truyvet build timed in the same run")
    args = parser.parse_args()
    if not 1 <= args.runs <= 20 or args.files < 1 or args.size_mib < args.files:
        common.die("--runs must be 1–20 and --size-mib at least --files")

    common.exit_cleanly_on_sigterm()
    common.ensure_tools({"sha256sum": "coreutils", "/usr/bin/time": "time"})
    truyvet = common.truyvet_binary()
    tmp = common.bench_tmpdir("truyvet-bench-export-")
    server = None
    try:
        info = common.machine(tmp)
        common.log(f"machine: {info}")
        site = tmp / "site"
        paths = loopback_site.generate(site, max(args.captures, 1))
        server, port = loopback_site.start_server(site)
        urls = [f"http://127.0.0.1:{port}{p}" for p in paths[: args.captures]]
        common.log(f"building the {args.size_mib} MiB case ({args.files} files, {len(urls)} captures)")
        big = sealed_case(truyvet, tmp, "big", args.size_mib, args.files, urls)
        small = None
        if args.small_mib:
            common.log(f"building the {args.small_mib} MiB case")
            small = sealed_case(truyvet, tmp, "small", args.small_mib, args.files, urls)
        loopback_site.stop_server(server)
        server = None

        bundle = tmp / "bundle.wacz"
        binaries = {"": truyvet}
        if args.baseline:
            binaries["baseline "] = Path(args.baseline).resolve()

        def cmd(kind: str, binary: Path, case: dict, out: Path) -> list[str]:
            if kind == "export":
                return [str(binary), "--workspace", str(case["ws"]), "export", case["code"], "--out", str(out)]
            return [str(binary), "verify", str(out)]

        # Every command reads what exists before it: one export first, untimed.
        subprocess.run(cmd("export", truyvet, big, bundle), check=True, stdout=subprocess.DEVNULL)
        report = subprocess.run(cmd("verify", truyvet, big, bundle) + ["--json"], capture_output=True, text=True)
        if report.returncode != 0 or not json.loads(report.stdout)["ok"]:
            common.die(f"the exported bundle does not verify: {report.stdout[-800:]} {report.stderr[-800:]}")
        bundle_size = bundle.stat().st_size
        common.log(f"bundle: {bundle_size / 1e6:.1f} MB for {big['bytes'] / 1e6:.1f} MB of evidence")

        # Each export writes a file of its own (removed after its run); every verify
        # reads the same bundle, the one made above by the build under test.
        steps: dict[str, list[str]] = {"sha256sum": ["sha256sum", *map(str, big["blobs"])]}
        outputs: dict[str, Path] = {}
        for prefix, binary in binaries.items():
            outputs[f"{prefix}truyvet export"] = tmp / f"{prefix.strip() or 'ours'}-export.wacz"
            steps[f"{prefix}truyvet export"] = cmd("export", binary, big, outputs[f"{prefix}truyvet export"])
            steps[f"{prefix}truyvet verify"] = cmd("verify", binary, big, bundle)
        order = list(steps)
        runs: dict[str, list[common.Run]] = {name: [] for name in order}

        def run_step(name: str, measure):
            common.sync()
            warm(big["blobs"] if "verify" not in name else [bundle])
            result = measure(steps[name])
            if name in outputs:
                outputs[name].unlink()
            return result

        for i in range(args.runs):
            for name in order[i % len(order):] + order[: i % len(order)]:
                runs[name].append(run_step(name, common.run_measured))
            line = "  ".join(f"{k}: {v[-1].wall:.2f}s" for k, v in runs.items())
            common.log(f"run {i + 1}/{args.runs}: {line}")

        rss = {name: run_step(name, common.time_v_maxrss) for name in order if name != "sha256sum"}
        rss_small = {}
        if small:
            small_bundle = tmp / "small.wacz"
            rss_small["truyvet export"] = common.time_v_maxrss(cmd("export", truyvet, small, small_bundle))
            rss_small["truyvet verify"] = common.time_v_maxrss(cmd("verify", truyvet, small, small_bundle))
            small_bundle.unlink()

        size = big["bytes"]
        figures = {}
        for name, rs in runs.items():
            wall = common.median([r.wall for r in rs])
            figures[name] = {
                "median_s": round(wall, 3),
                "min_s": round(min(r.wall for r in rs), 3),
                "max_s": round(max(r.wall for r in rs), 3),
                "mb_per_s": round(size / wall / 1e6, 1),
                "cpu_s_median": round(common.median([r.user + r.sys for r in rs]), 3),
                "maxrss_kib_time_v": rss.get(name),
                "maxrss_kib_all_runs": max(r.maxrss_kib for r in rs),
            }
        peer = figures["sha256sum"]["mb_per_s"]
        for f in figures.values():
            f["ratio_vs_sha256sum"] = round(f["mb_per_s"] / peer, 2)
        result = {
            "benchmark": "export_verify",
            "evidence_bytes": size,
            "bundle_bytes": bundle_size,
            "files": args.files,
            "captures": len(urls),
            "runs": args.runs,
            "truyvet": str(truyvet),
            "machine": info,
            "loadavg_end": common.loadavg(),
            "figures": figures,
            "small_case_mib": args.small_mib,
            "maxrss_kib_small_case": rss_small,
            "target": "export and verify >= 0.8x sha256sum; peak RSS < 256 MiB and flat",
        }
        ok = all(
            figures[n]["ratio_vs_sha256sum"] >= 0.8 and (rss[n] or 0) < 256 * 1024
            for n in ("truyvet export", "truyvet verify")
        )
        result["meets_target"] = ok
        print_report(result)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=2, ensure_ascii=False)
        return 0 if ok else 1
    finally:
        if server is not None:
            loopback_site.stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)


def print_report(r: dict) -> None:
    m = r["machine"]
    print(
        f"## Export and verify of {r['evidence_bytes'] / 2**30:.2f} GiB of evidence "
        f"({r['files']} files, {r['captures']} captures; bundle {r['bundle_bytes'] / 1e6:.1f} MB; "
        f"{r['runs']} runs, warm cache)"
    )
    print()
    print(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB RAM, {m['disk']},")
    print(f"Linux {m['kernel']}; load average at start {m['loadavg']}, at end {r['loadavg_end']}.")
    print()
    print("| command | median s | min–max s | MB/s | ÷ sha256sum | CPU s | peak RSS (time -v) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, f in r["figures"].items():
        rss = f"{f['maxrss_kib_time_v'] / 1024:.1f} MiB" if f["maxrss_kib_time_v"] else ""
        print(
            f"| `{name}` | {f['median_s']:.2f} | {f['min_s']:.2f}–{f['max_s']:.2f} | {f['mb_per_s']:.0f} | "
            f"{f['ratio_vs_sha256sum']:.2f}× | {f['cpu_s_median']:.2f} | {rss} |"
        )
    print()
    if r["maxrss_kib_small_case"]:
        parts = ", ".join(f"`{k}` {v / 1024:.1f} MiB" for k, v in r["maxrss_kib_small_case"].items())
        print(f"Peak RSS with a {r['small_case_mib']} MiB case: {parts}.")
        print()
    verdict = "meets" if r["meets_target"] else "MISSES"
    print(f"Target (≥ 0.8× sha256sum each, peak RSS < 256 MiB): {verdict} it.")


if __name__ == "__main__":
    sys.exit(main())
