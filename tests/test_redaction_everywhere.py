"""Issue 7: secrets never leave the machine.

A project with secrets of every kind planted in compose, .env, nginx, Dockerfile and
Kubernetes files, on lines that have problems (so findings, excerpts, fix diffs and load
errors quote them), is put through every output path: `lint` in all four formats (plus
`--quiet`, `--statistics`, `--output`, `--write-baseline`), `fix --diff`, `fix`, `lint
--fix`, `bundle` (real collectors, a fake Docker API) and `diagnose --from` in all
formats. No planted value may appear in stdout, stderr, a written report or a bundle
member; what makes the output useful (plain URLs, `-p 8080:80`, image digests, join keys)
must survive; and `fix` must write the real values, byte for byte.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from infradoctor.cli.main import main
from infradoctor.redact import (
    MASK,
    is_secret_flag,
    redact_argv,
    redact_json,
    redact_lines,
    redact_text,
)
from tests.conftest import write_tree

BOT = "7012345678:AAHk3vQz9pLr2sT8uVw1xYz0aBcDeFgHiJk"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.Zm9vYmFyLXNpZ25hdHVyZS0xMjM"
PEM_LINES = (
    "MIIEowIBAAKCAQEAvPlantedKeyLineOne0123456789abcdefghijklmnopq",
    "PlantedKeyLineTwo9876543210ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu",
)
DIGEST = "sha256:" + "0123456789abcdef" * 4

# kind -> planted value (each distinct, none a substring of an innocent word)
SECRETS: dict[str, str] = {
    "compose-url-userinfo": "PgUrlPw-71aQ",
    "compose-env-password": "PgEnvPw-82bR",
    "stripe-live-key": "sk_live_51PlantedStripeKey0a1b2c",
    "slack-token": "xoxb-1111111111-PlantedSlackTok",
    "github-token": "ghp_PlantedGithubToken0123456789abcdefXY",
    "github-pat": "github_pat_11PLANTED0_PlantedFineGrainedTok",
    "aws-access-key-id": "AKIAPLANTEDKEY12ABCD",
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPlantedSecretKeyAb",
    "jwt": JWT,
    "telegram-bot-token": BOT,
    "redis-url-password": "RedisUrlPw-93cS",
    "amqp-url-password": "AmqpUrlPw-04dT",
    "pem-line-1": PEM_LINES[0],
    "pem-line-2": PEM_LINES[1],
    "db-passwd": "DbPasswd-15eU",
    "smtp-pass": "SmtpPass-26fV",
    "client-secret": "ClientSecret-37gW",
    "curl-user-pass": "CurlUserPw-48hX",
    "mysql-dash-p": "MysqlDashP-59iY",
    "redis-requirepass": "RequirePass-60jZ",
    "api-key-flag": "ApiKeyFlag-71kA",
    "token-flag-equals": "TokenFlagEq-82lB",
    "password-flag-list": "PwFlagList-93mC",
    "google-api-key": "AIzaSyPlanted0123456789abcdefghijklmno",
    "dotenv-password": "DotenvPw-04nD",
    "dotenv-token": "DotenvTok-15oE",
    "dotenv-secret-key": "DotenvSecretKey-26pF",
    "huggingface-token": "hf_PlantedHuggingFaceToken0123456789",
    "nginx-bearer": "NginxBearer-37qG.x1",
    "nginx-url-userinfo": "NginxUrlPw-48rH",
    "nginx-x-api-key": "NginxXApiKey-59sI",
    "nginx-basic": "bmdpbng6YmFzaWMtcGxhbnRlZA==",
    "nginx-set-token": "NginxSetTok-60tJ",
    "dockerfile-env": "DkrEnvSecret-71uK",
    "dockerfile-env-legacy": "DkrLegacyPw-82vL",
    "npm-token": "npm_PlantedNpmToken0123456789abcdefghijk",
    "dockerfile-mysql": "DkrMysqlPw-93wM",
    "dockerfile-curl": "DkrCurlPw-04xN",
    "git-url-token": "GitUrlTok-15yO",
    "k8s-env-value": "K8sEnvValue-26zP",
    "k8s-arg": "K8sArgPw-37aQ",
    "k8s-secret-data": "SzhzU2VjcmV0RGF0YS00OGJS",
    "k8s-secret-string": "K8sStringData-59cS",
    "sendgrid-key": "SG.PlantedSendgrid0123.PlantedSendgridSecret456789",
    "var-default": "VarDefaultPw-60dT",
    "yaml-password": "YamlGenericPw-71eU",
}

COMPOSE = f"""\
services:
  nginx:
    image: nginx:1.27
    ports:
      - "8080:80"
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
    depends_on:
      - api
  api:
    image: ghcr.io/acme/api@{DIGEST}  # infradoctor: ignore[NGX001]
    build: ./api
    environment:
      DATABASE_URL: postgres://app:{SECRETS["compose-url-userinfo"]}@db:5432/app
      POSTGRES_PASSWORD: {SECRETS["compose-env-password"]}
      STRIPE_KEY: {SECRETS["stripe-live-key"]}  # infradoctor: ignore[NGX001]
      SLACK_HOOK_TOKEN: {SECRETS["slack-token"]}
      GH: {SECRETS["github-token"]}  # infradoctor: ignore[NGX001]
      AWS_ACCESS_KEY_ID: {SECRETS["aws-access-key-id"]}
      AWS_SECRET_ACCESS_KEY: {SECRETS["aws-secret-key"]}
      SESSION_JWT: {JWT}
      TELEGRAM_BOT_TOKEN: "{BOT}"
      CACHE: redis://:{SECRETS["redis-url-password"]}@redis:6379/0  # infradoctor: ignore[NGX001]
      BROKER: amqp://guest:{SECRETS["amqp-url-password"]}@rabbit:5672/  # infradoctor: ignore[NGX001]
      DOCS: https://example.com/docs?page=2  # infradoctor: ignore[NGX001]
      PRIVATE_KEY: |
        -----BEGIN RSA PRIVATE KEY-----
        {PEM_LINES[0]}
        {PEM_LINES[1]}
        -----END RSA PRIVATE KEY-----
      DB_PASSWD: {SECRETS["db-passwd"]}
      SMTP_PASS: {SECRETS["smtp-pass"]}
      client_secret: {SECRETS["client-secret"]}
      FALLBACK_PASSWORD: ${{FALLBACK_PASSWORD:-{SECRETS["var-default"]}}}
      PLACEHOLDER_PASSWORD: ${{DB_PASSWORD}}
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS -u admin:{SECRETS["curl-user-pass"]} http://localhost:8000/health"]
  db:
    image: mysql:8.0
    command: --default-authentication-plugin=mysql_native_password
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "-h", "localhost", "-uroot", "-p{SECRETS["mysql-dash-p"]}"]
      interval: 10s
  redis:
    image: redis:7
    command: redis-server --requirepass {SECRETS["redis-requirepass"]} --appendonly yes
  worker:
    image: acme/worker:latest
    command: ["python", "worker.py", "--api-key", "{SECRETS["api-key-flag"]}", "--token={SECRETS["token-flag-equals"]}"]
    env_file: .env
    environment:
      - GITHUB_PAT={SECRETS["github-pat"]}
      - GOOGLE_API={SECRETS["google-api-key"]}
  tools:
    image: acme/tools:1.0
    entrypoint:
      - /bin/tool
      - --password
      - {SECRETS["password-flag-list"]}
    command: docker run -p 8080:80 nginx  # infradoctor: ignore[NGX001]
    labels:
      settings.password: {SECRETS["yaml-password"]}
