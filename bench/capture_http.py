#!/usr/bin/env python3
"""HTTP capture of 1,000 loopback pages: `truyvet capture` against `wget --warc-file`.

A loopback server (bench/loopback_site.py, its own process) serves 1,000 generated
Vietnamese marketplace-like pages of 20–60 KB. Each iteration runs, in an order that
alternates from one iteration to the next:

- `truyvet capture URL1 … URL1000 --case CODE` into a fresh workspace (profile, case and
  `capture.allow 127.0.0.1` set up beforehand, untimed). Per page this writes a WARC 1.1
  file (warcinfo, request, response, metadata records, SHA-256 digests, one gzip member
  per record), hashes and stores it as evidence, indexes the page text with FTS5, appends
  a custody event and queues the capture for a trusted timestamp — durably, before the
  next page starts. The URLs go in batches of `--batch` (default: all 1,000 in one
  process; the command line is then about 35 KB, far below the kernel's limit).
- `wget --warc-file=… --no-verbose -i urls.txt` fetching the same pages into a fresh
  folder (Debian's wget: WARC with SHA-1 digests, plus a copy of each page).
  Its `sync` afterwards is timed separately, as wget itself never fsyncs.

The first capture workspace is then checked: `truyvet verify-workspace` passes, the case
holds one item per page, and `truyvet search` finds a word that only page 777 contains
(typed without diacritics).

With `--baseline OLD_BINARY`, a second `truyvet` (e.g. a build from before a change) is
timed the same way in the same run, in the rotation, as a third command.

Usage: python3 bench/capture_http.py [--pages 1000] [--iterations 5] [--batch N]
       [--baseline OLD_BINARY] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loopback_site  # noqa: E402
from common import (  # noqa: E402
    Run,
    bench_tmpdir,
    die,
    ensure_tools,
    exit_cleanly_on_sigterm,
    loadavg,
    log,
    machine,
    median,
    sync,
    truyvet_binary,
)


def measure(cmd: list[str], errlog: Path, *, cwd=None) -> Run:
    """Runs `cmd` once under `/usr/bin/time`; stderr goes to a file (wget writes a line
    per page). Peak RSS comes from time's "%M": the rusage of a child forked straight
    from this script would never read below the size of the Python interpreter it was
    forked from (Linux keeps the high-water mark across exec)."""
    rss_file = errlog.with_suffix(".rss")
    with open(errlog, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *cmd],
                                stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, start_new_session=True)
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # time's own usage includes its child's
        except BaseException:  # Ctrl-C or SIGTERM: stop the run before the temp folder goes
            os.killpg(proc.pid, signal.SIGKILL)  # time and the program it runs
            proc.wait()
            raise
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = errlog.read_text(errors="replace")[-1500:]
        die(f"{cmd[0]} … failed ({code}): {tail.strip()}")
    maxrss = int(rss_file.read_text().split()[-1])
    return Run(wall, usage.ru_utime, usage.ru_stime, maxrss)


def tv(binary: Path, ws: Path, *args: str, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(binary), "--workspace", str(ws), *args], capture_output=True, text=True, check=check
    )


def fresh_workspace(binary: Path, ws: Path) -> str:
    tv(binary, ws, "profile", "set", "--display-name", "Nguyễn Văn An", "--agency", "QLTT", "--province", "HN")
    out = tv(binary, ws, "case", "new", "--title", "Hàng giả trên sàn (bench)").stdout
    code = re.search(r"[A-Z]+-[A-Z]+-\d{4}-\d{4}", out)
    if not code:
        die(f"no case code in `case new` output: {out!r}")
    tv(binary, ws, "config", "set", "capture.allow", "127.0.0.1")
    return code.group(0)


def run_ours(binary: Path, ws: Path, urls: list[str], batch: int, tmp: Path) -> dict:
    code = fresh_workspace(binary, ws)
    sync()
    wall = user = system = 0.0
    peak = 0
    for i in range(0, len(urls), batch):
        r = measure([str(binary), "--workspace", str(ws), "capture", *urls[i : i + batch], "--case", code],
                    tmp / "ours.err")
        wall += r.wall
        user += r.user
        system += r.sys
        peak = max(peak, r.maxrss_kib)
    return {"wall": wall, "cpu": user + system, "maxrss_kib": peak, "case": code}


def run_wget(folder: Path, url_file: Path, tmp: Path) -> dict:
    folder.mkdir()
    sync()
    r = measure(["wget", f"--warc-file={folder / 'capture'}", "--no-verbose", "-i", str(url_file), "-P", str(folder)],
                tmp / "wget.err", cwd=folder)
    start = time.perf_counter()
    sync()
    sync_s = time.perf_counter() - start
    return {"wall": r.wall, "cpu": r.user + r.sys, "maxrss_kib": r.maxrss_kib, "sync": sync_s}


def check_workspace(binary: Path, ws: Path, case: str, pages: int, marker_url: str | None) -> dict:
    verify = tv(binary, ws, "verify-workspace", check=False)
    if verify.returncode != 0:
        die(f"verify-workspace failed: {verify.stdout[-800:]} {verify.stderr[-800:]}")
    shown = json.loads(tv(binary, ws, "--json", "case", "show", case).stdout)
    items = shown.get("evidence") or shown.get("items") or []
    if len(items) != pages:
        die(f"the case holds {len(items)} items, expected {pages}")
    found = None
    if marker_url:
        out = tv(binary, ws, "search", loopback_site.MARKER_QUERY).stdout
        if marker_url not in out:
            die(f"`truyvet search {loopback_site.MARKER_QUERY}` did not find page {loopback_site.MARKER_PAGE}: {out!r}")
        found = out.strip().splitlines()
    return {"verify_workspace": "passed", "items": len(items), "search_hits": found}


def du_mib(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--batch", type=int, default=0, help="URLs per `truyvet capture` process (0: all)")
    parser.add_argument("--baseline", type=Path, help="another truyvet binary timed in the same run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.pages <= 5000 or not 1 <= args.iterations <= 20:
        die("--pages must be 1–5000 and --iterations 1–20")
    batch = args.batch or args.pages
    exit_cleanly_on_sigterm()
    ensure_tools({"wget": "wget", "/usr/bin/time": "time"})
    binary = truyvet_binary()
    tmp = bench_tmpdir("truyvet-capture-http-")
    server = None
    try:
        log(f"load average at start: {loadavg()}")
        site = tmp / "site"
        paths = loopback_site.generate(site, args.pages)
        server, port = loopback_site.start_server(site)
        urls = [f"http://127.0.0.1:{port}{p}" for p in paths]
        url_file = tmp / "urls.txt"
        url_file.write_text("\n".join(urls) + "\n")
        site_bytes = sum((site / p[1:]).stat().st_size for p in paths)
        log(f"{args.pages} pages, {site_bytes / 1e6:.1f} MB, served on 127.0.0.1:{port}")
        marker = urls[loopback_site.MARKER_PAGE - 1] if args.pages >= loopback_site.MARKER_PAGE else None

        # Warm-up, unmeasured: the site files in the page cache, both programs loaded once.
        run_wget(tmp / "wget-warm", url_file, tmp)
        subprocess.run(["rm", "-rf", str(tmp / "wget-warm")], check=True)
        warm = run_ours(binary, tmp / "ws-warm", urls[:50], batch, tmp)
        del warm
        subprocess.run(["rm", "-rf", str(tmp / "ws-warm")], check=True)

        ours, peer, base, checked = [], [], [], None
        sizes = {}
        for i in range(args.iterations):
            order = ["ours", "wget"] + (["base"] if args.baseline else [])
            shift = i % len(order)
            order = order[shift:] + order[:shift]
            for who in order:
                if who == "base":
                    ws = tmp / f"base{i}"
                    base.append(run_ours(args.baseline, ws, urls, batch, tmp))
                    subprocess.run(["rm", "-rf", str(ws)], check=True)
                elif who == "ours":
                    ws = tmp / f"ws{i}"
                    r = run_ours(binary, ws, urls, batch, tmp)
                    ours.append(r)
                    if checked is None:
                        checked = check_workspace(binary, ws, r["case"], args.pages, marker)
                        sizes["workspace_mib"] = round(du_mib(ws), 1)
                        log(f"workspace verifies; {checked['items']} items; search: {checked['search_hits']}")
                    subprocess.run(["rm", "-rf", str(ws)], check=True)
                else:
                    folder = tmp / f"wget{i}"
                    r = run_wget(folder, url_file, tmp)
                    peer.append(r)
                    if "wget_mib" not in sizes:
                        fetched = len(list(folder.glob("p*.html")))
                        if fetched != args.pages:
                            die(f"wget saved {fetched} pages, expected {args.pages}")
                        sizes["wget_mib"] = round(du_mib(folder), 1)
                    subprocess.run(["rm", "-rf", str(folder)], check=True)
            baseline_note = f", baseline {base[-1]['wall']:.2f} s" if base else ""
            log(
                f"iteration {i + 1}/{args.iterations}: truyvet {ours[-1]['wall']:.2f} s, "
                f"wget {peer[-1]['wall']:.2f} s (+ sync {peer[-1]['sync']:.2f} s){baseline_note}, "
                f"load {loadavg()}"
            )

        def summary(runs: list[dict]) -> dict:
            walls = [r["wall"] for r in runs]
            out = {
                "wall_s_median": round(median(walls), 3),
                "wall_s_min": round(min(walls), 3),
                "wall_s_max": round(max(walls), 3),
                "pages_per_s": round(args.pages / median(walls), 1),
                "cpu_s_median": round(median([r["cpu"] for r in runs]), 3),
                "peak_rss_mib": round(max(r["maxrss_kib"] for r in runs) / 1024, 1),
            }
            if "sync" in runs[0]:
                out["sync_after_s_median"] = round(median([r["sync"] for r in runs]), 3)
                out["wall_plus_sync_s_median"] = round(median([r["wall"] + r["sync"] for r in runs]), 3)
            return out

        result = {
            "machine": machine(tmp),
            "load_average_end": loadavg(),
            "pages": args.pages,
            "site_mb": round(site_bytes / 1e6, 1),
            "iterations": args.iterations,
            "urls_per_process": batch,
            "truyvet_capture": summary(ours),
            "wget_warc": summary(peer),
            "on_disk": sizes,
            "check": checked,
        }
        result["ratio_wall_ours_over_wget"] = round(
            result["truyvet_capture"]["wall_s_median"] / result["wget_warc"]["wall_s_median"], 2
        )
        result["ratio_wall_ours_over_wget_plus_sync"] = round(
            result["truyvet_capture"]["wall_s_median"] / result["wget_warc"]["wall_plus_sync_s_median"], 2
        )
        if base:
            result["baseline_capture"] = summary(base)
            result["baseline_binary"] = str(args.baseline)
            result["ratio_wall_baseline_over_wget"] = round(
                result["baseline_capture"]["wall_s_median"] / result["wget_warc"]["wall_s_median"], 2
            )
        text = json.dumps(result, indent=2, ensure_ascii=False)
        print(text)
        if args.json:
            args.json.write_text(text + "\n", encoding="utf-8")
    finally:
        if server is not None:
            loopback_site.stop_server(server)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
