"""Lint never crashes (issue 7): odd-but-parseable input gives exit 0/1, no `internal`
error entry, and the rules still report what they should. Each case here crashed a rule
(exit 2, "internal error in rule X") or the whole run before the fix."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.conftest import write_tree

MANY_9 = "9" * 400
DIGITS_5000 = "9" * 5000  # past Python's 4300-digit int() limit


def lint_json(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict]:
    code = main(["lint", str(root), "--format", "json", "--extend-select", "hardening", *extra])
    captured = capsys.readouterr()
    assert "internal error" not in captured.err, captured.err
    return code, json.loads(captured.out)


def assert_clean_run(code: int, doc: dict) -> None:
    assert code in (0, 1), doc["errors"]
    for err in doc["errors"]:
        assert err["kind"] != "internal", err
        assert "internal error" not in err["message"] and "Traceback" not in err["message"]


def rules_for(doc: dict, subject: str | None = None, file: str | None = None) -> set[str]:
    return {
        f["rule"]
        for f in doc["findings"]
        if (subject is None or f["subject"] == subject) and (file is None or f["file"] == file)
    }


def subjects(doc: dict, rule: str) -> set[str]:
    return {f["subject"] for f in doc["findings"] if f["rule"] == rule}


# ------------------------------------------------------------------ 1: shell splitting

SHELL_COMPOSE = """\
services:
  db:
    image: postgres:16
    command: ["bash", "-c", "psql -c \\"SELECT 1;\\" || echo can't reach db"]
  web:
    build: .
    command: '";'
    depends_on: [db]
  telegram-bot:
    image: ghcr.io/acme/telegram-bot:1.0
    command: ["bash", "-c", "python -m bot || echo \\";"]
    environment:
      TELEGRAM_BOT_TOKEN: ${TELEGRAM_BOT_TOKEN}
    deploy:
      replicas: 2
"""
SHELL_DOCKERFILE = (
    'FROM python:3.12-slim\nCMD ["bash", "-c", "gunicorn app:app || echo can\'t start"]\n'
)


def test_unbalanced_quotes_in_commands_keep_every_rule_running(tmp_path, capsys) -> None:
    root = write_tree(
        tmp_path / "s", {"docker-compose.yml": SHELL_COMPOSE, "Dockerfile": SHELL_DOCKERFILE}
    )
    code, doc = lint_json(capsys, root)
    assert_clean_run(code, doc)
    assert code == 1
    # Each of these crashed with RecursionError in the shell-word splitter.
    assert {"CMP001", "CMP002", "CMP005"} <= rules_for(doc, subject="db")
    assert {"CMP001", "CMP002", "CMP005"} <= rules_for(doc, subject="web")
    assert "XF004" in rules_for(doc, subject="web->db")  # web depends on db without healthcheck
    assert "XF009" in rules_for(doc, subject="telegram-bot")  # a polling bot, 2 replicas
    assert "DKR007" in rules_for(doc, file="Dockerfile")


# ------------------------------------------------------------------ 2: sizes and quantities

K8S_JVM = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - name: app
        image: eclipse-temurin:21-jre
        env: [{{name: JAVA_OPTS, value: "-Xmx{xmx}"}}]
        resources: {{limits: {{memory: {limit}}}}}
"""


def test_huge_memory_quantities(tmp_path, capsys) -> None:
    manifests = "---\n".join(
        K8S_JVM.format(name=name, xmx=xmx, limit=limit)
        for name, xmx, limit in [
            ("exp", "2g", "1e400"),
            ("digits", "2g", MANY_9),
            ("quoted", "2g", '"9e99999999999Ei"'),
            ("huge-heap", MANY_9 + "g", "1Gi"),
            ("normal", "1g", "1Gi"),  # the heap fills the limit: K8S006
        ]
    )
    compose = (
        "services:\n"
        "  big:\n    image: eclipse-temurin:21-jre\n    environment: [JAVA_OPTS=-Xmx1g]\n"
        f"    mem_limit: {'9' * 310}\n"
        "  deploy-big:\n    image: eclipse-temurin:21-jre\n    environment: [JAVA_OPTS=-Xmx1g]\n"
        f"    deploy: {{resources: {{limits: {{memory: {'9' * 310}m}}}}}}\n"
        "  heap-huge:\n    image: eclipse-temurin:21-jre\n"
        f"    environment: [JAVA_OPTS=-Xmx{DIGITS_5000}g -XX:MaxRAMFraction={DIGITS_5000}]\n"
        "    mem_limit: 1g\n"
        "  normal:\n    image: eclipse-temurin:21-jre\n    environment: [JAVA_OPTS=-Xmx1g]\n"
        "    mem_limit: 1g\n"
        "  unlimited:\n    image: eclipse-temurin:21-jre\n"
    )
    root = write_tree(tmp_path / "s", {"k8s/app.yaml": manifests, "docker-compose.yml": compose})
    code, doc = lint_json(capsys, root)
    assert_clean_run(code, doc)
    # huge limits are just big (the heap fits); a huge heap fills a 1Gi limit
    assert subjects(doc, "K8S006") == {"Deployment/normal:app", "Deployment/huge-heap:app"}
    assert subjects(doc, "CMP006") == {"normal", "heap-huge"}
    # CMP005 (memory limit missing) only where there is none: a huge one is a limit
    assert subjects(doc, "CMP005") == {"unlimited"}


def test_durations_beyond_gos_range(tmp_path, capsys) -> None:
    compose = (
        "services:\n  web:\n    image: ghcr.io/acme/web:1.0\n    healthcheck:\n"
        '      test: ["CMD", "true"]\n      interval: 99999999999999999999999h\n'
        f"      timeout: {DIGITS_5000}s\n      retries: {DIGITS_5000}\n"
        "      start_period: 1e400s\n"
    )
    root = write_tree(tmp_path / "s", {"docker-compose.yml": compose})
    code, doc = lint_json(capsys, root)
    assert_clean_run(code, doc)
    messages = [f["message"] for f in doc["findings"] if f["rule"] == "CMP008"]
    assert any("interval" in m and "longest duration Docker accepts" in m for m in messages)
    assert any("timeout" in m and "longest duration Docker accepts" in m for m in messages)
    assert any("start_period" in m and "not a duration" in m for m in messages)


# ------------------------------------------------------------------ 3: deep JSON arrays


@pytest.mark.parametrize(
    "line",
    [
        "CMD " + "[" * 990,
        "ENTRYPOINT " + "[" * 990 + "]" * 990,
        "RUN " + "[" * 5000,
        "SHELL " + "[" * 990,
        "HEALTHCHECK CMD " + "[" * 990,
        "VOLUME " + "[" * 990,
    ],
    ids=["CMD", "ENTRYPOINT", "RUN", "SHELL", "HEALTHCHECK", "VOLUME"],
)
def test_deeply_nested_exec_form(tmp_path, capsys, line: str) -> None:
    root = write_tree(
        tmp_path / "s",
        {
            "Dockerfile": f"FROM python:3.12-slim\n{line}\n",
            "docker-compose.yml": "services:\n  web:\n    build: .\n",
        },
    )
    code, doc = lint_json(capsys, root)
    assert_clean_run(code, doc)
    assert "DKR001" in rules_for(doc, file="Dockerfile")  # the Dockerfile was still checked
    assert "CMP001" in rules_for(doc, subject="web")


# ------------------------------------------------------------------ 4: odd input, table

K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: a, labels: {{app: a}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: a}}}}
  template:
    metadata: {{labels: {{app: a}}}}
    spec:
      containers:
      - name: a
        image: a:1
        ports: [{{containerPort: {port}}}]
        readinessProbe: {{httpGet: {{port: {port}, path: /}}}}
        resources: {{limits: {{memory: {mem}, cpu: {cpu}}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: a}}
spec: {{selector: {{app: a}}, ports: [{{port: 80, targetPort: {port}}}]}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: a}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: a}}
  minReplicas: {hmin}
  maxReplicas: {hmax}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: a}}
