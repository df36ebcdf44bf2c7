#!/usr/bin/env python3
"""Benchmark 6: identifier extraction throughput (MB/s of HTML) and VietQR decode time
per image, with a Python `re` pass for phones over the same corpus as the peer.

The Rust side is the `bench` example of `truyvet-extract` (release build): it generates
the labelled corpus of the tests (marketplace, social and shop pages with decoys; UTF-8,
Windows-1258 and TCVN3), writes it to a temp folder, and times, in process:

- decode + extraction of every page (all identifier types), repeated for at least 3 s;
- one 21 MB HTML page made of those pages (a huge page, hit-dense);
- each of the 21 QR images (load, find, decode, parse), median of at least 5 runs.

The peer reads the same files in Python and finds phones with one regular expression
after stripping tags (the usual quick script), also for at least 3 s. Its precision and
recall on the same ground truth are printed next to ours: speed alone says little if
the quick pass reports order numbers as phones.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, bench_tmpdir, die, exit_cleanly_on_sigterm, loadavg, log, machine  # noqa: E402

PHONE = re.compile(r"(?<![\w.])(?:\(?\+?84\)?[\s.\-]?|0)(?:\d[\s.\-]?){8,9}\d(?!\d)")
TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]+>", re.S | re.I)


def e164(raw: str) -> str | None:
    d = re.sub(r"\D", "", raw)
    if d.startswith("84"):
        d = d[2:]
    elif d.startswith("0"):
        d = d[1:]
    return "+84" + d if len(d) in (9, 10) else None


def build() -> Path:
    env_bin = os.environ.get("TRUYVET_EXTRACT_BENCH")
    if env_bin:
        return Path(env_bin)
    log("building the extraction benchmark (cargo build --release -p truyvet-extract --example bench)")
    subprocess.run(
        ["cargo", "build", "--release", "-p", "truyvet-extract", "--example", "bench"],
        cwd=REPO, check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "release" / "examples" / "bench"


def python_peer(folder: Path, min_seconds: float) -> dict:
    files = sorted(p for p in folder.iterdir() if p.suffix in (".html", ".txt"))
    blobs = [(p, p.read_bytes()) for p in files]
    total = sum(len(b) for _, b in blobs)
    runs = []
    found: dict[str, set[str]] = {}
    start = time.perf_counter()
    while len(runs) < 3 or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        for p, b in blobs:
            text = b.decode("utf-8", errors="replace")
            text = TAGS.sub(" ", text)
            found[p.name] = {n for n in (e164(m.group()) for m in PHONE.finditer(text)) if n}
        runs.append(time.perf_counter() - t)
    runs.sort()
    med = runs[len(runs) // 2]
    tp = fp = fn = 0
    for p, _ in blobs:
        truth = set(json.loads((folder / f"{p.name}.phones.json").read_text()))
        tp += len(found[p.name] & truth)
        fp += len(found[p.name] - truth)
        fn += len(truth - found[p.name])
    return {"bytes": total, "s": med, "mb_s": total / med / 1e6, "phone_tp": tp, "phone_fp": fp, "phone_fn": fn}


def pr(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"precision {p:.3f}, recall {r:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not 60 <= args.pages <= 5000:
        die("--pages must be 60–5000")
    exit_cleanly_on_sigterm()
    binary = build()
    tmp = bench_tmpdir("truyvet-extract-")
    try:
        log(f"load average at start: {loadavg()}")
        corpus = tmp / "corpus"
        out = subprocess.run(
            [str(binary), "--pages", str(args.pages), "--out", str(corpus)],
            check=True, capture_output=True, text=True,
        ).stdout
        ours = json.loads(out)
        peer = python_peer(corpus, 3.0)
        log(f"load average at end: {loadavg()}")
        qr_ms = sorted(q["ms"] for q in ours["qr"])
        figures = {"machine": machine(tmp), "ours": ours, "python_re_phones": peer}
        print(json.dumps(figures, indent=2))
        print(
            f"\ncorpus: {ours['pages']} pages, {ours['corpus_bytes'] / 1e6:.2f} MB, {ours['corpus_hits']} hits",
            file=sys.stderr,
        )
        print(f"ours, all types:        {ours['corpus_mb_s']:.1f} MB/s (huge page {ours['big_bytes'] / 1e6:.0f} MB: "
              f"{ours['big_mb_s']:.1f} MB/s); phones {pr(ours['phone_tp'], ours['phone_fp'], ours['phone_fn'])}",
              file=sys.stderr)
        print(f"python re, phones only: {peer['mb_s']:.1f} MB/s; phones {pr(peer['phone_tp'], peer['phone_fp'], peer['phone_fn'])}",
              file=sys.stderr)
        print(f"VietQR per image: median {qr_ms[len(qr_ms) // 2]:.1f} ms, min {qr_ms[0]:.1f}, max {qr_ms[-1]:.1f}",
              file=sys.stderr)
        for q in ours["qr"]:
            print(f"  {q['name']:<28} {q['bytes']:>8} B {q['ms']:>7.2f} ms  hits {q['hits']}", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
