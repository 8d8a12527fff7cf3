"""Benchmark: classify a synthetic nginx error.log + access.log window (1 GB by default).

Writes both logs into a temporary directory with a realistic mix of upstream failures
(refused, timeouts, resets, no live upstreams, DNS, ENOSPC, buffering warnings, 499s,
rate limiting), then times infradoctor's classification of each file (the chunked scan,
in two worker processes for windows this large) and, in the same run on the same file,
`grep -c upstream`, and prints MB/s side by side. `cpu s` counts the workers too.

    .venv/bin/python bench/diagnose_logs.py              # 1 GB (about half each log)
    .venv/bin/python bench/diagnose_logs.py --size-mb 5  # quick smoke run
    .venv/bin/python bench/diagnose_logs.py --per-line   # also the per-line reference

Not part of the test suite (tests/diagnose/test_bench.py runs a 5 MB smoke)."""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

MB = 1024 * 1024
IPS = [f"172.18.0.{n}" for n in range(2, 40)]
PATHS = [
    "/api/items",
    "/api/cart",
    "/login",
    "/static/app.js",
    "/api/report?month=2026-08",
    "/ws",
    "/healthz",
    "/api/search?q=lamp",
]
ERROR_MIX: list[tuple[float, tuple[str, str]]] = [
    (w, (lvl, msg))
    for w, lvl, msg in [
        (0.28, "error", "connect() failed (111: Connection refused) while connecting to upstream"),
        (
            0.12,
            "error",
            "upstream timed out (110: Connection timed out) while reading response "
            "header from upstream",
        ),
        (
            0.03,
            "error",
            "upstream timed out (110: Operation timed out) while connecting to upstream",
        ),
        (
            0.08,
            "error",
            "upstream prematurely closed connection while reading response header from upstream",
        ),
        (
            0.04,
            "error",
            "recv() failed (104: Connection reset by peer) while reading response "
            "header from upstream",
        ),
        (0.04, "error", "no live upstreams while connecting to upstream"),
        (0.02, "error", "connect() failed (113: No route to host) while connecting to upstream"),
        (
            0.02,
            "crit",
            'pwritev() "/var/cache/nginx/proxy_temp/4/27/0000012274" failed (28: No '
            "space left on device) while reading upstream",
        ),
        (0.01, "error", "upstream sent too big header while reading response header from upstream"),
        (
            0.10,
            "warn",
            "an upstream response is buffered to a temporary file "
            "/var/cache/nginx/proxy_temp/7/01/0000000717 while reading upstream",
        ),
        (0.12, "info", "client prematurely closed connection while reading upstream"),
        (0.06, "error", 'limiting requests, excess: 20.340 by zone "api"'),
        (0.03, "warn", "upstream server temporarily disabled while connecting to upstream"),
        (0.05, "notice", "signal process started"),
    ]
]
STATUS_MIX = [
    (0.78, 200),
    (0.05, 304),
    (0.04, 404),
    (0.06, 502),
    (0.04, 504),
    (0.02, 499),
    (0.01, 500),
]


def _pick(mix: Sequence[tuple[float, T]], r: float) -> T:
    acc = 0.0
    for weight, value in mix:
        acc += weight
        if r < acc:
            return value
    return mix[-1][1]


def write_error_log(path: Path, size: int, seed: int = 1) -> int:
    """Write about `size` bytes of error.log; returns the number of lines."""
    rnd = random.Random(seed)
    t = 1787306400
    conn = 1_000_000
    written = lines = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < size:
            batch = []
            for _ in range(2000):
                level, msg = _pick(ERROR_MIX, rnd.random())
                conn += rnd.randint(1, 7)
                t += rnd.random() < 0.05
                stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(t))
                if level == "notice":
                    batch.append(f"{stamp} [notice] 1#1: {msg}\n")
                    continue
                ip = rnd.choice(IPS)
                path_ = rnd.choice(PATHS)
                up = "http://app_backend" if msg.startswith("no live") else f"http://{ip}:8000"
                batch.append(
                    f"{stamp} [{level}] {rnd.randint(20, 40)}#{rnd.randint(20, 40)}: *{conn} "
                    f"{msg}, client: 203.0.113.{rnd.randint(1, 254)}, server: shop.example.com, "
                    f'request: "GET {path_} HTTP/1.1", upstream: "{up}{path_}", '
                    f'host: "shop.example.com"\n'
                )
            chunk = "".join(batch)
            fh.write(chunk)
            written += len(chunk)
            lines += len(batch)
    return lines


