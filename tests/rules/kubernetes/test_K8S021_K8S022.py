"""K8S021/K8S022: ingress-nginx annotations read as nginx settings (read timeout on
websocket routes, body size on upload routes); other controllers and global defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding
from infradoctor.rules.kubernetes.K8S021_ingress_websocket_default_read_timeout import (
    BAD as WS_BAD,
)
from infradoctor.rules.kubernetes.K8S022_ingress_upload_default_body_size import (
    BAD as UPLOAD_BAD,
)
from tests.conftest import write_tree

CONTROLLER_CM = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
data:
  proxy-read-timeout: "3600"
  proxy-body-size: 100m
"""


def _run(tmp_path: Path, code: str, files: dict[str, str]) -> list[Finding]:
    return lint(write_tree(tmp_path / "s", files), LintConfig(select=[code])).findings


def test_websocket_path_at_backend_line(tmp_path: Path) -> None:
    [f] = _run(tmp_path, "K8S021", {"k8s/ingress.yaml": WS_BAD})
    assert f.location.line == 15 and "path /socket.io" in f.message


def test_websocket_services_annotation(tmp_path: Path) -> None:
    text = WS_BAD.replace("path: /socket.io", "path: /").replace(
        "proxy-body-size: 10m", "websocket-services: chat"
    )
    assert len(_run(tmp_path, "K8S021", {"k8s/ingress.yaml": text})) == 1


@pytest.mark.parametrize(("code", "bad"), [("K8S021", WS_BAD), ("K8S022", UPLOAD_BAD)])
def test_controller_default_changed(tmp_path: Path, code: str, bad: str) -> None:
    files = {"k8s/ingress.yaml": bad, "k8s/controller.yaml": CONTROLLER_CM}
    assert _run(tmp_path, code, files) == []


@pytest.mark.parametrize(("code", "bad"), [("K8S021", WS_BAD), ("K8S022", UPLOAD_BAD)])
def test_other_controller_is_left_alone(tmp_path: Path, code: str, bad: str) -> None:
    text = "\n".join(
        line for line in bad.splitlines() if "nginx.ingress.kubernetes.io" not in line
    ).replace("  annotations:\n", "  annotations:\n    kubernetes.io/ingress.class: traefik\n")
    assert _run(tmp_path, code, {"k8s/ingress.yaml": text + "\n"}) == []


def test_snippet_setting_body_size_counts(tmp_path: Path) -> None:
    text = UPLOAD_BAD.replace(
        '    nginx.ingress.kubernetes.io/proxy-read-timeout: "120"\n',
        "    nginx.ingress.kubernetes.io/configuration-snippet: |\n"
        "      client_max_body_size 20m;\n",
    )
    assert _run(tmp_path, "K8S022", {"k8s/ingress.yaml": text}) == []


def test_upload_by_service_name(tmp_path: Path) -> None:
    text = UPLOAD_BAD.replace("path: /api/upload", "path: /").replace("name: api", "name: minio")
    [f] = _run(tmp_path, "K8S022", {"k8s/ingress.yaml": text})
    assert "'minio'" in f.message
