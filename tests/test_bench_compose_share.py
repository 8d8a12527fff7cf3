"""bench/compose_share.py still runs and reports the compose model's phases (a tiny tree,
compared with itself; the seconds are not looked at: tests never time things)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import write_tree

REPO = Path(__file__).resolve().parents[1]

TREE = {
    "app/compose.yaml": (
        "services:\n  web:\n    image: nginx:1.27\n    volumes: ['./nginx.conf:/etc/nginx/nginx.conf']\n"
        "  api:\n    image: api:${TAG:-1}\n    command: uvicorn app:app --port 8000\n"
    ),
    "app/nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n"
    "    location / { proxy_pass http://api:8000; }\n  }\n}\n",
}


def test_bench_compose_share_runs(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "corpus", TREE)
    src = str(REPO / "src")
    out = subprocess.run(
        [sys.executable, str(REPO / "bench" / "compose_share.py"), str(root)]
        + ["--repeat", "1", "--rounds", "1", "--compare", src],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:3]}
    assert set(rows) == {"this", "SRC"}
    assert all(len(values) == 5 and all(float(v) >= 0 for v in values) for values in rows.values())
    assert "share this / SRC" in out
