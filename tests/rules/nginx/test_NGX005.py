"""NGX005 upload-route-default-body-size: its tests, gathered from the rule test modules by rule code."""

from __future__ import annotations

from pathlib import Path

from tests.rules.nginx._rules_support import conf, main_conf, run


def test_ngx005_inherited_size_and_non_upload_paths(tmp_path: Path) -> None:
    assert (
        run(
            tmp_path,
            "NGX005",
            main_conf(
                "client_max_body_size 20m;\nserver { location /upload { proxy_pass http://api:1; } }"
            ),
        )
        == []
    )
    assert (
        run(
            tmp_path / "b",
            "NGX005",
            conf(
                "server { location /api/users { proxy_pass http://api:1; }\n"
                " location /profiles { proxy_pass http://api:1; } }\n"
            ),
        )
        == []
    )


def test_ngx005_storage_backend_by_host(tmp_path: Path) -> None:
    found = run(
        tmp_path, "NGX005", conf("server { location / { proxy_pass http://minio:9000; } }\n")
    )
    assert len(found) == 1 and "413" in found[0].message
