#!/usr/bin/env python3
"""Desktop app cold start to first paint, and its memory, against a bare WebKitGTK window.

Each run starts a fresh process on a private Xvfb display and polls the screen (xwd)
until the page has painted, i.e. until the sidebar colour of the UI (#16304f) covers a
sizeable part of the window. The peer is WebKitGTK's own MiniBrowser showing a static
page painted with the same colour: the floor that any WebKitGTK app pays (process
start, web process, first frame). The ratio says what Tauri, the workspace open and our
UI add on top.

Memory: 3 s after first paint, the RSS and PSS (proportional set size, so shared
libraries are not counted twice) of the process and all its children (WebKit's web and
network processes) are summed.

Usage: python3 bench/desktop_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, die, ensure_tools, exit_cleanly_on_sigterm, log, machine, median  # noqa: E402

SIDEBAR = (0x16, 0x30, 0x4F)
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
SCREEN = (1440, 900)
PAINTED_FRACTION = 0.05  # the sidebar alone is ~16% of a 1280-wide window
TIMEOUT = 60.0

PEER_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;font-family:'Noto Sans',sans-serif;display:flex;height:100vh}
nav{width:240px;background:#16304f;color:#fff;padding:16px}main{flex:1;padding:24px}
</style></head><body><nav><h1>TruyVết</h1></nav><main><h2>Vụ việc</h2>
<p>Trang tĩnh cùng bố cục, để đo phần nền của WebKitGTK.</p></main></body></html>"""


def start_xvfb() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    number = proc.stdout.readline().decode().strip()
    if not number:
        die("Xvfb did not start")
    return proc, f":{number}"


def painted_fraction(display: str) -> float:
    """Share of sampled screen pixels that have the sidebar colour."""
    out = subprocess.run(
        ["xwd", "-root", "-silent", "-display", display], capture_output=True, check=True
    ).stdout
    header_size = struct.unpack(">I", out[0:4])[0]
    width, height = struct.unpack(">II", out[16:24])
    byte_order = struct.unpack(">I", out[28:32])[0]  # 0: least significant byte first
    bits_per_pixel = struct.unpack(">I", out[44:48])[0]
    bytes_per_line = struct.unpack(">I", out[48:52])[0]
    red_mask, green_mask, blue_mask = struct.unpack(">III", out[56:68])
    ncolors = struct.unpack(">I", out[76:80])[0]
    if bits_per_pixel not in (24, 32):
        die(f"unexpected xwd depth {bits_per_pixel}")
    step = bits_per_pixel // 8
    order = "little" if byte_order == 0 else "big"

    def channel(pixel: int, mask: int) -> int:
        shift = (mask & -mask).bit_length() - 1
        return (pixel & mask) >> shift

    data = memoryview(out)[header_size + 12 * ncolors :]
    hits = total = 0
    for y in range(0, height, 8):
        row = y * bytes_per_line
        for x in range(0, width, 8):
            at = row + step * x
            pixel = int.from_bytes(data[at : at + step], order)
            r, g, b = channel(pixel, red_mask), channel(pixel, green_mask), channel(pixel, blue_mask)
            total += 1
            if abs(r - SIDEBAR[0]) <= 2 and abs(g - SIDEBAR[1]) <= 2 and abs(b - SIDEBAR[2]) <= 2:
                hits += 1
    return hits / total if total else 0.0


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


def memory_kib(pid: int) -> tuple[int, int]:
    rss = pss = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def one_run(cmd: list[str], env: dict[str, str], display: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=dict(env, DISPLAY=display), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            elapsed = time.perf_counter() - start
            if elapsed > TIMEOUT:
                die(f"{cmd[0]} did not paint within {TIMEOUT} s")
            if proc.poll() is not None:
                die(f"{cmd[0]} exited with {proc.returncode} before painting")
            if painted_fraction(display) >= PAINTED_FRACTION:
                first_paint = elapsed
                break
        time.sleep(3)
        rss, pss = memory_kib(proc.pid)
        return first_paint, rss, pss
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()
        # Let the X server forget the window before the next run polls the screen.
        time.sleep(0.5)


def build_app() -> Path:
    if not (REPO / "ui" / "dist" / "index.html").exists() or os.environ.get("BENCH_REBUILD_UI"):
        log("building the UI (npm ci && npm run build)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO / "ui", check=True, stdout=sys.stderr)
        subprocess.run(["npm", "run", "build"], cwd=REPO / "ui", check=True, stdout=sys.stderr)
    log("cargo build --release -p truyvet-desktop -p truyvet-cli")
    subprocess.run(["cargo", "build", "--release", "-p", "truyvet-desktop", "-p", "truyvet-cli"], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "release"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    exit_cleanly_on_sigterm()
    ensure_tools({"Xvfb": "xvfb", "xwd": "x11-apps", MINIBROWSER: "libwebkit2gtk-4.1-0"})
    release = build_app()
    xvfb, display = start_xvfb()
    tmp = Path(tempfile.mkdtemp(prefix="truyvet-start-"))
    try:
        workspace = tmp / "workspace"
        subprocess.run(
            [str(release / "truyvet"), "--workspace", str(workspace), "profile", "set",
             "--display-name", "Nguyễn Văn An", "--agency", "QLTT", "--province", "HN"],
            check=True, stdout=subprocess.DEVNULL,
        )
        page = tmp / "peer.html"
        page.write_text(PEER_PAGE, encoding="utf-8")
        env = dict(os.environ, WEBKIT_DISABLE_COMPOSITING_MODE="1", LIBGL_ALWAYS_SOFTWARE="1")
        ours_cmd = [str(release / "truyvet-desktop"), "--workspace", str(workspace)]
        peer_cmd = [MINIBROWSER, page.as_uri()]
        one_run(ours_cmd, env, display)  # warm the page cache: we measure process start, not disk
        one_run(peer_cmd, env, display)
        ours, peer = [], []
        for i in range(args.runs):
            ours.append(one_run(ours_cmd, env, display))
            peer.append(one_run(peer_cmd, env, display))
            log(f"run {i + 1}/{args.runs}: ours {ours[-1][0]*1000:.0f} ms, MiniBrowser {peer[-1][0]*1000:.0f} ms")
        result = {
            "machine": machine(tmp),
            "runs": args.runs,
            "truyvet_desktop": {
                "first_paint_ms_median": round(median([r[0] for r in ours]) * 1000),
                "first_paint_ms_min": round(min(r[0] for r in ours) * 1000),
                "rss_mib_median": round(median([r[1] for r in ours]) / 1024, 1),
                "pss_mib_median": round(median([r[2] for r in ours]) / 1024, 1),
            },
            "minibrowser": {
                "first_paint_ms_median": round(median([r[0] for r in peer]) * 1000),
                "first_paint_ms_min": round(min(r[0] for r in peer) * 1000),
                "rss_mib_median": round(median([r[1] for r in peer]) / 1024, 1),
                "pss_mib_median": round(median([r[2] for r in peer]) / 1024, 1),
            },
        }
        result["ratio_first_paint"] = round(
            result["truyvet_desktop"]["first_paint_ms_median"] / result["minibrowser"]["first_paint_ms_median"], 2
        )
        result["ratio_pss"] = round(
            result["truyvet_desktop"]["pss_mib_median"] / result["minibrowser"]["pss_mib_median"], 2
        )
        print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        xvfb.kill()
        xvfb.wait()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