"""

DOTENV = f"""\
POSTGRES_PASSWORD={SECRETS["dotenv-password"]}
API_TOKEN={SECRETS["dotenv-token"]}
SECRET_KEY={SECRETS["dotenv-secret-key"]}
HF_TOKEN={SECRETS["huggingface-token"]}
PLAIN_SETTING=visible-value
"""

NGINX = f"""\
events {{}}
http {{
  server {{
    listen 80;
    server_tokens on;
    proxy_set_header Authorization "Bearer {SECRETS["nginx-bearer"]}";
    set $api_token "{SECRETS["nginx-set-token"]}";
    location / {{
      proxy_pass http://api:8000;  # infradoctor: ignore[CMP001]
    }}
    location /legacy/ {{
      proxy_pass http://legacy:{SECRETS["nginx-url-userinfo"]}@apii:8000;
    }}
    location /basic/ {{
      proxy_pass http://backend:8080;  # infradoctor: ignore[CMP001]
      proxy_set_header X-Api-Key {SECRETS["nginx-x-api-key"]};  # infradoctor: ignore[CMP001]
      proxy_set_header Authorization "Basic {SECRETS["nginx-basic"]}";  # infradoctor: ignore[CMP001]
    }}
    location /ws/ {{
      proxy_pass http://api:8000;
    }}
  }}
}}
"""

DOCKERFILE = f"""\
FROM python:3.12-slim
ENV DJANGO_SECRET_KEY={SECRETS["dockerfile-env"]}
ENV LEGACY_PASSWORD {SECRETS["dockerfile-env-legacy"]}
ARG NPM_TOKEN={SECRETS["npm-token"]}
RUN mysql -h db -uroot -p{SECRETS["dockerfile-mysql"]} -e "select 1" && curl -u deploy:{SECRETS["dockerfile-curl"]} https://repo.example.com/x
RUN git clone https://x-access-token:{SECRETS["git-url-token"]}@github.com/acme/repo.git /src
RUN docker run -p 8080:80 nginx
CMD ["gunicorn", "app:app"]
"""

K8S = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: acme/api:latest
          args: ["--db-password", "{SECRETS["k8s-arg"]}"]  # infradoctor: ignore[NGX001]
          env:
            - name: DB_PASSWORD
              value: "{SECRETS["k8s-env-value"]}"  # infradoctor: ignore[NGX001]
            - name: MAILER
              value: {SECRETS["sendgrid-key"]}
---
apiVersion: v1
kind: Secret
metadata:
  name: api
data:
  blob: {SECRETS["k8s-secret-data"]}  # infradoctor: ignore[NGX001]
stringData:
  settings: {SECRETS["k8s-secret-string"]}
"""