spec: {{selector: {{matchLabels: {{app: a}}}}, minAvailable: {minav}}}
"""


def k8s(**values: str) -> dict[str, str]:
    base = dict(replicas="2", port="8080", mem="1Gi", cpu="500m", hmin="1", hmax="3", minav="1")
    base.update(values)
    return {"k8s.yaml": K8S.format(**base)}


def compose(service_body: str, extra: str = "") -> dict[str, str]:
    return {"docker-compose.yml": f"services:\n  web: {service_body}\n{extra}"}


NGINX_COMPOSE = (
    "services:\n  app: {image: a:1, command: 'gunicorn -b 0.0.0.0:8000 --timeout TIMEOUT app'}\n"
    "  nginx: {image: 'nginx:1.25', ports: ['80:80'], "
    "volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro']}\n"
)


def nginx(body: str, timeout: str = "30") -> dict[str, str]:
    return {
        "nginx.conf": f"events {{}}\nhttp {{ server {{ listen 80; {body} }} }}\n",
        "docker-compose.yml": NGINX_COMPOSE.replace("TIMEOUT", timeout),
    }


def nest(depth: int, inner: str) -> str:
    return "location /a { " * depth + inner + " }" * depth


def include_chain() -> dict[str, str]:
    files = {
        "nginx.conf": "events {}\nhttp { server { listen 80; "
        + nest(55, "include inc/f0.conf;")
        + " } }\n"
    }
    for i in range(23):
        files[f"inc/f{i}.conf"] = nest(60, f"include inc/f{i + 1}.conf;")
    files["inc/f23.conf"] = "proxy_pass http://app:8000;\n"
    return files


def include_fanout() -> dict[str, str]:
    files = {
        "nginx.conf": "events {}\nhttp { server { listen 80; location / { include inc/f0.conf; "
        "proxy_pass http://app:8000; } } }\n"
    }
    for i in range(20):
        files[f"inc/f{i}.conf"] = f"include inc/f{i + 1}.conf;\n" * 3
    files["inc/f20.conf"] = "proxy_set_header X-A b;\n"
    return files


CASES: dict[str, Mapping[str, str]] = {
    # wrong shapes and types where compose expects something else
    "services-list": {"docker-compose.yml": "services: [a, b]\n"},
    "service-list": compose("[1, 2]"),
    "service-null": {"docker-compose.yml": "services: {web: }\n"},
    "services-null": {"docker-compose.yml": "services:\n"},
    "service-keys-not-strings": {
        "docker-compose.yml": "services: {1: {image: a:1}, null: {image: b:1}, [x]: {image: c:1}}\n"
    },
    "environment-int": compose("{image: a:1, environment: 5}"),
    "environment-odd-items": compose("{image: a:1, environment: [{a: 1}, [2], null, 3]}"),
    "environment-odd-keys": compose("{image: a:1, environment: {1: 2, null: x, 1.5: [1]}}"),
    "healthcheck-string": compose("{image: a:1, healthcheck: 'yes'}"),
    "healthcheck-odd-fields": compose(
        "{image: a:1, healthcheck: {test: {a: 1}, interval: [1], timeout: {x: 1}, retries: 1e400}}"
    ),
    "memory-list": compose("{image: a:1, deploy: {resources: {limits: {memory: [1]}}}}"),
    "memory-inf-nan": compose(
        "{image: a:1, mem_limit: .inf, deploy: {resources: {limits: {memory: .nan}}}}"
    ),
    "memory-negative": compose("{image: a:1, mem_limit: -5g, environment: [JAVA_OPTS=-Xmx1g]}"),
    "memory-5000-digits": compose(f"{{image: a:1, mem_limit: {DIGITS_5000}}}"),
    "deploy-list": compose("{image: a:1, deploy: [1], scale: [2]}"),
    "deploy-odd": compose(
        "{image: a:1, deploy: {resources: 5, restart_policy: [1], replicas: {a: 1}}}"
    ),
    "replicas-1e100": compose("{image: a:1, deploy: {replicas: 1e100}, ports: ['80:80']}"),
    "scale-10e30": compose(
        "{image: a:1, scale: 1000000000000000000000000000000, container_name: x}"
    ),
    "replicas-negative": compose("{image: a:1, deploy: {replicas: -3}, ports: ['80:80']}"),
    "replicas-bool": compose("{image: a:1, deploy: {replicas: true}}"),
    "ports-huge": compose(
        "{image: a:1, ports: ['99999999999999999999:80', '80-99999999:80-99999999', "
        f"'1-99999999', '{DIGITS_5000}:1', '²:80']}}"
    ),
    "ports-long-syntax-odd": compose(
        "{image: a:1, ports: [{target: 99999999999999999999, published: '1-99999999'}, "
        "{target: [1]}, {target: 80, published: {a: 1}}, 5, null]}"
    ),
    "expose-huge": compose(f"{{image: a:1, expose: ['1-99999999', '{DIGITS_5000}', '²']}}"),
    "depends-on-odd": compose("{image: a:1, depends_on: {db: [1], x: 5}}", "  db: {image: b:1}\n"),
    "depends-on-int": compose("{image: a:1, depends_on: 5}"),
    "logging-odd": compose("{image: a:1, logging: {driver: [1], options: [1, 2]}}"),
    "logging-options-odd": compose(
        "{image: a:1, logging: {driver: json-file, options: {max-size: [1], max-file: 1e400}}}"
    ),
    "volumes-odd": compose(
        "{image: a:1, volumes: [{target: [1]}, 5, {type: bind, source: [1], target: /x}]}",
        "volumes: [1]\nnetworks: 5\n",
    ),
    "networks-odd": compose("{image: a:1, networks: {a: [1], b: 5}}"),
    "build-odd": compose("{build: {context: [1], dockerfile: {a: 1}}, image: [1]}"),
    "command-odd": compose("{image: a:1, command: {a: 1}, entrypoint: [[1], {a: 2}, null]}"),
    "command-numbers": compose("{image: a:1, command: 5, entrypoint: 1e400}"),
    "scalars-odd": compose("{image: a:1, labels: 5, user: [1], restart: {a: 1}, privileged: [1]}"),
    "extends-odd": {
        "docker-compose.yml": "services: {web: {extends: [1]}, w2: {extends: {service: [1]}}}\n"
    },
    "include-odd": {
        "docker-compose.yml": "include: [[1], {path: {a: 1}}, {a: 1}]\nservices: {web: {image: a:1}}\n"
    },
    "yaml-10000-deep": compose("{image: a:1, command: " + "[" * 10000 + "]" * 10000 + "}"),
    "yaml-4000-deep-map": compose("{image: a:1, x-a: " + "{a: " * 4000 + "1" + "}" * 4000 + "}"),
    "yaml-300-deep": compose("{image: a:1, command: " + "[" * 300 + "]" * 300 + "}"),
    "yaml-long-line": compose("{image: a:1, command: 'echo " + "x" * 4_000_000 + "'}"),
    "yaml-long-unterminated-quote": compose(
        "{image: a:1, command: \"sh -c '" + "x y " * 900_000 + '"}'
    ),
    "package-json-deep": {
        "docker-compose.yml": "services:\n  web: {build: ./web, command: npm run dev, environment: {PORT: '3000'}}\n",
        "web/Dockerfile": 'FROM node:20\nCMD ["npm", "start"]\n',
        "web/package.json": "[" * 100_000,
    },
    "dockerfile-odd-numbers": {
        "Dockerfile": (
            f"FROM a:1 AS x\nEXPOSE ² 99999999999999999999 1-99999999 {DIGITS_5000}\n"
            f"HEALTHCHECK --interval={MANY_9}s --timeout=nan --retries={DIGITS_5000} "
            f"CMD curl -f http://localhost:{DIGITS_5000}/\n"
            f"COPY --from={DIGITS_5000} /a /b\nCOPY --from=² /a /b\n"
            f'CMD ["gunicorn", "-b", ":{DIGITS_5000}"]\nUSER {DIGITS_5000}\n'
        ),
        "docker-compose.yml": "services:\n  web: {build: ., ports: ['8000:8000']}\n",
    },
    # nginx
    "nginx-5000-deep": nginx(nest(5000, "return 200;")),
    "nginx-include-chain-deep": include_chain(),
    "nginx-include-fan-out": include_fanout(),
    "nginx-huge-ports": nginx(
        f"listen 99999999999999999999; listen [::]:{DIGITS_5000}; "
        f"location / {{ proxy_pass http://app:{DIGITS_5000}; }} "
        "location /b { proxy_pass http://app:²; }"
    ),
    "nginx-huge-times": nginx(
        "location / { proxy_pass http://app:8000; "
        f"proxy_read_timeout {DIGITS_5000}; keepalive_timeout {MANY_9}y; }}",
        timeout="1e400",
    ),
    "gunicorn-timeout-inf": nginx("location / { proxy_pass http://app:8000; }", timeout="inf"),
    "gunicorn-timeout-nan": nginx("location / { proxy_pass http://app:8000; }", timeout="nan"),
    "nginx-long-line": nginx("location / { return 200 '" + "x" * 4_000_000 + "'; }"),
    # Kubernetes
    "k8s-replicas-huge": k8s(
        replicas="99999999999999999999", hmin="99999999999999999999999", hmax="1e400"
    ),
    "k8s-replicas-1e100": k8s(replicas="1e100"),
    "k8s-negative": k8s(replicas="-1", hmin="-5", hmax="-1"),
    "k8s-bools-and-lists": k8s(replicas="true", hmin="true", hmax="[1]", minav="{a: 1}"),
    "k8s-min-available-percent": k8s(minav=f"'{MANY_9}%'"),
    "k8s-memory-odd": k8s(mem="[1]", cpu="{a: 1}"),
    "k8s-memory-huge": k8s(mem="1e400", cpu=MANY_9),
    "k8s-ports-huge": k8s(port="99999999999999999999"),
    "k8s-ports-odd": k8s(port="'²'"),
    "k8s-containers-mapping": {
        "k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
        "spec: {template: {spec: {containers: {a: 1}}}}\n"
    },
    "k8s-spec-list": {
        "k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: [1]\nspec: [1]\n"
    },
    "k8s-nulls": {"k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\nspec:\n"},
    "k8s-containers-odd": {
        "k8s.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
        "spec: {template: {spec: {containers: [null, 5, [1], "
        "{name: [1], image: {a: 1}, env: 5, ports: 5, resources: 5}]}}}\n"
    },
    "k8s-ingress-odd": {
        "k8s.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\n"
        "spec: {rules: [{http: {paths: [{backend: {service: {name: [1], port: {number: 1e400}}}}, 5]}}, 5], "
        "defaultBackend: 5}\n"
    },
    "k8s-kind-odd": {"k8s.yaml": "apiVersion: [1]\nkind: {a: 1}\n"},
}


@pytest.mark.parametrize("name", list(CASES))
def test_odd_input_never_crashes(tmp_path: Path, capsys, name: str) -> None:
    root = write_tree(tmp_path / "s", CASES[name])
    code, doc = lint_json(capsys, root)
    assert_clean_run(code, doc)


def test_env_file_name_too_long_for_the_os(tmp_path: Path, capsys) -> None:
    """PRF001 looked the env_file up with Path.exists(), which raises ENAMETOOLONG (found
    by bench/fuzz.py): a name the OS cannot look up is simply not there."""
    root = tmp_path / "p"
    root.mkdir()
    (root / ".env").write_text("A=1\n")
    (root / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:1.27\n    env_file: ci.env" + "a" * 5000 + "\n"
    )
    code = main(["lint", str(root), "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "internal error" not in out


def test_profile_rules_never_read_env_files_through_a_symlink_out_of_the_tree(
    tmp_path: Path, capsys
) -> None:
    outside = tmp_path / "credentials"
    outside.write_text("SECRET_ONLY_OUTSIDE_KEY=1\n")
    root = tmp_path / "p"
    root.mkdir()
    (root / ".env.example").write_text("A=1\n")
    (root / ".env.prod").symlink_to(outside)
    (root / "compose.yaml").write_text(
        "services:\n  web:\n    image: nginx:1.27\n    profiles: [prod]\n    env_file: .env.prod\n"
    )
    code = main(["lint", str(root), "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "SECRET_ONLY_OUTSIDE_KEY" not in out


def test_nul_bytes_in_included_paths(tmp_path: Path, capsys) -> None:
    """`include: "\\0"` raised ValueError from os.lstat (found by the long fuzz round):
    a name with a NUL is an include that is not there, named with its line."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "compose.yaml").write_text(
        'include: ["\\0", "a\\0b.yml"]\nservices:\n  w:\n    image: x:1\n    env_file: "x\\0y"\n'
    )
    (root / "nginx.conf").write_text('events {}\nhttp { include "a\\0b"; }\n')
    code = main(["lint", str(root), "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    errors = json.loads(out)["errors"]
    assert "internal" not in {e["kind"] for e in errors}
    assert any(e["kind"] == "include-missing" and e["line"] == 1 for e in errors)


def test_a_huge_expose_line_is_read_once(tmp_path: Path, capsys) -> None:
    """Each EXPOSE word used to copy the whole instruction into its label: a 1 MB EXPOSE
    line took 16 s (found by the long fuzz round). Labels quote at most 200 characters."""
    root = tmp_path / "p"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM python:3.12\nEXPOSE 8080" + " #" * 200_000 + "\n")
    (root / "compose.yaml").write_text("services:\n  app:\n    build: .\n")
    code = main(["lint", str(root), "--format", "json"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "internal" not in {e["kind"] for e in json.loads(out)["errors"]}
