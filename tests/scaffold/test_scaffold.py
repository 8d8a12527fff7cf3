"""`infradoctor scaffold` on tiny sample services in each language: the detection, the
generated files linted by `infradoctor lint` with zero error/warning findings, the
Dockerfile through our parser, and the kustomize overlays rendered with
`kubectl kustomize` (kustomize v4+, i.e. kubectl >= 1.21; the machine image ships one, a
missing or too old kubectl fails in CI) and with the minimal renderer in
kustomize_lite.py (always), whose results must agree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from infradoctor.loaders.dockerfile import load_dockerfile
from infradoctor.model.source import FileKind, SourceFile
from tests.conftest import write_tree
from tests.scaffold import kustomize_lite

SAMPLES: dict[str, dict[str, str]] = {
    "py-fastapi": {
        "requirements.txt": "fastapi==0.115.0\nuvicorn[standard]==0.30.6\n",
        "app/__init__.py": "",
        "app/main.py": (
            "from fastapi import FastAPI\n\napi = FastAPI()\n\n\n"
            '@api.get("/healthz")\ndef health():\n    return {"ok": True}\n'
        ),
    },
    "py-flask": {
        "requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n",
        "wsgi.py": (
            "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
            '@app.route("/health")\ndef health():\n    return "ok"\n\n\n'
            'if __name__ == "__main__":\n    app.run(port=5000)\n'
        ),
    },
    "py-django": {
        "requirements.txt": "Django==5.0.7\ngunicorn==22.0.0\n",
        "manage.py": "import django\n",
        "mysite/__init__.py": "",
        "mysite/wsgi.py": "application = None\n",
        "mysite/urls.py": 'urlpatterns = [path("health/", health)]\n',
    },
    "node-express": {
        "package.json": json.dumps(
            {"name": "shop", "main": "server.js", "dependencies": {"express": "^4.19.2"}}
        ),
        "package-lock.json": "{}",
        "server.js": (
            "const express = require('express');\nconst app = express();\n"
            "app.get('/health', (req, res) => res.send('ok'));\n"
            "app.listen(process.env.PORT || 4000);\n"
        ),
    },
    "node-nest": {
        "package.json": json.dumps(
            {
                "name": "nest",
                "scripts": {"build": "nest build", "start:prod": "node dist/main"},
                "dependencies": {"@nestjs/core": "^10.0.0", "@nestjs/common": "^10.0.0"},
            }
        ),
        "src/main.ts": "await app.listen(3000);\n",
        "src/health.controller.ts": "@Controller('health')\nexport class Health {}\n",
    },
    "node-next": {
        "package.json": json.dumps(
            {
                "name": "web",
                "scripts": {"build": "next build", "start": "next start"},
                "dependencies": {"next": "14.2.5", "react": "18.3.1"},
            }
        ),
        "app/api/health/route.ts": "export async function GET() { return Response.json({}) }\n",
        "app/page.tsx": "export default function Page() { return null }\n",
    },
    "go-chi": {
        "go.mod": "module example.com/api\n\ngo 1.22\n\nrequire github.com/go-chi/chi/v5 v5.0.12\n",
        "cmd/api/main.go": (
            'package main\n\nimport "net/http"\n\nfunc main() {\n'
            '\thttp.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})\n'
            '\thttp.ListenAndServe(":9090", nil)\n}\n'
        ),
    },
    "php-laravel": {
        "composer.json": json.dumps({"require": {"laravel/framework": "^11.0"}}),
        "public/index.php": "<?php echo 'hi';\n",
        "artisan": "#!/usr/bin/env php\n",
    },
    "java-maven": {
        "pom.xml": (
            "<project><parent><groupId>org.springframework.boot</groupId>"
            "<artifactId>spring-boot-starter-parent</artifactId></parent>"
            "<properties><java.version>17</java.version></properties><dependencies>"
            "<dependency><artifactId>spring-boot-starter-web</artifactId></dependency>"
            "<dependency><artifactId>spring-boot-starter-actuator</artifactId></dependency>"
            "</dependencies></project>"
        ),
        "src/main/resources/application.properties": "server.port=8181\n",
        "src/main/java/App.java": "class App {}\n",
    },
    "java-gradle": {
        "build.gradle.kts": (
            'plugins { id("org.springframework.boot") version "3.3.1" }\n'
            "java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }\n"
            'dependencies { implementation("org.springframework.boot:spring-boot-starter-'
            'actuator") }\n'
        ),
        "gradlew": "#!/bin/sh\n",
        "src/main/resources/application.yml": "server:\n  port: 8082\n",
    },
}

EXPECT = {
    # sample: (language, framework, port, health, CMD start)
    "py-fastapi": ("python", "fastapi", 8000, "/healthz", ["uvicorn", "app.main:api"]),
    "py-flask": ("python", "flask", 5000, "/health", ["gunicorn", "wsgi:app"]),
    "py-django": ("python", "django", 8000, "/health/", ["gunicorn", "mysite.wsgi:application"]),
    "node-express": ("node", "express", 4000, "/health", ["node", "server.js"]),
    "node-nest": ("node", "nest", 3000, "/health", ["node", "dist/main.js"]),
    "node-next": ("node", "next", 3000, "/api/health", ["node_modules/.bin/next", "start"]),
    "go-chi": ("go", "chi", 9090, "/healthz", ["/usr/local/bin/app"]),
    "php-laravel": ("php", "php-fpm", 9000, None, ["php-fpm", "--nodaemonize"]),
    "java-maven": ("java", "spring-boot", 8181, "/actuator/health", ["java", "-jar"]),
    "java-gradle": ("java", "spring-boot", 8082, "/actuator/health", ["java", "-jar"]),
}

COMPOSE = """\
# the team's stack: comments must survive the merge
services:
  # the edge proxy
  nginx:
    image: nginx:1.27.0-alpine
    restart: unless-stopped
    ports: ["127.0.0.1:8080:80"]
    volumes:
      - ./nginx/conf.d:/etc/nginx/conf.d:ro
    logging:
      driver: json-file
      options: {max-size: "10m", max-file: "3"}
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1/"]
# end of services
"""


def _modern_kubectl() -> tuple[str | None, str]:
    exe = shutil.which("kubectl")
    if exe is None:
        return None, "kubectl not found"
    res = subprocess.run(
        [exe, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=60
    )
    try:
        info = json.loads(res.stdout)
    except ValueError:
        return None, f"{exe}: cannot read its version ({res.stderr.strip()[:200]})"
    kv = str(info.get("kustomizeVersion", ""))
    if not kv.startswith("v") or int(kv[1:].split(".")[0]) < 4:
        return None, f"{exe} embeds kustomize {kv or '< v4'}; overlays need v4+ (kubectl >= 1.21)"
    return exe, ""


def _require_kubectl() -> str:
    exe, why = _modern_kubectl()
    if exe is None:
        in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
        if not in_ci and os.environ.get("INFRADOCTOR_REAL_SERVERS") == "skip":
            pytest.skip(why)
        pytest.fail(why, pytrace=False)
    return exe


def _errors_and_warnings(root: Path) -> list[str]:
    result = lint(root, LintConfig())
    assert not result.errors, [e.message for e in result.errors]
    return [
        f"{f.rule} {f.location.file}:{f.location.line} {f.message}"
        for f in result.findings
        if f.severity >= Severity.WARNING
    ]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_scaffold_sample(sample: str, tmp_path: Path, capsys) -> None:
    stack = tmp_path / "stack"
    svc_dir = write_tree(stack / "services" / sample, SAMPLES[sample])
    compose = stack / "compose.yaml"
    compose.write_text(COMPOSE)
    flags = ["--ingress", f"{sample}.example.com", "--hpa", "--pdb"]
    if sample.startswith("php"):
        flags = ["--pdb"]
    code = main(["scaffold", str(svc_dir), "--compose", str(compose), *flags])
    out = capsys.readouterr()
    assert code == 0, out.err

    # detection
    language, framework, port, health, cmd = EXPECT[sample]
    df_text = (svc_dir / "Dockerfile").read_text()
    assert f"for a {language}/{framework} service" in df_text
    assert f"EXPOSE {port}\n" in df_text
    src = SourceFile("Dockerfile", svc_dir / "Dockerfile", FileKind.DOCKERFILE, df_text)
    df, errors = load_dockerfile(src)
    assert not errors
    assert df is not None and len(df.stages) >= 2 or sample.startswith("php")
    assert df.cmd is not None and df.cmd.exec_form is not None
    assert df.cmd.exec_form[: len(cmd)] == cmd
    assert df.user is not None and df.user.value.split(":")[0].isdigit()
    assert df.healthcheck is not None and "CMD [" in df.healthcheck.value
    for stage in df.stages:
        assert ":" in stage.base_image and not stage.base_image.endswith(":latest")
    if health:
        assert f"127.0.0.1:{port}{health}" in df.healthcheck.value
    cmd_text = " ".join(df.cmd.exec_form)
    if language in ("python", "java") or framework == "next":
        assert "0.0.0.0" in cmd_text and str(port) in cmd_text

    # comments kept in the merged compose file; the service is there
    merged = compose.read_text()
    assert merged.startswith(COMPOSE.split("# end of services")[0].rstrip("\n"))
    assert "# end of services" in merged and "# the edge proxy" in merged
    services = yaml.safe_load(merged)["services"]
    assert set(services) == {"nginx", sample}
    assert services[sample]["restart"] == "unless-stopped"
    assert services[sample]["logging"]["options"]["max-size"] == "10m"
    assert (stack / "nginx" / "conf.d" / f"{sample}.conf").exists()

    # everything generated lints clean (no error/warning findings)
    assert _errors_and_warnings(stack) == []
    # the service directory alone too (Dockerfile + kustomize)
    assert _errors_and_warnings(svc_dir) == []

    for manifest in (svc_dir / "k8s").rglob("*.yaml"):
        assert "&id0" not in manifest.read_text(), manifest  # no YAML anchors in output

    # kustomize overlays render, with kubectl and with the minimal renderer, alike
    for overlay in ("dev", "prod"):
        docs = kustomize_lite.render(svc_dir / "k8s" / "overlays" / overlay)
        _check_rendered(docs, sample, overlay, flags, language, health)
    kubectl = _require_kubectl()
    for overlay in ("dev", "prod"):
        res = subprocess.run(
            [kubectl, "kustomize", str(svc_dir / "k8s" / "overlays" / overlay)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert res.returncode == 0, res.stderr
        docs = [d for d in yaml.safe_load_all(res.stdout) if d]
        _check_rendered(docs, sample, overlay, flags, language, health)
        lite = kustomize_lite.render(svc_dir / "k8s" / "overlays" / overlay)
        key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
        assert sorted(docs, key=key) == sorted(lite, key=key)


def _check_rendered(
    docs: list, sample: str, overlay: str, flags: list[str], language: str, health: str | None
) -> None:
    if True:
        kinds = {d["kind"] for d in docs}
        assert {"Deployment", "Service"} <= kinds
        deploy = next(d for d in docs if d["kind"] == "Deployment")
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == f"{sample}:" + ("dev" if overlay == "dev" else "0.1.0")
        assert "readinessProbe" in container and "livenessProbe" in container
        assert ("startupProbe" in container) == (language == "java")
        if health:
            path = container["readinessProbe"]["httpGet"]["path"]
            assert path.startswith(health)
        if "--hpa" not in flags:
            want = 1 if overlay == "dev" else 3
            assert deploy["spec"]["replicas"] == want
        if "--ingress" in flags:
            assert "Ingress" in kinds and "HorizontalPodAutoscaler" in kinds


def test_existing_files_not_overwritten_and_dry_run(tmp_path: Path, capsys) -> None:
    svc = write_tree(tmp_path / "api", SAMPLES["py-fastapi"])
    (svc / "Dockerfile").write_text("FROM python:3.12-slim\n")
    assert main(["scaffold", str(svc)]) == 1
    err = capsys.readouterr().err
    assert "Dockerfile exists (use --force" in err
    assert (svc / "Dockerfile").read_text() == "FROM python:3.12-slim\n"
    assert not (svc / "k8s").exists()  # nothing written when anything clashes
    assert main(["scaffold", str(svc), "--dry-run", "--port", "7000", "--name", "Billing API"]) == 0
    out = capsys.readouterr().out
    assert "==> write " in out and "EXPOSE 7000" in out and "name: billing-api" in out
    assert not (svc / "k8s").exists()
    assert main(["scaffold", str(svc), "--force"]) == 0
    assert "EXPOSE 8000" in (svc / "Dockerfile").read_text()


def test_compose_service_exists_needs_force(tmp_path: Path, capsys) -> None:
    svc = write_tree(tmp_path / "api", SAMPLES["py-flask"])
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  api:\n    image: old:1\n  # keep me\n  db:\n    image: postgres:16.3\n"
    )
    assert main(["scaffold", str(svc), "--compose", str(compose)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["scaffold", str(svc), "--compose", str(compose), "--force"]) == 0
    data = yaml.safe_load(compose.read_text())
    assert data["services"]["api"]["image"] == "api:0.1.0"
    assert "db" in data["services"] and "# keep me" in compose.read_text()


def test_compose_file_created_when_missing(tmp_path: Path) -> None:
    svc = write_tree(tmp_path / "api", SAMPLES["go-chi"])
    assert main(["scaffold", str(svc), "--compose", str(tmp_path / "compose.yaml")]) == 0
    assert "api" in yaml.safe_load((tmp_path / "compose.yaml").read_text())["services"]


def test_interactive_prompts(tmp_path: Path, monkeypatch, capsys) -> None:
    svc = write_tree(tmp_path / "api", SAMPLES["node-express"])
    answers = iter(["orders", "5005", "/ready"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["scaffold", str(svc), "-i", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "EXPOSE 5005" in out and "127.0.0.1:5005/ready" in out and "name: orders" in out


def test_nothing_detectable(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["scaffold", str(tmp_path / "empty")]) == 2
    assert "no pom.xml" in capsys.readouterr().err
