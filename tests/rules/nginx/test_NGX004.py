"""NGX004 tls-outdated-protocols: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.nginx._rules_support import conf, run


@pytest.mark.parametrize(
    ("protocols", "hits"),
    [
        ("TLSv1.2 TLSv1.3", 0),
        ("TLSv1.3", 0),
        ("SSLv3 TLSv1.2", 1),
        ("TLSv1.1 TLSv1.2", 1),
    ],
)
def test_ngx004_protocols(tmp_path: Path, protocols: str, hits: int) -> None:
    found = run(
        tmp_path, "NGX004", conf(f"server {{ listen 443 ssl; ssl_protocols {protocols}; }}\n")
    )
    assert len(found) == hits