def write_access_log(path: Path, size: int, seed: int = 2) -> int:
    rnd = random.Random(seed)
    t = 1787306400
    written = lines = 0
    with path.open("w", encoding="utf-8") as fh:
        while written < size:
            batch = []
            for _ in range(2000):
                status = _pick(STATUS_MIX, rnd.random())
                t += rnd.random() < 0.02
                stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
                ip = rnd.choice(IPS)
                ustatus = status if status != 499 else "-"
                batch.append(
                    f'203.0.113.{rnd.randint(1, 254)} - - [{stamp}] "GET {rnd.choice(PATHS)} '
                    f'HTTP/1.1" {status} {rnd.randint(0, 90000)} "https://shop.example.com/" '
                    f'"Mozilla/5.0 (X11; Linux x86_64)" upstream_addr={ip}:8000 '
                    f"upstream_status={ustatus} rt={rnd.random():.3f}\n"
                )
            chunk = "".join(batch)
            fh.write(chunk)
            written += len(chunk)
            lines += len(batch)
    return lines


def time_grep(path: Path) -> tuple[float | None, int | None]:
    grep = shutil.which("grep")
    if grep is None:
        return None, None
    start = time.perf_counter()
    out = subprocess.run([grep, "-c", "upstream", str(path)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        return seconds, int(out.stdout.strip() or 0)
    except ValueError:
        return seconds, None


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the scan workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--size-mb",
        type=float,
        default=1024.0,
        help="total size of the two logs in MB (default 1024)",
    )
    ap.add_argument(
        "--keep", metavar="DIR", help="write the logs here and keep them (reused if present)"
    )
    ap.add_argument(
        "--per-line",
        action="store_true",
        help="also time the per-line reference path (parse_line + add), the old way",
    )
    ap.add_argument(
        "--in-process", action="store_true", help="no worker processes (one CPU's speed)"
    )
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from infradoctor.diagnose import accesslog, errorlog

    if args.in_process:
        errorlog.PARALLEL_MIN_CHARS = 1 << 62

    half = int(args.size_mb * MB / 2)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="idt-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    err_path, acc_path = tmp / "error.log", tmp / "access.log"
    try:
        t0 = time.perf_counter()
        reuse = args.keep and err_path.exists() and acc_path.exists()
        if not (reuse and abs(err_path.stat().st_size - half) < MB):
            write_error_log(err_path, half)
            write_access_log(acc_path, half)
        print(
            f"{'reused' if reuse else 'generated'} "
            f"{(err_path.stat().st_size + acc_path.stat().st_size) / MB:.1f} MB in "
            f"{time.perf_counter() - t0:.1f}s under {tmp}; workers: "
            f"{'2 processes' if errorlog.use_workers([('e', err_path)]) else 'none'}"
        )
        rows: list[tuple[str, Path, float, float, str]] = []

        def timed(name: str, path: Path, run: Callable[[], str]) -> None:
            start, cpu = time.perf_counter(), cpu_seconds()
            what = run()
            rows.append((name, path, time.perf_counter() - start, cpu_seconds() - cpu, what))

        def errors() -> str:
            es = errorlog.summarize_file(err_path)
            return f"{es.failures} failures, {len(es.peers)} peers, {es.failed_requests} requests"

        def access() -> str:
            acs = accesslog.summarize_file(acc_path)
            return f"{acs.parsed} requests, {acs.count(502)} x502, {acs.count(504)} x504"

        timed("error.log", err_path, errors)
        timed("access.log", acc_path, access)
        if args.per_line:

            def errors_per_line() -> str:
                text = err_path.read_text(encoding="utf-8", errors="replace")
                es = errorlog.summarize_per_line([(str(err_path), text)])
                return f"{es.failures} failures, {len(es.peers)} peers"

            def access_per_line() -> str:
                text = acc_path.read_text(encoding="utf-8", errors="replace")
                acs = accesslog.summarize_per_line([(str(acc_path), text)])
                return f"{acs.parsed} requests, {acs.count(502)} x502"

            timed("per-line:error.log", err_path, errors_per_line)
            timed("per-line:access.log", acc_path, access_per_line)
        # wall time is what a user waits; CPU time (workers included) is the work done
        print(
            f"{'file':<19} {'MB':>8} {'classify s':>11} {'MB/s':>8} {'cpu s':>8} "
            f"{'cpu MB/s':>9} {'grep -c s':>10} {'grep MB/s':>10}  result"
        )
        total_mb = total_s = total_cpu = 0.0
        for name, path, seconds, cpu_s, what in rows:
            size_mb = path.stat().st_size / MB
            g_sec, g_count = time_grep(path)
            if not name.startswith("per-line"):
                total_mb += size_mb
                total_s += seconds
                total_cpu += cpu_s
            grep_cols = (
                f"{g_sec:>10.2f} {size_mb / g_sec:>10.1f}" if g_sec else f"{'n/a':>10} {'n/a':>10}"
            )
            print(
                f"{name:<19} {size_mb:>8.1f} {seconds:>11.2f} {size_mb / seconds:>8.1f} "
                f"{cpu_s:>8.2f} {size_mb / max(cpu_s, 1e-9):>9.1f} "
                f"{grep_cols}  {what}; grep count {g_count}"
            )
        print(
            f"{'total':<19} {total_mb:>8.1f} {total_s:>11.2f} {total_mb / total_s:>8.1f} "
            f"{total_cpu:>8.2f} {total_mb / max(total_cpu, 1e-9):>9.1f}"
        )
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