FILES = {
    "docker-compose.yml": COMPOSE,
    ".env": DOTENV,
    "nginx.conf": NGINX,
    "api/Dockerfile": DOCKERFILE,
    "k8s/api.yaml": K8S,
}

# A file that does not parse, with a secret on the offending line (load-error messages
# and parse-error excerpts)
BROKEN = {
    "broken/docker-compose.yml": (
        "services:\n  app:\n    image: x\n    environment:\n"
        f"      PASSWORD: {SECRETS['compose-env-password']}\n     bad: [unclosed\n"
    ),
}


def test_at_least_29_kinds_are_planted() -> None:
    assert len(SECRETS) >= 29
    values = list(SECRETS.values())
    assert len(set(values)) == len(values)
    text = "".join(FILES.values())
    for kind, value in SECRETS.items():
        assert value in text, kind


def assert_clean(text: str, where: str) -> None:
    leaked = [kind for kind, value in SECRETS.items() if value in text]
    assert not leaked, f"{where} leaks {leaked}"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "shop", FILES)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


# -------------------------------------------------------------------------- lint


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_lint_outputs_hold_no_secret(
    fmt: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(
        ["lint", str(project), "--format", fmt, "--no-color", "--extend-select", "hardening"],
        capsys,
    )
    assert code == 1
    assert "SEC007" in out and "DKR006" in out and "IDX001" in out  # secrets were found
    assert_clean(out, f"lint --format {fmt}")
    if fmt == "text":
        # excerpts are still useful: what is not secret is shown as it is
        assert "proxy_pass http://backend:8080;" in out
        assert f"image: ghcr.io/acme/api@{DIGEST}" in out
        assert "command: docker run -p 8080:80 nginx" in out
        assert "DOCS: https://example.com/docs?page=2" in out
        assert f"STRIPE_KEY: sk_live_{MASK}" in out
        assert f"CACHE: redis://:{MASK}@redis:6379/0" in out
        assert f"BROKER: amqp://guest:{MASK}@rabbit:5672/" in out
    if fmt == "json":
        doc = json.loads(out)
        # a fix that copies a secret (XF007 copies the inherited proxy_set_header set
        # into the location) is shown redacted and says so
        redacted = [
            e for f in doc["findings"] if f["fix"] for e in f["fix"]["edits"] if e.get("redacted")
        ]
        assert redacted and all(MASK in e["replacement"] for e in redacted)
    if fmt == "sarif":
        doc = json.loads(out)
        for result in doc["runs"][0]["results"]:
            for fix in result.get("fixes", []):
                for change in fix["artifactChanges"]:
                    for rep in change["replacements"]:
                        assert MASK not in rep.get("insertedContent", {}).get("text", "")


def test_lint_other_outputs_hold_no_secret(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in (["--quiet"], ["--statistics"], ["--severity", "info", "--no-color"]):
        code, out = run(["lint", str(project), *extra], capsys)
        assert code == 1 and out
        assert_clean(out, f"lint {extra}")
    report = tmp_path / "report.sarif"
    run(["lint", str(project), "--format", "sarif", "--output", str(report)], capsys)
    assert_clean(report.read_text(), "lint --output")
    baseline = tmp_path / "baseline.json"
    code, out = run(["lint", str(project), "--write-baseline", str(baseline)], capsys)
    assert code == 0
    assert_clean(baseline.read_text() + out, "baseline")
    # the baseline still matches: fingerprints are of the real lines
    code, out = run(["lint", str(project), "--baseline", str(baseline)], capsys)
    assert code == 0, out


def test_load_errors_and_parse_excerpts_hold_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(tmp_path / "b", {**FILES, **BROKEN})
    for fmt in ("text", "json", "sarif", "github"):
        code, out = run(["lint", str(root), "--format", fmt], capsys)
        assert code == 1
        assert "broken/docker-compose.yml" in out
        assert_clean(out, f"load errors, {fmt}")


# --------------------------------------------------------------------------- fix


def test_fix_diff_redacts_context_and_changed_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: (project / p).read_bytes() for p in FILES}
    code, out = run(["fix", str(project), "--diff", "--unsafe"], capsys)
    assert code == 1
    assert out.count("\n+++ b/") + out.startswith("+++ b/") >= 3  # several files changed
    assert_clean(out, "fix --diff")
    # secrets next to the fixes are shown as *** in context lines ...
    assert ' proxy_set_header Authorization "***";' in out
    assert ' RUN mysql -h db -uroot -p*** -e "select 1" && curl -u deploy:*** ' in out
    assert " RUN git clone https://x-access-token:***@github.com/acme/repo.git /src" in out
    assert '"-uroot", "-p***"]' in out
    assert " RUN docker run -p 8080:80 nginx\n" in out
    # ... and in the lines a fix adds (XF007 copies the inherited Authorization header)
    assert '+      proxy_set_header Authorization "***";' in out
    # nothing was written
    assert {p: (project / p).read_bytes() for p in FILES} == before
    code, out = run(["lint", str(project), "--diff"], capsys)
    assert_clean(out, "lint --diff")


def test_fix_writes_real_values_and_prints_none(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from infradoctor.fixes.apply import preview_fixes

    preview = preview_fixes(project, unsafe=True)
    expected = {rel: text for rel, text in preview.results.items()}
    assert expected and any(SECRETS["nginx-bearer"] in t for t in expected.values())
    code, out = run(["fix", str(project), "--unsafe"], capsys)
    assert "fixed " in out
    assert_clean(out, "fix")
    for rel, text in expected.items():
        written = (project / rel).read_bytes()
        assert written == text.encode(), rel  # byte-identical to the unredacted result
    # every planted value is still in the files: redaction never touches what is written
    on_disk = "".join((project / p).read_text() for p in FILES)
    assert not [k for k, v in SECRETS.items() if v not in on_disk]
    # and the redacted diff of that run is the real diff with masks
    assert preview.diff(redact=False).count("\n") == preview.diff().count("\n")
    assert SECRETS["nginx-bearer"] in preview.diff(redact=False)
    assert_clean(preview.diff(), "FixRun.diff()")


def test_lint_fix_output_holds_no_secret(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["lint", str(project), "--fix"], capsys)
    assert out
    assert_clean(out, "lint --fix")


# ----------------------------------------------------------------- bundle, diagnose

CONTAINER_ID = "c0ffee" * 10 + "abcd"


def _inspect() -> dict[str, Any]:
    return {
        "Id": CONTAINER_ID,
        "Name": "/shop-api-1",
        "Created": "2026-08-21T09:00:00Z",
        "Path": "sh",
        "Args": [
            "-c",
            f"mysql -uroot -p{SECRETS['mysql-dash-p']} db && curl -u admin:{SECRETS['curl-user-pass']} x",
        ],
        "Image": "sha256:" + "ab" * 32,
        "State": {
            "Status": "restarting",
            "Running": False,
            "Restarting": True,
            "OOMKilled": False,
            "ExitCode": 1,
            "Pid": 0,
            "StartedAt": "2026-08-21T09:00:00Z",
            "FinishedAt": "2026-08-21T09:59:00Z",
        },
        "RestartCount": 7,
        "LogPath": "/nonexistent/shop-api-1-json.log",
        "HostConfig": {"RestartPolicy": {"Name": "always"}, "LogConfig": {"Type": "json-file"}},
        "NetworkSettings": {
            "Networks": {
                "shop_default": {
                    "IPAddress": "172.18.0.5",
                    "Aliases": ["api"],
                    "DNSNames": ["shop-api-1", "api"],
                    "Gateway": "172.18.0.1",
                }
            }
        },
        "Config": {
            "Image": f"ghcr.io/acme/api@{DIGEST}",
            "Tty": True,
            "Labels": {
                "com.docker.compose.project": "shop",
                "com.docker.compose.service": "api",
                "com.example.deploy": f"aws={SECRETS['aws-access-key-id']} jwt={JWT}",
                "traefik.http.middlewares.a.basicauth.users": f"admin:{SECRETS['nginx-basic']}",
            },
            "Env": [
                f"POSTGRES_PASSWORD={SECRETS['compose-env-password']}",
                f"DATABASE_URL=postgres://app:{SECRETS['compose-url-userinfo']}@db:5432/app",
                f"TELEGRAM_BOT_TOKEN={BOT}",
                f"AWS_ACCESS_KEY_ID={SECRETS['aws-access-key-id']}",
                f"REDIS_CMD=redis-server --requirepass {SECRETS['redis-requirepass']}",
                "PATH=/usr/local/bin:/usr/bin",
            ],
            "Cmd": [
                "gunicorn",
                "--password",
                SECRETS["password-flag-list"],
                "--api-key",
                SECRETS["api-key-flag"],
                f"--token={SECRETS['token-flag-equals']}",
                "-p",
                "8080:80",
            ],
            "Entrypoint": ["sh", "-c", f"redis-cli -a {SECRETS['redis-requirepass']} ping"],
            "ExposedPorts": {"8000/tcp": {}},
        },
    }


LOGS = "\n".join(
    [
        f"2026-08-21T09:58:00Z using key {SECRETS['aws-access-key-id']} session {JWT}",
        f"2026-08-21T09:58:01Z connecting to postgres://app:{SECRETS['compose-url-userinfo']}@db:5432/app",
        f"2026-08-21T09:58:02Z running: mysql -uroot -p{SECRETS['dockerfile-mysql']} -e 'select 1'",
        f"2026-08-21T09:58:03Z running: curl -u deploy:{SECRETS['dockerfile-curl']} https://repo.example.com/x",
        f"2026-08-21T09:58:04Z Authorization: Bearer {SECRETS['nginx-bearer']}",
        f"2026-08-21T09:58:05Z github {SECRETS['github-token']} slack {SECRETS['slack-token']}",
        "2026-08-21T09:58:06Z -----BEGIN RSA PRIVATE KEY-----",
        f"2026-08-21T09:58:06Z {PEM_LINES[0]}",
        "2026-08-21T09:58:07Z FATAL cannot start",
        "",
    ]
)


class FakeDocker:
    """The Engine API of a host with one crash-looping container full of secrets."""

    def __init__(self, host: str, timeout: float) -> None:
        self.host = host

    def get_json(self, path: str) -> Any:
        if path == "/version":
            return {"Version": "27.1.0", "ApiVersion": "1.46"}
        if path == "/info":
            return {"DockerRootDir": "/nonexistent/docker", "LoggingDriver": "json-file"}
        if path.startswith("/containers/json"):
            return [{"Id": CONTAINER_ID}]
        if path == f"/containers/{CONTAINER_ID}/json":
            return _inspect()
        raise AssertionError(path)

    def get(self, path: str, limit: int = 0) -> tuple[int, bytes, dict[str, str]]:
        assert path.startswith(f"/containers/{CONTAINER_ID}/logs"), path
        return 200, LOGS.encode(), {}


ERROR_LOG = (
    "2026/08/21 09:58:00 [error] 29#29: *1 connect() failed (111: Connection refused) while "
    'connecting to upstream, client: 203.0.113.7, server: shop, request: "GET /api/items?'
    f'token={SECRETS["dotenv-token"]} HTTP/1.1", upstream: "http://172.18.0.5:8000/api/items", '
    'host: "shop.example.com"\n'
)


def _members(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as tar:
        out: dict[str, str] = {}
        for m in tar.getmembers():
            fh = tar.extractfile(m) if m.isfile() else None
            out[m.name] = fh.read().decode("utf-8", "replace") if fh else ""
        return out


def test_bundle_and_diagnose_hold_no_secret(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from infradoctor.diagnose.collectors import docker

    monkeypatch.setattr(docker, "DockerClient", FakeDocker)
    error_log = tmp_path / "error.log"
    error_log.write_text(ERROR_LOG)
    archive = tmp_path / "evidence.tar.gz"
    code, out = run(
        [
            "bundle",
            str(project),
            "-o",
            str(archive),
            "--no-probe",
            "--timeout",
            "5",
            "--nginx-conf",
            str(project / "nginx.conf"),
            "--error-log",
            str(error_log),
            "--docker-host",
            "unix:///nonexistent/docker.sock",
        ],
        capsys,
    )
    assert code == 0, out
    assert_clean(out, "bundle output")
    members = _members(archive)
    assert any(name.endswith("files/docker-compose.yml") for name in members)
    assert any(name.endswith("docker/containers.json") for name in members)
    for name, text in members.items():
        assert_clean(text, f"bundle member {name}")
    everything = "\n".join(members.values())
    # the join keys and the innocent values survive
    assert "172.18.0.5" in everything and "shop-api-1" in everything
    assert DIGEST in everything and "8080:80" in everything
    assert "FATAL cannot start" in everything  # a truncated key does not swallow the log
    assert "[REDACTED:bot-token:" in everything  # the bot fingerprint is kept
    containers = json.loads(next(t for n, t in members.items() if n.endswith("containers.json")))
    assert containers[0]["Config"]["Cmd"][-2:] == ["-p", "8080:80"]
    assert "PATH=/usr/local/bin:/usr/bin" in containers[0]["Config"]["Env"]

    for fmt in ("text", "json", "markdown"):
        code, out = run(["diagnose", "--from", str(archive), "--format", fmt], capsys)
        assert code == 1, out
        assert "crashloop" in out or "container-crashloop" in out
        assert_clean(out, f"diagnose --from, {fmt}")
    report = tmp_path / "incident.md"
    run(["diagnose", "--from", str(archive), "--format", "markdown", "-o", str(report)], capsys)
    assert_clean(report.read_text(), "diagnose report file")


def test_unredacted_foreign_bundle_is_redacted_on_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bundle someone built by hand, never redacted: `diagnose --from` cleans it."""
    from infradoctor.diagnose.evidence import Bundle

    b = Bundle()
    b.meta.update({"created": "2026-08-21T10:00:00Z", "host": "web-1", "since": 3600.0})
    b.put_json("docker/engine.json", {"reachable": True, "root_dir": "/var/lib/docker"})
    b.put_json("docker/containers.json", [_inspect()])
    b.put_bytes("docker/logs/shop-api-1.log", LOGS.encode())
    for rel, text in FILES.items():
        b.put_text(f"files/{rel}", text)
    archive = tmp_path / "raw.tar.gz"
    b.save(archive)
    for fmt in ("text", "json", "markdown"):
        code, out = run(["diagnose", "--from", str(archive), "--format", fmt], capsys)
        assert_clean(out, f"foreign bundle, {fmt}")


# ------------------------------------------------------------ the redactor itself


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("proxy_pass http://user:pa55@host;", f"proxy_pass http://user:{MASK}@host;"),
        ("postgres://u:p4ss@db/x", f"postgres://u:{MASK}@db/x"),
        ("redis://:p4ss@r:6379/0", f"redis://:{MASK}@r:6379/0"),
        ("amqp://u:p4ss@rabbit:5672/", f"amqp://u:{MASK}@rabbit:5672/"),
        ("postgres://app:ab/cd+e=@db:5432/x", f"postgres://app:{MASK}@db:5432/x"),
        ("https://0123456789abcdef0123@sentry.io/4", f"https://{MASK}@sentry.io/4"),
        (
            "https://a.example/cb?next=http://u:pw@b/",
            f"https://a.example/cb?next=http://u:{MASK}@b/",
        ),
        ("--password X1", f"--password {MASK}"),
        ("--password=X1", f"--password={MASK}"),
        ("--token X1", f"--token {MASK}"),
        ("--secret X1", f"--secret {MASK}"),
        ("--api-key X1", f"--api-key {MASK}"),
        ('["app", "--api-key", "X1"]', f'["app", "--api-key", "{MASK}"]'),
        (
            "redis-server --requirepass X1 --appendonly yes",
            f"redis-server --requirepass {MASK} --appendonly yes",
        ),
        ("keytool -storepass X1 -keypass X2", f"keytool -storepass {MASK} -keypass {MASK}"),
        ("mysql -uroot -pX1 db", f"mysql -uroot -p{MASK} db"),
        ("mysqladmin ping -p'a b'", f"mysqladmin ping -p'{MASK}'"),
        ('["CMD", "mysqladmin", "ping", "-pX1"]', f'["CMD", "mysqladmin", "ping", "-p{MASK}"]'),
        ("docker exec db mariadb -uroot -pX1", f"docker exec db mariadb -uroot -p{MASK}"),
        ("sshpass -p X1 ssh host", f"sshpass -p {MASK} ssh host"),
        ("redis-cli -a X1 ping", f"redis-cli -a {MASK} ping"),
        ("mongosh -u admin -p X1", f"mongosh -u admin -p {MASK}"),
        ("docker login -u me -p X1 reg.io", f"docker login -u me -p {MASK} reg.io"),
        ("curl -u user:X1 https://x", f"curl -u user:{MASK} https://x"),
        ("curl --user user:X1 https://x", f"curl --user user:{MASK} https://x"),
        ("curl -uuser:X1 https://x", f"curl -uuser:{MASK} https://x"),
        (
            "htpasswd -bc /etc/nginx/.htpasswd admin X1",
            f"htpasswd -bc /etc/nginx/.htpasswd admin {MASK}",
        ),
        ("CREATE USER a IDENTIFIED BY 'X1';", f"CREATE USER a IDENTIFIED BY '{MASK}';"),
        ("ALTER ROLE a WITH PASSWORD 'X1';", f"ALTER ROLE a WITH PASSWORD '{MASK}';"),
        ("key AKIAIOSFODNN7EXAMPLE", f"key AKIA{MASK}"),
        ("key ASIAIOSFODNN7EXAMPLE", f"key ASIA{MASK}"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            f"aws_secret_access_key = {MASK}",
        ),
        (f"t={JWT};", f"t={MASK};"),
        (f"session {JWT}", f"session {MASK}"),
        ("Authorization: Bearer abcdef123456", f"Authorization: {MASK}"),
        ("curl -H 'X-Api-Key: abc123'", f"curl -H 'X-Api-Key: {MASK}'"),
        ("header Basic dXNlcjpwYXNzd29yZA==", f"header Basic {MASK}"),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", f"ghp_{MASK}"),
        ("github_pat_11AAAAAAA0_bbbbbbbbbbbbbbbbbbbbbbbb", f"github_pat_{MASK}"),
        ("xoxb-1234567890-abcdefghij", f"xoxb-{MASK}"),
        ("xoxp-1234567890-abcdefghij", f"xoxp-{MASK}"),
        ("sk_live_51HxAbCdEfGhIj", f"sk_live_{MASK}"),
        ("glpat-abcdefghij0123456789", f"glpat-{MASK}"),
        ("  PASSWORD: my secret phrase  # note", f"  PASSWORD: {MASK}  # note"),
        ("password: x1", f"password: {MASK}"),
        ("API_TOKEN: x1", f"API_TOKEN: {MASK}"),
        ("SECRET_KEY=x1", f"SECRET_KEY={MASK}"),
        ("API_KEY=x1", f"API_KEY={MASK}"),
        ("PRIVATE_KEY=x1", f"PRIVATE_KEY={MASK}"),
        ("SMTP_PASS=x1", f"SMTP_PASS={MASK}"),
        ("DB_PASSWD=x1", f"DB_PASSWD={MASK}"),
        ("client_secret: x1", f"client_secret: {MASK}"),
        ("ENV DB_PASSWORD s3cret value", f"ENV DB_PASSWORD {MASK}"),
        ("ARG NPM_TOKEN=x1", f"ARG NPM_TOKEN={MASK}"),
        (
            'proxy_set_header Authorization "Bearer x1y2z3w4";',
            f'proxy_set_header Authorization "{MASK}";',
        ),
        ("X: ${DB_PASSWORD:-hunter2}", f"X: ${{DB_PASSWORD:-{MASK}}}"),
        ("hooks.slack.com/services/T0/B0/XXXX", f"hooks.slack.com/services/{MASK}"),
    ],
)
def test_secret_forms(text: str, shown: str) -> None:
    assert redact_text(text) == shown
    assert redact_text(shown) == shown  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "proxy_pass http://backend:8080;",
        "docker run -p 8080:80 -p 127.0.0.1:8443:443 nginx",
        "docker run --name mysql -p3306:3306 mysql:8",
        "mysqldump -u root -p shop > dump.sql",  # -p alone prompts: no password here
        "ports: ['8080:80']",
        f"image: nginx@{DIGEST}",
        "https://example.com/docs?page=2&sort=asc",
        "ssh://git@github.com/acme/repo.git",
        "password: ${DB_PASSWORD}",
        "password: $DB_PASSWORD",
        "password: changeme",
        "password: ''",
        "password:",
        "PASSWORD_FILE=/run/secrets/db",
        "DB_PASSWORD=/run/secrets/db-password",
        "docker login --password-stdin registry.example.com",
        "redis-cli -a $REDIS_PASSWORD --no-auth-warning ping",
        "curl -u admin https://x",  # prompts for the password
        "curl -fsS http://localhost:8000/health",
        "apt-key adv --keyserver keyserver.ubuntu.com --recv-keys 0xABCDEF",
        "git rev-parse 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        "listen 127.0.0.1:8080;",
        "- MYSQL_ALLOW_EMPTY_PASSWORD=true",
        "proxy_set_header Authorization $http_authorization;",
        "-----BEGIN CERTIFICATE-----",
        "kind: Deployment",
        # from the shared corpus: settings about secrets, prose, namespaces
        "- OPENAI_API_KEY= # required if using OpenAI",
        "proxy_cache_path cache/ keys_zone=auth_cache:10m;",
        "LABEL author=frappe",
        "secretName: app-tls",
        "key: refreshToken",
        'echo "app ALL=(ALL) NOPASSWD: ALL" >> /etc/sudoers',
        '"session_preload_libraries=auto_explain"',
        'MAILU_RECAPTCHA_PUBLIC_KEY="<YOUR_RECAPTCHA_PUBLIC_KEY>"',
        'sed -i "s@http://.*security.ubuntu.com@https://mirrors.example.cn@g" /etc/apt/sources.list',
        "EMAIL_FROM: ${EMAIL_FROM_ADDRESS:-contact@example.com}",
        "DATABASE_URL: postgres://${PG_USER:-postgres}:${PG_PASSWORD}@db:5432/x",
        "- AUTHENTIK_POSTGRESQL__USER=authentik",
        "- GF_AUTH_ANONYMOUS_ORG_ROLE=Admin",
        "- SENTRY_DSN=${APP_SENTRY_DSN:-0}",
        "- CASSANDRA_NUM_TOKENS=256",
        "- VALKEY_VERSION=8-alpine",
        "ZULIP_AUTH_BACKENDS: EmailAuthBackend,ZulipLDAPAuthBackend",
        "configure_secret.sh: |-\n  sed -i s,X,Y,g /etc/app.yml\n  exec /bin/app",
    ],
)
def test_useful_text_is_kept(text: str) -> None:
    assert redact_text(text) == text


def test_private_key_lines_are_all_masked_and_lines_kept() -> None:
    text = (
        "a: 1\nkey: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n  b3BlbnNzaC1rZXktdjEAAAA\n"
        "  AAAEbm9uZQAAAARub25l\n  -----END OPENSSH PRIVATE KEY-----\nb: 2\n"
    )
    lines = redact_lines(text)
    assert len(lines) == len(text.splitlines(keepends=True))
    assert "b3BlbnNzaC1rZXktdjEAAAA" not in "".join(lines)
    assert lines[0] == "a: 1\n" and lines[-1] == "b: 2\n"
    assert lines[3] == f"  {MASK}\n"
    # without END (a truncated log): the lines that look like the key's body go, the
    # log goes on (its prefixes are kept)
    cut = (
        "t1 loaded -----BEGIN EC PRIVATE KEY-----\nt2 MHcCAQEEIPlantedBodyLine0123456789\n"
        "t3 AwEHoUQDQgAE==\nt4 FATAL cannot start\n"
    )
    assert redact_text(cut) == (
        f"t1 loaded -----BEGIN EC PRIVATE KEY-----\nt2 {MASK}\nt3 {MASK}\nt4 FATAL cannot start\n"
    )
    encrypted = (
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B\n\n"
        "MIIEpAIBAAKCAQEA0PlantedEncryptedBody\n"
    )
    assert "PlantedEncryptedBody" not in redact_text(encrypted)
    assert "AES-128-CBC" not in redact_text(encrypted)


def test_multiline_yaml_contexts() -> None:
    text = (
        "env:\n"
        "  - name: DB_PASSWORD\n"
        "    value: hunter2\n"
        "  - value: hunter3\n"
        "    name: API_TOKEN\n"
        "  - name: LOG_LEVEL\n"
        "    value: debug\n"
        "args:\n"
        "  - --password\n"
        "  - hunter4\n"
        "command:\n"
        "  - mysql\n"
        "  - -uroot\n"
        "  - -phunter5\n"
        "SSH_PRIVATE_KEY: >-\n"
        "  hunter6 hunter7\n"
        "after: visible\n"
        "RUN mysql -uroot \\\n"
        "    -phunter8 db\n"
    )
    shown = redact_text(text)
    assert shown.count("\n") == text.count("\n")
    for n in range(2, 9):
        assert f"hunter{n}" not in shown
    assert "value: debug" in shown and "after: visible" in shown
    secret = "kind: Secret\nmetadata:\n  name: x\ndata:\n  a: c2VjcmV0\nstringData:\n  b: plain\n"
    assert redact_text(secret) == secret.replace("c2VjcmV0", MASK).replace("plain", MASK)
    assert "c2VjcmV0" in redact_text(secret.replace("kind: Secret", "kind: ConfigMap"))


def test_argv_and_json() -> None:
    assert redact_argv(["mysql", "-uroot", "-pX1"]) == ["mysql", "-uroot", f"-p{MASK}"]
    assert redact_argv(["curl", "-u", "a:X1", "u"]) == ["curl", "-u", f"a:{MASK}", "u"]
    assert redact_argv(["app", "--token", "X1", "-p", "80:80"]) == [
        "app",
        "--token",
        MASK,
        "-p",
        "80:80",
    ]
    doc = redact_json({"Cmd": ["sshpass", "-p", "X1", "ssh"], "password": 1234, "ok": "x"})
    assert doc == {"Cmd": ["sshpass", "-p", MASK, "ssh"], "password": MASK, "ok": "x"}
    assert is_secret_flag("--requirepass") and is_secret_flag("-storepass")
    assert not is_secret_flag("-p") and not is_secret_flag("--bypass")
    assert not is_secret_flag("--no-auth-warning") and not is_secret_flag("--password-file")


# Inputs that would make a backtracking pattern take minutes. Each is 1 MB (or 256 KB):
# redact_text finishes them in well under a second each; a quadratic or exponential
# pattern would not finish at all in the test run. No timing is asserted.
PATHOLOGICAL = [
    "a" * 1_000_000,
    "-" * 1_000_000,
    "\n" * 262_144,
    " " * 262_144,
    "a=" * 131_072,
    "a:" * 131_072,
    "a_" * 131_072,
    "@" * 262_144,
    '"' * 262_144,
    "http://a:" * 29_127,
    "http://" + "a:" * 131_072 + "@",
    '"password": "\\' * 20_000,
    "--password " * 23_831,
    "mysql -p" * 32_768,
    "curl -u a:" * 26_214,
    "-----BEGIN PRIVATE KEY-----\n" * 9_362,
    "-----BEGIN PRIVATE KEY-----\n\n" * 9_000,
    "-----BEGIN PRIVATE KEY-----\nMIIaaaaaaaaaaaaaaaa1\n" * 5_000,
    "-----BEGIN A B C D E PRIVATE KEY-----" * 7_000,
    "eyJaaaa." * 32_768,
    "- name: PASSWORD\n" * 15_420,
    "  password: |\n" * 18_724,
    "kind: Secret\n---\ndata:\n  a: b\n" * 8_738,
    "mysql \\\n" * 32_768,
    "set $secret " * 21_845,
    "password '" * 26_214,
    "ENV A " * 43_690,
    "Bearer " * 37_449,
    "7" * 262_144 + ":",
    "-key " * 52_428,
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=lambda t: repr(t[:16]))
def test_redaction_is_linear(text: str) -> None:
    shown = redact_text(text)
    assert shown.count("\n") == text.count("\n")
    assert redact_text(shown) == shown


def test_redact_json_bounded_keys() -> None:
    doc = {"k" * 1_000_000: "v", "Cmd": ["--password"] * 5_000}
    out = redact_json(doc)
    assert out["Cmd"][0] == "--password"


def test_report_excerpt_caret_follows_redaction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_tree(
        tmp_path / "c",
        {
            "compose.yaml": (
                "services:\n  app:\n    image: acme/app:1\n    restart: always\n"
                "    environment:\n"
                "      - A=postgres://u:averylongpassword@db/x  # infradoctor: ignore[NGX001]\n"
            )
        },
    )
    code, out = run(["lint", str(root), "--no-color"], capsys)
    assert "averylongpassword" not in out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "postgres://u:" in line)
    shown, caret = lines[at], lines[at + 1]
    assert f"A=postgres://u:{MASK}@db/x  # infradoctor" in shown
    # IDX001 points at the comment, after the secret: the caret is under it still
    assert caret.index("^") == shown.index("# infradoctor")
    assert caret.rstrip().endswith("^") and len(caret.rstrip()) <= len(shown)


def test_redacted_diff_has_the_real_diff_structure() -> None:
    import difflib
    import random

    from infradoctor.fixes.apply import unified_diff

    rng = random.Random(7)
    for _ in range(200):
        a = [rng.choice("abcde") + "\n" for _ in range(rng.randint(0, 30))]
        b = list(a)
        for _ in range(rng.randint(0, 5)):
            roll = rng.random()
            if roll < 0.3 and b:
                del b[rng.randrange(len(b))]
            elif roll < 0.6:
                b.insert(rng.randint(0, len(b)), rng.choice("xyz") + "\n")
            elif b:
                b[rng.randrange(len(b))] = "q\n"
        expected = list(difflib.unified_diff(a, b, fromfile="a/f", tofile="b/f"))
        assert unified_diff(a, b, a, b, "a/f", "b/f") == expected
    # shown lines replace the real ones one for one: same hunks
    real = ["password: hunter2\n", "x: 1\n"]
    new = ["password: hunter2\n", "x: 2\n"]
    shown = unified_diff(
        real, new, redact_lines("".join(real)), redact_lines("".join(new)), "a", "b"
    )
    assert shown[2] == "@@ -1,2 +1,2 @@\n" and shown[3] == f" password: {MASK}\n"
