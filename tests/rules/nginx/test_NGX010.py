"""NGX010 alias-path-traversal: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.nginx._rules_support import conf, run


@pytest.mark.parametrize(
    ("location", "hits"),
    [
        ("location /files { alias /data/; }", 1),
        ("location ^~ /files { alias /data/; }", 1),
        ("location /files/ { alias /data/; }", 0),
        ("location /files { alias /data; }", 0),
        ("location ~ ^/files/(.*)$ { alias /data/$1; }", 0),
        ("location = /robots.txt { alias /data/robots.txt; }", 0),
    ],
)
def test_ngx010(tmp_path: Path, location: str, hits: int) -> None:
    found = run(tmp_path, "NGX010", conf(f"server {{ {location} }}\n"))
    assert len(found) == hits
