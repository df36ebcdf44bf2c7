"""Shared helpers for the benchmark scripts (Python 3.11 standard library only).

Nothing here talks to the network except `apt-get install` of a missing Debian tool,
and only when the script runs as root; everything else stays on this machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def die(msg: str) -> None:
    print(f"[bench] error: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM/SIGHUP into SystemExit so `finally:` blocks remove temp data."""

    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def ensure_tools(tools: dict[str, str]) -> None:
    """`tools` maps a command (or absolute path) to the Debian package providing it."""
    missing = sorted({pkg for cmd, pkg in tools.items() if not shutil.which(cmd)})
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        die(f"missing tools; install them with: sudo apt-get install -y {' '.join(missing)}")
    log(f"installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", *missing], env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", *missing], env=env, check=True)


def truyvet_binary() -> Path:
    """The release CLI: `$TRUYVET_BIN` if set (to compare builds), else built here."""
    override = os.environ.get("TRUYVET_BIN")
    if override:
        path = Path(override).resolve()
        if not os.access(path, os.X_OK):
            die(f"TRUYVET_BIN={override} is not an executable")
        return path
    log("cargo build --release -p truyvet-cli")
    subprocess.run(["cargo", "build", "--release", "-p", "truyvet-cli"], cwd=REPO, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    if not target.is_absolute():
        target = REPO / target
    return target / "release" / "truyvet"


def bench_tmpdir(prefix: str) -> Path:
    """A fresh temp folder on a real disk (`$BENCH_TMPDIR`, default /var/tmp): /tmp is
    often tmpfs, where fsync costs nothing and the figures would flatter us."""
    parent = Path(os.environ.get("BENCH_TMPDIR", "/var/tmp"))
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fstype = filesystem_type(path)
    if fstype in {"tmpfs", "ramfs"}:
        log(f"warning: {path} is on {fstype}; set BENCH_TMPDIR to a folder on a disk")
    return path


def filesystem_type(path: Path) -> str:
    out = subprocess.run(["df", "--output=fstype", str(path)], capture_output=True, text=True)
    lines = out.stdout.split()
    return lines[-1] if len(lines) > 1 else "unknown"


def machine(path: Path) -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = f"{int(line.split()[1]) / 1024 / 1024:.1f}"
    except OSError:
        pass
    src = subprocess.run(
        ["df", "--output=source", str(path)], capture_output=True, text=True
    ).stdout.splitlines()[-1:]
    device = src[0].strip() if src else "?"
    dev_name = Path(device).name
    kind = "virtio disk" if dev_name.startswith("vd") else "disk"
    rot = Path(f"/sys/class/block/{dev_name}/queue/rotational")
    if rot.exists():
        kind += f", rotational={rot.read_text().strip()}"
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "memory_gib": mem_gib,
        "kernel": platform.release(),
        "disk": f"{device} ({kind}, {filesystem_type(path)})",
        "loadavg": loadavg(),
    }


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Run:
    wall: float  # seconds
    user: float
    sys: float
    maxrss_kib: int  # getrusage ru_maxrss of the child, same figure as /usr/bin/time -v


def run_measured(cmd: list[str], *, stdout=subprocess.DEVNULL, cwd=None) -> Run:
    """Runs `cmd` once and returns its wall time and the child's own resource usage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        die(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()}")
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss)


def time_v_maxrss(cmd: list[str], cwd=None) -> int:
    """Peak RSS in KiB as reported by `/usr/bin/time -v` ("Maximum resident set size")."""
    out = subprocess.run(
        ["/usr/bin/time", "-v", *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    if out.returncode != 0:
        die(f"/usr/bin/time -v {' '.join(cmd)} failed: {out.stderr.strip()[-500:]}")
    for line in out.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    die("no 'Maximum resident set size' in /usr/bin/time -v output")
    return 0


def hyperfine(commands: dict[str, str], *, runs: int, warmup: int, workdir: Path) -> dict:
    """Times shell-free commands with hyperfine; returns {name: {median, mean, min, max}}."""
    out = workdir / "hyperfine.json"
    args = ["hyperfine", "--style", "basic", "-N", "--runs", str(runs), "--warmup", str(warmup)]
    args += ["--export-json", str(out)]
    for name, cmd in commands.items():
        args += ["-n", name, cmd]
    subprocess.run(args, check=True, stdout=sys.stderr)
    results = json.loads(out.read_text())["results"]
    out.unlink()
    return {
        r["command"]: {
            "median": r["median"],
            "mean": r["mean"],
            "min": r["min"],
            "max": r["max"],
            "user": r.get("user"),
            "system": r.get("system"),
        }
        for r in results
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


def sync() -> None:
    subprocess.run(["sync"], check=True)
