#!/usr/bin/env python3
"""Browser capture of loopback pages: `truyvet capture --browser` against a bare headless
Chromium taking a screenshot of the same pages.

A loopback server (bench/loopback_site.py, its own process) serves generated Vietnamese
marketplace-like pages of 20–60 KB, each with a stylesheet and lazy-loaded images. The
pages are split into batches of `--batch`; each batch runs on every side in turn
(the order rotates from one batch to the next), so all see the same machine load:

- ours: one `truyvet capture URL… --case CODE --browser` process per batch, into one fresh
  workspace. The process starts Debian's Chromium once (headless, throw-away profile) and
  drives it over the DevTools protocol; per page it opens a fresh browser context (its
  own tab, with a policy proxy of its own), loads the page, scrolls to the bottom for lazy
  content, takes a full-page PNG screenshot, an MHTML snapshot and the rendered DOM, writes
  every network response into a WARC, and stores it all as evidence (hashes, FTS, custody
  log, timestamp queue) while the next page loads.
- peer: per page, `chromium --headless=new --no-sandbox --disable-gpu --screenshot=FILE
  --window-size=1280,2000 --user-data-dir=FRESH URL`: the bare browser starting, loading
  the page and taking one viewport screenshot.
- reference peer (skip with --no-tall-peer): the same with `--window-size=1280,16384`, a
  screenshot as large as ours (these pages are taller than the 16,384-px cap), without
  scrolling, MHTML, DOM, WARC or storage.

Pages per minute: the median of the per-batch rates. Memory: a sampler thread reads
/proc every 100 ms and sums RSS and PSS (`smaps_rollup`, shared pages divided among
the processes that share them) over the whole process tree (the CLI or the chromium
wrapper, and every Chromium process under it); the peak of those sums is reported, and
for ours also the peak RSS of the CLI process alone.

With `--baseline OLD_BINARY`, a second `truyvet` (e.g. a build from before a change) runs
each batch too, in the rotation, into a workspace of its own.

Usage: python3 bench/capture_browser.py [--pages 30] [--batch 10] [--baseline OLD_BINARY]
       [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loopback_site  # noqa: E402
from capture_http import du_mib, fresh_workspace, tv  # noqa: E402
from common import (  # noqa: E402
    bench_tmpdir,
    die,
    ensure_tools,
    exit_cleanly_on_sigterm,
    loadavg,
    log,
    machine,
    median,
    truyvet_binary,
)

SAMPLE_EVERY = 0.1
# Our full-page screenshots of these long pages hit the default height cap (16,384 px):
# a second, reference peer takes a viewport screenshot of that size.
TALL = 16384
PAGE_TIMEOUT = 120  # seconds for one peer page; ours has its own limits


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rollup(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class Sampler:
    """Peak RSS/PSS sums (KiB) of whatever process tree `self.root` names, every 100 ms."""

    def __init__(self) -> None:
        self.root: int | None = None
        self.peak_rss = self.peak_pss = self.peak_root_rss = self.peak_procs = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        self.peak_rss = self.peak_pss = self.peak_root_rss = self.peak_procs = 0
        self.samples = 0

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            root = self.root
            if root is None:
                continue
            rss = pss = 0
            pids = descendants(root)
            for p in pids:
                r, s = rollup(p)
                rss += r
                pss += s
                if p == root:
                    self.peak_root_rss = max(self.peak_root_rss, r)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, len(pids))
            self.samples += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_tree(cmd: list[str], sampler: Sampler, out, timeout: float) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    sampler.root = proc.pid
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        die(f"{cmd[0]} did not finish within {timeout} s")
    except BaseException:  # Ctrl-C or SIGTERM: stop the CLI and its Chromium too
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        sampler.root = None
    return time.perf_counter() - start, code


def png_size(path: Path) -> tuple[int, int] | None:
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--baseline", type=Path, help="another truyvet binary timed in the same run")
    parser.add_argument("--no-tall-peer", dest="tall_peer", action="store_false",
                        help=f"skip the reference peer with a 1280×{16384} window (our screenshot's size)")
    args = parser.parse_args()
    if not 1 <= args.pages <= 300 or not 1 <= args.batch <= args.pages:
        die("--pages must be 1–300 and --batch 1–pages")
    exit_cleanly_on_sigterm()
    ensure_tools({"chromium": "chromium"})
    chromium = shutil.which("chromium")
    binary = truyvet_binary()
    tmp = bench_tmpdir("truyvet-capture-browser-")
    server = None
    sampler = Sampler()
    try:
        load_start = loadavg()
        log(f"load average at start: {load_start}")
        site = tmp / "site"
        paths = loopback_site.generate(site, args.pages)
        server, port = loopback_site.start_server(site)
        urls = [f"http://127.0.0.1:{port}{p}" for p in paths]
        batches = [urls[i : i + args.batch] for i in range(0, len(urls), args.batch)]
        ws = tmp / "ws"
        case = fresh_workspace(binary, ws)
        base_ws = tmp / "ws-baseline"
        base_case = fresh_workspace(args.baseline, base_ws) if args.baseline else None
        shots = tmp / "shots"
        shots.mkdir()
        ours_log = open(tmp / "ours.out", "w+b")
        peer_log = open(tmp / "peer.out", "w+b")

        base_log = open(tmp / "baseline.out", "w+b")

        def ours_batch(batch: list[str], binary=binary, ws=ws, case=case, out=ours_log) -> dict:
            sampler.reset()
            wall, code = run_tree(
                [str(binary), "--workspace", str(ws), "capture", "--browser", *batch, "--case", case],
                sampler, out, timeout=120 * len(batch),
            )
            if code != 0:
                out.seek(0)
                die(f"truyvet capture --browser exited with {code}: {out.read()[-1500:].decode(errors='replace')}")
            return {"wall": wall, "rss": sampler.peak_rss, "pss": sampler.peak_pss,
                    "cli_rss": sampler.peak_root_rss, "procs": sampler.peak_procs, "samples": sampler.samples}

        def peer_batch(batch: list[str], n: int, height: int) -> dict:
            wall = 0.0
            rss = pss = procs = samples = 0
            for k, url in enumerate(batch):
                shot = shots / f"b{n}-{k}-{height}.png"
                profile = tmp / f"peer-profile-{n}-{k}-{height}"
                sampler.reset()
                w, code = run_tree(
                    [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                     f"--window-size=1280,{height}", f"--user-data-dir={profile}", url],
                    sampler, peer_log, timeout=PAGE_TIMEOUT,
                )
                if code != 0 or png_size(shot) is None:
                    die(f"chromium --screenshot failed for {url} ({code})")
                wall += w
                rss, pss = max(rss, sampler.peak_rss), max(pss, sampler.peak_pss)
                procs, samples = max(procs, sampler.peak_procs), samples + sampler.samples
                subprocess.run(["rm", "-rf", str(profile)], check=False)
            return {"wall": wall, "rss": rss, "pss": pss, "procs": procs, "samples": samples}

        # Warm-up, unmeasured: Chromium's files and the site in the page cache.
        run_tree([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", f"--screenshot={shots / 'warm.png'}",
                  "--window-size=1280,2000", f"--user-data-dir={tmp / 'warm-profile'}", urls[0]],
                 sampler, peer_log, timeout=PAGE_TIMEOUT)
        warm_ws = tmp / "ws-warm"
        warm_case = fresh_workspace(binary, warm_ws)
        run_tree([str(binary), "--workspace", str(warm_ws), "capture", "--browser", urls[0], "--case", warm_case],
                 sampler, ours_log, timeout=PAGE_TIMEOUT)
        subprocess.run(["rm", "-rf", str(warm_ws), str(tmp / "warm-profile")], check=False)

        ours, peer, tall, base = [], [], [], []
        sides = ["ours", "peer", "tall"] if args.tall_peer else ["ours", "peer"]
        if args.baseline:
            sides.append("base")
        for n, batch in enumerate(batches):
            order = sides[n % len(sides):] + sides[: n % len(sides)]  # rotate the order
            for who in order:
                if who == "base":
                    base.append(ours_batch(batch, args.baseline, base_ws, base_case, base_log) | {"pages": len(batch)})
                elif who == "ours":
                    ours.append(ours_batch(batch) | {"pages": len(batch)})
                elif who == "peer":
                    peer.append(peer_batch(batch, n, 2000) | {"pages": len(batch)})
                else:
                    tall.append(peer_batch(batch, n, TALL) | {"pages": len(batch)})
            log(
                f"batch {n + 1}/{len(batches)} ({len(batch)} pages): truyvet {ours[-1]['wall']:.1f} s, "
                f"chromium --screenshot {peer[-1]['wall']:.1f} s"
                + (f", at 1280×{TALL} {tall[-1]['wall']:.1f} s" if tall else "")
                + (f", baseline {base[-1]['wall']:.1f} s" if base else "")
                + f", load {loadavg()}"
            )

        # What was stored: every page captured, the workspace verifies, screenshots are PNGs.
        verify = tv(binary, ws, "verify-workspace", check=False)
        if verify.returncode != 0:
            die(f"verify-workspace failed: {verify.stdout[-800:]} {verify.stderr[-800:]}")
        shown = json.loads(tv(binary, ws, "--json", "case", "show", case).stdout)
        items = shown.get("evidence") or shown.get("items") or []
        if len(items) != args.pages:
            die(f"the case holds {len(items)} items, expected {args.pages}")
        ours_log.seek(0)
        partial = ours_log.read().decode(errors="replace").count("MỘT PHẦN")
        peer_dims = png_size(next(shots.glob("b0-*-2000.png")))

        def summary(runs: list[dict]) -> dict:
            rates = [r["pages"] / r["wall"] * 60 for r in runs]
            out = {
                "pages_per_min_median": round(median(rates), 1),
                "pages_per_min_min": round(min(rates), 1),
                "pages_per_min_max": round(max(rates), 1),
                "s_per_page_median": round(60 / median(rates), 2),
                "peak_rss_tree_mib": round(max(r["rss"] for r in runs) / 1024, 1),
                "peak_pss_tree_mib": round(max(r["pss"] for r in runs) / 1024, 1),
                "peak_processes": max(r["procs"] for r in runs),
                "samples": sum(r["samples"] for r in runs),
            }
            if "cli_rss" in runs[0]:
                out["peak_rss_cli_alone_mib"] = round(max(r["cli_rss"] for r in runs) / 1024, 1)
            return out

        result = {
            "machine": machine(tmp) | {"loadavg": load_start},
            "load_average_end": loadavg(),
            "chromium": subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip(),
            "pages": args.pages,
            "pages_per_batch": args.batch,
            "truyvet_capture_browser": summary(ours),
            "chromium_screenshot": summary(peer),
            **({f"chromium_screenshot_1280x{TALL}": summary(tall)} if tall else {}),
            "check": {
                "verify_workspace": "passed",
                "items": len(items),
                "partial_captures": partial,
                "workspace_mib": round(du_mib(ws), 1),
                "peer_png": peer_dims,
            },
        }
        o, p = result["truyvet_capture_browser"], result["chromium_screenshot"]
        result["ratio_rate_ours_over_peer"] = round(o["pages_per_min_median"] / p["pages_per_min_median"], 2)
        result["ratio_peak_pss_ours_over_peer"] = round(o["peak_pss_tree_mib"] / p["peak_pss_tree_mib"], 2)
        if tall:
            t = result[f"chromium_screenshot_1280x{TALL}"]
            result["ratio_rate_ours_over_tall_peer"] = round(o["pages_per_min_median"] / t["pages_per_min_median"], 2)
            result["ratio_peak_pss_ours_over_tall_peer"] = round(o["peak_pss_tree_mib"] / t["peak_pss_tree_mib"], 2)
        if base:
            result["baseline_capture_browser"] = summary(base) | {"binary": str(args.baseline)}
            result["ratio_rate_ours_over_baseline"] = round(
                o["pages_per_min_median"] / result["baseline_capture_browser"]["pages_per_min_median"], 2
            )
        text = json.dumps(result, indent=2, ensure_ascii=False)
        print(text)
        if args.json:
            args.json.write_text(text + "\n", encoding="utf-8")
    finally:
        sampler.stop()
        if server is not None:
            loopback_site.stop_server(server)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
