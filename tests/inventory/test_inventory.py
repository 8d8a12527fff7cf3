"""`infradoctor inventory`: golden JSON and Markdown for every example stack, the topology
picture (rendered with Graphviz and parsed), Kubernetes sources, and no secrets in any
format.

Regenerate the golden files with `python -m tests.inventory.test_inventory --update`
after reviewing the diff."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.inventory import build_inventory
from infradoctor.inventory import render as r
from infradoctor.loaders import load_stack
from tests.conftest import REPO, write_tree

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
EXAMPLES = REPO / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def outputs(name: str) -> dict[str, str]:
    inv = build_inventory(load_stack(EXAMPLES / name))
    js, md = io.StringIO(), io.StringIO()
    r.render_json(inv, js)
    r.render_markdown(inv, md)
    data = json.loads(js.getvalue())
    data["version"] = "<version>"
    return {
        "json": json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        "md": md.getvalue(),
    }


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["json", "md"])
def test_golden(name: str, kind: str) -> None:
    expected = (GOLDEN / f"{name}.{kind}").read_text()
    assert outputs(name)[kind] == expected, (
        f"inventory of {name} changed; review and run `python -m tests.inventory.test_inventory "
        "--update`"
    )


def test_json_shape_is_the_documented_contract() -> None:
    data = json.loads(outputs("platform")["json"])
    assert set(data) >= {"tool", "version", "services", "volumes", "routes"}
    service_keys = {
        "name", "kind", "image", "build", "ports", "healthcheck", "restart", "replicas",
        "resources", "volumes", "networks", "profiles", "depends_on", "routes", "file", "line",
    }  # fmt: skip
    for s in data["services"]:
        assert service_keys <= set(s), service_keys - set(s)
    for v in data["volumes"]:
        assert {"name", "mounted_by"} <= set(v)
    route_keys = {
        "server", "listen", "location", "target", "service", "port", "resolved", "file", "line",
    }  # fmt: skip
    for rt in data["routes"]:
        assert route_keys <= set(rt)
    by_name = {s["name"]: s for s in data["services"]}
    assert by_name["api"]["replicas"] == 3
    assert by_name["api"]["ports"][0] == {
        "kind": "published", "container": 3000, "published": 3000, "host_ip": None,
        "protocol": "tcp", "name": None,
    }  # fmt: skip
    assert by_name["api"]["routes"] == [{"server": "_", "location": "/api/", "port": 3000}]
    assert by_name["auth"]["resources"] == {"memory_limit": "768m"}
    assert by_name["adminer"]["profiles"] == ["dev"]
    auth_route = [rt for rt in data["routes"] if rt["location"] == "/auth/"][0]
    assert auth_route["resolved"] is False and auth_route["service"] is None
    assert {"name": "pgdata"}.items() <= data["volumes"][0].items()
    assert data["volumes"][0]["mounted_by"][0]["service"] == "postgres"


def test_markdown_is_an_operations_guide_table() -> None:
    md = outputs("drawing-app")["md"]
    lines = md.splitlines()
    assert lines[0] == "## Service inventory"
    header = lines[2]
    for column in ("Service", "Ports", "Purpose", "Volumes", "Where to look"):
        assert f" {column} |" in header
    assert any(line.startswith("| postgres | postgres:16-alpine | 5432->5432 |") for line in lines)
    assert "| draw.example.com | 80 | /ws/ | http://realtime:8765 | realtime:8765 |" in md
    assert "```mermaid" in md


def _svg(inv_root: Path) -> ET.Element:
    from infradoctor.inventory.graphviz import render_dot

    inv = build_inventory(load_stack(inv_root))
    return ET.fromstring(render_dot(r.dot_text(inv), "svg"))


def _need_graphviz() -> None:
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("Graphviz `dot` is missing in CI (scripts/ci-system-deps.sh installs it)")
        pytest.skip("Graphviz `dot` not installed")


def test_svg_picture_shows_routes_and_red_unresolved_edge() -> None:
    _need_graphviz()
    svg = _svg(EXAMPLES / "platform")
    ns = {"s": "http://www.w3.org/2000/svg"}
    nodes = {
        g.findtext("s:title", namespaces=ns): " ".join(
            t.text or "" for t in g.iter(f"{{{ns['s']}}}text")
        )
        for g in svg.iter(f"{{{ns['s']}}}g")
        if g.get("class") == "node"
    }
    edges: dict[str, ET.Element] = {
        g.findtext("s:title", namespaces=ns) or "": g
        for g in svg.iter(f"{{{ns['s']}}}g")
        if g.get("class") == "edge"
    }
    assert "svc_platform_api" in nodes and "published 3000->3000" in nodes["svc_platform_api"]
    route_api = [n for n, text in nodes.items() if n.startswith("route_") and "/api/" in text]
    assert route_api, nodes
    assert f"{route_api[0]}->svc_platform_api" in edges
    assert "svc_platform_gateway->svc_platform_api" in edges  # depends_on
    red = [
        title
        for title, g in edges.items()
        if any(p.get("stroke") == "red" for p in g.iter(f"{{{ns['s']}}}path"))
    ]
    unresolved = [t for t in red if "unresolved_http_auth_service_4000" in t]
    assert unresolved, red
    # the resolved route edge is not red
    assert f"{route_api[0]}->svc_platform_api" not in red


def test_cli_svg_and_mermaid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(EXAMPLES / "drawing-app"), "--format", "mermaid"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart LR")
    assert "svc_drawing_app_realtime" in out
    assert main(["inventory", str(EXAMPLES / "drawing-app"), "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph topology {")
    if shutil.which("dot") is None and not IN_CI:
        return
    target = tmp_path / "topology.svg"
    assert (
        main(["inventory", str(EXAMPLES / "drawing-app"), "--format", "svg", "-o", str(target)])
        == 0
    )
    assert ET.fromstring(target.read_bytes()).tag.endswith("svg")


def test_cli_svg_without_graphviz_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import infradoctor.inventory.graphviz as gv

    monkeypatch.setattr(gv, "dot_binary", lambda: None)
    assert main(["inventory", str(EXAMPLES / "platform"), "--format", "svg"]) == 2
    assert "Graphviz is not installed" in capsys.readouterr().err


def test_cli_table_and_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(EXAMPLES / "platform"), "--profile", "prod"]) == 0
    out = capsys.readouterr().out
    assert "node-exporter" in out and "adminer" not in out
    assert "UNRESOLVED" in out


SECRET = "s3cr3t-Passw0rd-zz"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_no_secrets_in_any_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "compose.yaml": (
                "services:\n"
                "  api:\n"
                "    image: ghcr.io/acme/api:1.0\n"
                f"    command: ['gunicorn', '--bind', '0.0.0.0:8000', '--password={SECRET}']\n"
                "    environment:\n"
                f"      DB_PASSWORD: {SECRET}\n"
                f"      BOT_TOKEN: {TOKEN}\n"
                f"      DATABASE_URL: postgres://app:{SECRET}@db:5432/app\n"
                "    healthcheck:\n"
                f"      test: ['CMD', 'curl', '-f', 'http://admin:{SECRET}@localhost:8000/h']\n"
                "    labels:\n"
                f"      description: 'api with password={SECRET}'\n"
            ),
            "nginx/conf.d/app.conf": (
                "server {\n  listen 80;\n  location / {\n"
                f"    proxy_pass http://u:{SECRET}@api:8000;\n"
                "  }\n}\n"
            ),
        },
    )
    for fmt in ("table", "markdown", "json", "mermaid", "dot"):
        assert main(["inventory", str(root), "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert SECRET not in out, fmt
        assert TOKEN.split(":")[1] not in out, fmt
        assert "api" in out


def test_kubernetes_workloads_and_ingress(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "k",
        {
            "k8s/app.yaml": (
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
                "  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n"
                "    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
                "        - name: web\n          image: ghcr.io/acme/web:1.2\n"
                "          ports:\n            - {containerPort: 8080, name: http}\n"
                "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n"
                "          resources:\n            limits: {memory: 512Mi, cpu: '1'}\n"
                "            requests: {memory: 256Mi}\n"
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
                "  type: NodePort\n  selector: {app: web}\n  ports:\n"
                "    - {port: 80, targetPort: 8080}\n"
                "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n"
                "  name: web\nspec:\n  rules:\n    - host: web.example.com\n      http:\n"
                "        paths:\n          - path: /\n            pathType: Prefix\n"
                "            backend:\n              service:\n                name: web\n"
                "                port: {number: 80}\n"
                "          - path: /old\n            pathType: Prefix\n"
                "            backend:\n              service:\n                name: legacy\n"
                "                port: {number: 80}\n"
            )
        },
    )
    inv = build_inventory(load_stack(root))
    [web] = inv.services
    assert (web.kind, web.replicas, web.image) == ("Deployment", 2, "ghcr.io/acme/web:1.2")
    assert web.resources == {
        "memory_limit": "512Mi",
        "cpu_limit": "1",
        "memory_reservation": "256Mi",
    }
    assert web.healthcheck is not None and "readiness httpGet :http" in web.healthcheck.test
    assert [p.label for p in web.ports] == ["8080 (http)", "NodePort:80->8080"]
    assert (web.file, web.line) == ("k8s/app.yaml", 4)
    assert [(rt.location, rt.service, rt.resolved) for rt in inv.routes] == [
        ("/", "web", True),
        ("/old", None, False),
    ]
    assert web.routes and web.routes[0].location == "/"
    dot = r.dot_text(inv)
    assert "color=red" in dot


if __name__ == "__main__" and "--update" in sys.argv:
    GOLDEN.mkdir(exist_ok=True)
    for n in NAMES:
        for kind, text in outputs(n).items():
            (GOLDEN / f"{n}.{kind}").write_text(text)
            print(f"wrote golden/{n}.{kind}")


def test_nginx_in_a_configmap_resolves_to_services_and_their_workloads(tmp_path: Path) -> None:
    """Routes of in-cluster nginx name Services (`api`, `api.ns.svc.cluster.local`): the
    inventory resolves them to the Service and lists the route on the workload it selects;
    any other target stays unresolved with the reason (not "no compose project")."""
    nginx = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nginx-conf\ndata:\n"
        "  default.conf: |\n    server {\n        listen 80;\n"
        "        location /api/ {\n            proxy_pass http://api;\n        }\n"
        "        location /fq/ {\n"
        "            proxy_pass http://api.default.svc.cluster.local:8080;\n        }\n"
        "        location /ext/ {\n            proxy_pass https://example.com;\n        }\n"
        "        location /ip/ {\n            proxy_pass http://10.0.0.7:8080;\n        }\n"
        "        location /gone/ {\n            proxy_pass http://billing:9000;\n        }\n"
        "    }\n"
    )
    manifests = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n"
        "  selector: {app: api-pods}\n  ports:\n    - {port: 80, targetPort: 8000}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-server\nspec:\n"
        "  selector:\n    matchLabels: {app: api-pods}\n  template:\n"
        "    metadata:\n      labels: {app: api-pods}\n    spec:\n      containers:\n"
        "        - {name: api, image: ghcr.io/acme/api:1}\n"
    )
    root = write_tree(tmp_path / "c", {"k8s/nginx.yaml": nginx, "k8s/api.yaml": manifests})
    inv = build_inventory(load_stack(root))
    rows = [(rt.location, rt.service, rt.port, rt.resolved, rt.reason) for rt in inv.routes]
    assert rows == [
        ("/api/", "api", 80, True, None),
        ("/fq/", "api", 8080, True, None),
        ("/ext/", None, 443, False, "no single Service of the manifests has that name"),
        ("/ip/", None, 8080, False, "not a cluster Service name"),
        ("/gone/", None, 9000, False, "no single Service of the manifests has that name"),
    ]
    [server] = [s for s in inv.services if s.name == "api-server"]
    assert [(ref.location, ref.port) for ref in server.routes] == [("/api/", 80), ("/fq/", 8080)]
