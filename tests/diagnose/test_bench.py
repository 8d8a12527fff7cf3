"""Smoke run of bench/diagnose_logs.py at 5 MB: it must print real throughput numbers."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO


def test_bench_prints_throughput_next_to_grep() -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "diagnose_logs.py"), "--size-mb", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    rows = {
        ln.split()[0]: ln.split()
        for ln in out.splitlines()
        if ln.startswith(("error.log", "access.log", "total"))
    }
    assert set(rows) == {"error.log", "access.log", "total"}, out
    for name in ("error.log", "access.log"):
        size_mb, seconds, mbps = (float(x) for x in rows[name][1:4])
        assert 2.0 < size_mb < 3.0 and seconds > 0 and mbps > 0
        cpu_s, cpu_mbps = (float(x) for x in rows[name][4:6])
        assert cpu_s > 0 and cpu_mbps > 0
        assert re.match(r"^\d+(\.\d+)?$|^n/a$", rows[name][6])  # grep -c seconds
    assert re.search(r"\d+ failures, \d+ peers", out)
    assert re.search(r"\d+ requests, \d+ x502, \d+ x504", out)
