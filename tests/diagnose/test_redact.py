"""Secrets planted in every part of a bundle never reach the saved bundle or any output."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from infradoctor.diagnose.engine import analyze
from infradoctor.diagnose.evidence import Bundle
from infradoctor.diagnose.redact import redact_bundle
from infradoctor.diagnose.report import render
from infradoctor.redact import is_secret_name, redact_json, redact_text, token_fingerprint
from tests.diagnose.builders import NGINX_CONF, bundle, container, err

BOT = "7012345678:AAHk3vQz9pLr2sT8uVw1xYz0aBcDeFgHiJk"
SECRETS = {
    "env-password": "Pg-pass-Zq81!x",
    "env-secret": "dj4ng0-s3cr3t-k3y-v4lue",
    "env-api-key": "sk_live_51HxAbCdEfGh",
    "url-password": "UrlPassw0rd77",
    "dsn-password": "DsnPw-3344",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "cookie": "sessionid=Cook1eValue998877",
    "basic": "YWRtaW46c3VwZXJzZWNyZXQ=",
    "bot-token": BOT,
    "bot-token-tail": BOT.split(":")[1],
    "pem-body": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    "cmd-password": "CmdLinePw-5566",
    "query-token": "QueryTok-7788",
    "aws": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n" + SECRETS["pem-body"] + "\nAbCdEf0123456789\n"
    "-----END RSA PRIVATE KEY-----"
)


def planted_bundle() -> Bundle:
    env = [
        f"POSTGRES_PASSWORD={SECRETS['env-password']}",
        f"DJANGO_SECRET_KEY={SECRETS['env-secret']}",
        f"STRIPE_API_KEY={SECRETS['env-api-key']}",
        f"DATABASE_URL=postgres://shop:{SECRETS['url-password']}@db:5432/shop",
        f"SENTRY_DSN=https://{SECRETS['dsn-password']}@sentry.example.com/4",
        f"TELEGRAM_TOKEN={BOT}",
        f"AWS_SECRET_ACCESS_KEY={SECRETS['aws']}",
        "PATH=/usr/local/bin:/usr/bin",
        "APP_PORT=8000",
    ]
    app = container(
        "shop-app-1", "", status="exited", exit_code=1, restarts=5, service="app", env=env
    )
    app["State"]["Status"] = "restarting"
    app["Config"]["Cmd"] = [
        "gunicorn",
        "--password",
        SECRETS["cmd-password"],
        f"--db=mysql://root:{SECRETS['url-password']}@db/x",
    ]
    app["Config"]["Labels"]["traefik.http.middlewares.auth.basicauth.users"] = (
        f"admin:{SECRETS['basic']}"
    )
    logs = "\n".join(
        [
            f"2026-08-21T10:00:00Z DEBUG GET /me headers: Authorization: Bearer {SECRETS['bearer']}",
            f"2026-08-21T10:00:00Z DEBUG Cookie: {SECRETS['cookie']}",
            f"2026-08-21T10:00:01Z INFO polling https://api.telegram.org/bot{BOT}/getUpdates",
            f"2026-08-21T10:00:01Z ERROR cannot connect to redis://:{SECRETS['url-password']}@redis:6379/0",
            f"2026-08-21T10:00:02Z loaded key {PEM}",
            f'2026-08-21T10:00:02Z config {{"password": "{SECRETS["env-password"]}", '
            f'"Authorization": "Basic {SECRETS["basic"]}"}}',
            "2026-08-21T10:00:03Z FATAL exiting",
        ]
    )
    config = NGINX_CONF.replace(
        "proxy_read_timeout 30s;",
        f'proxy_read_timeout 30s;\n        proxy_set_header Authorization "Bearer '
        f'{SECRETS["bearer"]}";\n        proxy_set_header Cookie {SECRETS["cookie"]};',
    )
    error_log = [
        err(
            i,
            i,
            "connect() failed (111: Connection refused) while connecting to upstream",
            "http://172.18.0.5:8000/api/items",
            request=f"GET /api/items?token={SECRETS['query-token']}&page=2 HTTP/1.1",
        )
        for i in range(1, 4)
    ]
    b = bundle(
        error_log=error_log,
        containers=[app],
        container_logs={"shop-app-1": logs},
        config=config,
        extra={
            "files/docker-compose.yml": f"services:\n  app:\n    environment:\n      POSTGRES_PASSWORD: "
            f'{SECRETS["env-password"]}\n      BOT_TOKEN: "{BOT}"\n',
            "files/.env": f"DJANGO_SECRET_KEY={SECRETS['env-secret']}\n",
        },
    )
    b.collectors[0].error = f"nginx -T failed: auth https://u:{SECRETS['url-password']}@x/"
    b.meta["note"] = f"token={SECRETS['query-token']}"
    return b


def assert_clean(text: str, where: str) -> None:
    for kind, secret in SECRETS.items():
        assert secret not in text, f"{kind} secret leaked into {where}"


def test_planted_secrets_never_reach_bundle_or_outputs(tmp_path: Path) -> None:
    b = planted_bundle()
    raw = b"".join(b.files.values()).decode()
    assert SECRETS["bearer"] in raw and BOT in raw  # they really were planted
    redact_bundle(b)
    archive = tmp_path / "evidence.tar.gz"
    b.save(archive)
    assert_clean(gzip.decompress(archive.read_bytes()).decode("utf-8", "replace"), "archive")
    loaded = Bundle.load(archive)
    result = analyze(loaded)
    assert result.diagnoses and result.diagnoses[0].cause == "container-crashloop"
    for fmt in ("text", "json", "markdown"):
        assert_clean(render(result, fmt), fmt)
    # the join keys survive: IPs, ports, hostnames, container names
    text = render(result, "json")
    assert "172.18.0.5:8000" in text and "shop-app-1" in text
    assert "redis:6379" in b"".join(loaded.files.values()).decode()
    assert "db:5432" in b"".join(loaded.files.values()).decode()


def test_unredacted_bundle_is_redacted_on_load_by_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = planted_bundle()  # saved WITHOUT redaction (e.g. hand-made by someone else)
    archive = tmp_path / "raw.tar.gz"
    b.save(archive)
    for fmt in ("text", "json", "markdown"):
        code = main(["diagnose", "--from", str(archive), "--format", fmt])
        out = capsys.readouterr().out
        assert code == 1
        assert_clean(out, f"cli {fmt}")
    report = tmp_path / "report.md"
    main(["diagnose", "--from", str(archive), "--format", "markdown", "-o", str(report)])
    assert_clean(report.read_text(), "report file")


def test_bot_token_fingerprint_is_kept_for_correlation() -> None:
    text = redact_text(f"BOT_TOKEN={BOT}")
    assert BOT not in text
    assert f"[REDACTED:bot-token:{token_fingerprint(BOT)}]" in text
    env = redact_json({"Env": [f"TG={BOT}", f"OTHER_TOKEN={BOT}"]})["Env"]
    assert env[0] == env[1].replace("OTHER_TOKEN", "TG")


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ('upstream: "http://172.18.0.5:8000/x", host: "shop.example.com"', None),
        ("ssl_certificate_key /etc/ssl/private/key.pem;", None),
        ("ssl_session_cache shared:SSL:10m;", None),
        ("listen 127.0.0.1:8080;", None),
        ("KeyError: 'user_id'", None),
        ("PATH=/usr/bin", None),
        ("proxy_set_header Authorization $http_authorization;", None),
        ("    ssl_certificate_key /etc/ssl/private/site.key;", None),
        ("    set $upstream_host app;", None),
        ("    server_tokens off;", None),
        ("proxy_cache_path /tmp levels=1:2 keys_zone=sogo:10m inactive=24h;", None),
        ("- MYSQL_ALLOW_EMPTY_PASSWORD=true", None),
        ("- DATABASE_PASSWORD=/run/secrets/db-password", None),
        ("# Basic Settings", None),
        ("command: '--default-authentication-plugin=mysql_native_password'", None),
        ("- OAUTH_ENABLED=false", None),
        ("POSTGRES_HOST=db", None),
    ],
)
def test_innocent_text_is_kept(text: str, keep: None) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password=hunter2 host=db user=app", "hunter2"),
        ("  POSTGRES_PASSWORD: 'hunter2'", "hunter2"),
        ('{"api_key": "abcdef123456"}', "abcdef123456"),
        ("Set-Cookie: sid=abc123xyz; Path=/; HttpOnly", "abc123xyz"),
        ("Proxy-Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("amqp://guest:guestpw@rabbit:5672/", "guestpw"),
        ("https://example.com/cb?access_token=tok123456&x=1", "tok123456"),
        ("curl -H 'Authorization: Bearer abc.def.ghi123'", "abc.def.ghi123"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n", "b3BlbnNzaC1rZXk"),
        ("--secret=xyz987", "xyz987"),
        ("    secure_link_secret Sup3rS3cret;", "Sup3rS3cret"),
        ('    set $api_token "tok-4455";', "tok-4455"),
    ],
)
def test_secret_forms_are_masked(text: str, secret: str) -> None:
    assert secret not in redact_text(text)


def test_secret_names() -> None:
    for name in (
        "DB_PASSWORD",
        "SECRET_KEY_BASE",
        "GITHUB_TOKEN",
        "SENTRY_DSN",
        "api_key",
        "AWS_SECRET_ACCESS_KEY",
        "REDIS_PASS",
        "credentials",
        "BotTokenHash",
    ):
        assert is_secret_name(name), name
    for name in ("PATH", "HOSTNAME", "PORT", "KEYCLOAK_URL_PATH", "TOKEN_TTL", "SSL_KEY_FILE"):
        assert not is_secret_name(name), name


def test_redact_is_idempotent_on_json_members() -> None:
    b = planted_bundle()
    redact_bundle(b)
    first = dict(b.files)
    redact_bundle(b)
    assert b.files == first
    data = json.loads(b.files["docker/containers.json"])
    assert "PATH=/usr/local/bin:/usr/bin" in data[0]["Config"]["Env"]
