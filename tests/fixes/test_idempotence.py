"""Issue 7, part 2: `fix --unsafe` run twice changes nothing the second time, for every
fixable rule, on tricky layouts (anchors and merge keys, extends, overrides, flow style,
indentless lists, CRLF, Dockerfiles with USER root after CMD, heredocs, ...), and every
comment survives."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from infradoctor.config import LintConfig
from infradoctor.engine import LintResult, lint
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.fixers import FIXERS
from infradoctor.rules.registry import all_rules
from tests.conftest import write_tree

HARDENING = LintConfig(extend_select=["hardening"], report_unused_suppressions=False)
HC = '    healthcheck:\n      test: ["CMD", "true"]\n'

STACKS: dict[str, dict[str, str]] = {
    "k8s-kustomize-pdb-patch": {  # K8S010: fixed in the overlay's patch, comment kept
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
            "  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
            "        - {name: web, image: 'example/web:1.0'}\n---\n"
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
            "spec:\n  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n"
        ),
        "prod/kustomization.yaml": "resources: [../base]\npatches: [{path: pdb.yaml}]\n",
        "prod/pdb.yaml": (
            "kind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n"
            "    minAvailable: 3   # all of them\n"
        ),
    },
    "k8s-readiness-flow-multidoc": {  # K8S004: flow container, comments, two documents
        "app.yaml": (
            "# web\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
            "        - {name: web, image: 'example/web:1.0', ports: [{name: http, "
            "containerPort: 8080}], livenessProbe: {httpGet: {path: /livez, port: http}}}  # c\n"
            "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
            "spec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n"
        ),
    },
    "compose-anchors-flow-indentless": {
        "docker-compose.yml": (
            "# top comment\n"
            "x-logging: &logging\n  driver: json-file   # shared\n"
            "x-base: &base\n  image: example/base:1.0\n  depends_on:\n    - db  # base dep\n"
            "services:\n"
            '  web:   # the web\n    <<: *base\n    ports: ["80:80"]\n'
            "  worker: {image: 'example/worker:1.0', depends_on: [db, cache], logging: *logging}\n"
            "  api:\n    image: example/api:1.0\n    depends_on:\n    - db   # indentless\n"
            "    - cache\n"
            "  db:\n    image: postgres:16   # pg\n"
            '  cache:\n    image: redis:7\n    command: ["redis-server"]\n'
        ),
    },
    "compose-overrides": {
        "compose.yaml": (
            "services:\n  web:\n    image: example/web:1.0\n    depends_on:\n"
            "      - db   # healthcheck only in the override\n      - queue\n"
            "  db:\n    image: example/db:1.0\n"
        ),
        "compose.override.yaml": (
            "# local overrides\nservices:\n  db:\n" + HC + "  web:\n    depends_on:\n"
            "      cache:\n        condition: service_started   # wait only for start\n"
            "        required: false\n"
            "  cache:\n    image: example/cache:1.0\n    healthcheck: {test: [CMD, 'true']}\n"
            "  queue:\n    image: rabbitmq:3.13   # defined only here\n"
        ),
    },
    "compose-long-form": {
        "docker-compose.yml": (
            "services:\n  web:\n    image: example/web:1.0\n    depends_on:\n"
            "      db:\n        condition: service_started\n        restart: true   # restart\n"
            "      cache:\n        required: false\n      search:\n"
            "      jobs: {condition: service_started}\n"
            '    restart: "no"\n'
            "  worker:\n    image: example/web:1.0\n"
            "    depends_on: {db: {restart: true}, cache: {}}\n"
            "  db:\n    image: example/db:1.0\n" + HC + "  cache:\n    image: example/cache:1.0\n"
            '    healthcheck: {test: ["CMD", "true"]}\n'
            "  search:\n    image: example/search:1.0\n" + HC + "  jobs:\n"
            "    image: example/jobs:1.0\n" + HC
        ),
    },
    "compose-extends-crlf": {
        "docker-compose.yml": (
            "services:\r\n  base:\r\n    image: example/web:1.0\r\n    depends_on:\r\n"
            "      - db\r\n  web:\r\n    extends: base   # inherits depends_on\r\n"
            "  other:\r\n    extends:\r\n      file: common.yml\r\n      service: common\r\n"
            "  db:\r\n    image: mysql:8.4\r\n"
        ),
        "common.yml": "services:\n  common:\n    image: example/common:1.0\n    depends_on: [db]\n",
    },
    "nginx-stack": {
        "docker-compose.yml": (
            "# the proxy stack\nservices:\n  nginx:\n    image: nginx:1.27\n"
            '    ports: ["80:80"]\n    volumes:\n'
            "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro   # config\n"
            '  app1:\n    image: example/api:1.0-alpine\n    expose: ["8000"]\n'
            '  app2:\n    image: example/api:1.0-alpine\n    expose: ["8000"]\n'
            '  realtime:\n    image: example/realtime:1.0\n    expose: ["9000"]\n'
        ),
        "nginx/nginx.conf": (
            "# main config\nevents {}\nhttp {\n    server_tokens on;   # leaks the version\n"
            "    upstream app {\n        server app1:8000;\n        server app2:8000;\n"
            "        keepalive 16;   # pooled\n    }\n"
            "    server {\n        listen 80;\n        # health first\n"
            "        location = /healthz {\n            proxy_pass http://app;\n        }\n"
            "        location / {\n            proxy_pass http://app;\n"
            "            proxy_set_header X-Real-IP $remote_addr;   # client ip\n        }\n"
            "        location /socket.io/ {\n            proxy_pass http://realtime:9000;\n"
            "        }\n"
            "        location /ws {\n            proxy_pass http://realtime:9000;\n"
            "            proxy_set_header Connection $connection_upgrade;\n        }\n"
            "    }\n}\n"
        ),
    },
    "nginx-undefined-variable": {
        "nginx/nginx.conf": (
            "events {\n    worker_connections 1024;\n}\n\nhttp {\n"
            "    include /etc/nginx/mime.types;   # types\n\n"
            "    upstream realtime_service {\n        server realtime-service:8002;\n    }\n\n"
            "    server {\n        listen 80;\n        server_tokens off;\n"
            "        proxy_connect_timeout 5s;\n        proxy_send_timeout 30s;\n"
            "        proxy_read_timeout 30s;\n\n"
            "        # websockets, but the map is missing\n"
            "        location /ws {\n            proxy_pass http://realtime_service;\n"
            "            proxy_http_version 1.1;\n"
            "            proxy_set_header Upgrade $http_upgrade;\n"
            "            proxy_set_header Connection $connection_upgrade;   # undefined\n"
            "        }\n    }\n}\n"
        ),
    },
    "dockerfiles": {
        "docker-compose.yml": (
            "services:\n  api:\n    build: ./api\n  worker:\n    build: ./worker\n"
            "  tool:\n    build: ./tool\n  heredoc:\n    build: ./heredoc\n"
        ),
        "api/Dockerfile": (
            "# api image\nFROM python:3.12-slim\nRUN pip install gunicorn   # deps\n"
            '# run it\nCMD ["gunicorn", "app:app"]\nUSER root\n'
        ),
        "worker/Dockerfile": (
            "FROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\nEOF\n"
            'ENTRYPOINT ["/worker"]\nRUN echo built   # after the entrypoint\n'
        ),
        "tool/Dockerfile": (
            "FROM debian:12\n"
            "RUN groupadd --system app && useradd --system --gid app --no-create-home app\n"
            'USER app\nRUN true\nUSER root\nCMD ["tool"]\n'
        ),
        "heredoc/Dockerfile": 'FROM python:3.12-slim\nRUN <<EOF\npip install x\nCMD ["python"]\n',
    },
}

FIXABLE = {
    code
    for code in FIXERS
    if any(r.code == code and r.fixable != "display-only" for r in all_rules())
}


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _comments(data: bytes) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in data.decode().splitlines():
        m = re.search(r"(^|\s)(#.*)$", line)
        if m:
            out[m.group(2).strip()] += 1
    return out


def _fixed_twice(root: Path) -> tuple[set[str], dict[str, bytes], dict[str, bytes]]:
    original = _files(root)
    first = run_fixes(root, HARDENING, unsafe=True)
    assert not first.refused, first.refused
    once = _files(root)
    second = run_fixes(root, HARDENING, unsafe=True)
    assert not second.applied, [(a.rule, a.files, a.title) for a in second.applied]
    assert not second.refused, second.refused
    assert _files(root) == once
    for rel, data in original.items():
        missing = _comments(data) - _comments(once[rel])
        assert not missing, f"{rel} lost comments {sorted(missing)}"
    left = [
        (f.rule, f.message)
        for f in second.remaining
        if f.fix is not None and f.fix.applicability in ("safe", "unsafe")
    ]
    assert not left, left  # nothing fixable is left over for a third run
    return {a.rule for a in first.applied}, original, once


@pytest.mark.parametrize("name", sorted(STACKS))
def test_fix_unsafe_twice_changes_nothing_the_second_time(name: str, tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", {})
    for rel, text in STACKS[name].items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode())
    rules, _, _ = _fixed_twice(root)
    assert rules


def test_the_stacks_exercise_every_fixable_rule(tmp_path: Path) -> None:
    seen: set[str] = set()
    for i, (_name, files) in enumerate(sorted(STACKS.items())):
        root = tmp_path / f"s{i}"
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(text.encode())
        seen |= {a.rule for a in run_fixes(root, HARDENING, unsafe=True).applied}
    assert FIXABLE - seen == set(), f"no tricky input for {sorted(FIXABLE - seen)}"
    assert {
        "CMP001",
        "CMP002",
        "XF005",
        "XF007",
        "XF012",
        "NGX001",
        "NGX002",
        "NGX003",
        "NGX011",
        "NGX012",
        "SEC003",
        "SEC004",
        "DKR001",
        "XF004",
        "XF011",
    } <= seen


# ---------------------------------------------------------------- XF005 layouts

XF005_CASES: dict[str, dict[str, str]] = {
    "list": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n"
        "      - db  # the db\n      - cache\n  db:\n    image: b:1\n"
        + HC
        + "  cache:\n    image: c:1\n"
    },
    "long-form-conditions": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n      db:\n"
        "        condition: service_started\n        restart: true\n      cache:\n"
        "        condition: service_completed_successfully\n  db:\n    image: b:1\n"
        + HC
        + "  cache:\n    image: c:1\n"
    },
    "required-false": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n      db:\n"
        "        required: false\n  db:\n    image: b:1\n" + HC
    },
    "merge-key-shared": {
        "compose.yaml": "x-base: &base\n  image: a:1\n  depends_on:\n    - db\nservices:\n"
        "  web:\n    <<: *base\n  worker:\n    <<: *base\n    command: w\n"
        "  db:\n    image: b:1\n" + HC
    },
    "alias-list-shared": {
        "compose.yaml": "x-deps: &deps\n  - db\nservices:\n  web:\n    image: a:1\n"
        "    depends_on: *deps\n  worker:\n    image: a:1\n    depends_on: *deps\n"
        "  db:\n    image: b:1\n" + HC
    },
    "merge-key-long-form": {
        "compose.yaml": "x-base: &base\n  depends_on:\n    db:\n      condition: service_started\n"
        "services:\n  web:\n    <<: *base\n    image: a:1\n  db:\n    image: b:1\n" + HC
    },
    "extends-other-file": {
        "compose.yaml": "services:\n  web:\n    extends:\n      file: common.yaml\n"
        "      service: base\n  db:\n    image: b:1\n" + HC,
        "common.yaml": "services:\n  base:\n    image: a:1\n    depends_on:\n      - db\n",
    },
    "healthcheck-only-in-override": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n      - db\n"
        "  db:\n    image: b:1\n",
        "compose.override.yaml": "services:\n  db:\n" + HC,
    },
    "depends-on-in-both-files": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n      - db\n"
        "  db:\n    image: b:1\n" + HC,
        "compose.override.yaml": "services:\n  web:\n    depends_on:\n      - cache\n"
        "  cache:\n    image: c:1\n" + HC,
    },
    "dependency-only-in-other-file": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n      - db\n",
        "compose.override.yaml": "services:\n  db:\n    image: b:1\n" + HC,
    },
    "flow-list": {
        "compose.yaml": "services:\n  web: {image: a:1, depends_on: [db, cache]}\n"
        "  db: {image: b:1, healthcheck: {test: [CMD, 'true']}}\n  cache: {image: c:1}\n"
    },
    "flow-mapping": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on: {db: {condition: "
        "service_started}, cache: {restart: true}}\n  db:\n    image: b:1\n"
        + HC
        + "  cache:\n    image: c:1\n"
        + HC
    },
    "indentless": {
        "compose.yaml": "services:\n  web:\n    image: a:1\n    depends_on:\n    - db\n"
        "    - cache\n  db:\n    image: b:1\n" + HC + "  cache:\n    image: c:1\n"
    },
}


@pytest.mark.parametrize("name", sorted(XF005_CASES))
def test_xf005_layouts_are_fixed_once(name: str, tmp_path: Path) -> None:
    """XF005 on every depends_on layout: the dependency is edited where it is written (the
    anchor, the extends base, the override), the finding is gone, a second run is a
    no-op."""
    root = write_tree(tmp_path / "s", XF005_CASES[name])
    config = LintConfig(select=["XF005"], report_unused_suppressions=False)
    before = lint(root, config)
    assert [f for f in before.findings if f.rule == "XF005"]
    run = run_fixes(root, config)
    assert run.applied and not run.refused, run.refused
    after = lint(root, config)
    assert not [f.message for f in after.findings], name
    # every service still depends on what it depended on, now waiting for health
    assert _dependencies(after) == {
        svc: {dep: "service_healthy" for dep in deps} for svc, deps in _dependencies(before).items()
    }
    once = _files(root)
    again = run_fixes(root, config)
    assert not again.applied and not again.refused and _files(root) == once
    for rel, data in once.items():
        assert set(yaml.safe_load(data)) == set(yaml.safe_load(XF005_CASES[name][rel])), rel


def _dependencies(result: LintResult) -> dict[str, dict[str, str]]:
    """service -> {dependency with a healthcheck: condition}."""
    out: dict[str, dict[str, str]] = {}
    for project in result.stack.projects:
        for svc in project.services.values():
            out[svc.name] = {
                d.service: d.condition
                for d in svc.depends_on
                if d.service in project.services
                and project.services[d.service].effective_healthcheck is not None
            }
    return out


def test_xf005_shared_merge_key_is_edited_in_the_anchor(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", XF005_CASES["merge-key-shared"])
    run_fixes(root, LintConfig(select=["XF005"], report_unused_suppressions=False))
    assert (root / "compose.yaml").read_text() == XF005_CASES["merge-key-shared"][
        "compose.yaml"
    ].replace("    - db\n", "    db:\n      condition: service_healthy\n", 1)


def test_xf005_override_long_form_keeps_its_comment(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "s", STACKS["compose-overrides"])
    run_fixes(root, LintConfig(select=["XF005"], report_unused_suppressions=False))
    assert (root / "compose.yaml").read_text() == STACKS["compose-overrides"][
        "compose.yaml"
    ].replace(
        "      - db   # healthcheck only in the override\n      - queue\n",
        "      db:   # healthcheck only in the override\n        condition: service_healthy\n"
        "      queue:\n        condition: service_started\n",
    )


# ---------------------------------------------------------------- DKR001


def _dkr001(root: Path) -> list[str]:
    config = LintConfig(select=["DKR001"], report_unused_suppressions=False)
    return [f.message for f in lint(root, config).findings if f.rule == "DKR001"]


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        (  # USER root after CMD: the new USER must come after it to take effect
            '# api\nFROM python:3.12-slim\nRUN pip install gunicorn\nCMD ["gunicorn"]\nUSER root\n',
            '# api\nFROM python:3.12-slim\nRUN pip install gunicorn\nCMD ["gunicorn"]\n'
            "USER root\n"
            "RUN groupadd --system app && useradd --system --gid app --no-create-home app\n"
            "USER app\n",
        ),
        (  # a user the file already created (an earlier fix): switch back, add no user
            "FROM debian:12\n"
            "RUN groupadd --system app && useradd --system --gid app --no-create-home app\n"
            'USER app\nRUN true\nUSER root\n# start\nCMD ["tool"]\n',
            "FROM debian:12\n"
            "RUN groupadd --system app && useradd --system --gid app --no-create-home app\n"
            'USER app\nRUN true\nUSER root\nUSER app\n# start\nCMD ["tool"]\n',
        ),
        (  # RUN after ENTRYPOINT (heredoc before it): after the last RUN, not before
            "FROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\nEOF\n"
            'ENTRYPOINT ["/worker"]\nRUN echo built\n',
            "FROM alpine:3.20\nRUN <<EOF\napk add --no-cache curl\nEOF\n"
            'ENTRYPOINT ["/worker"]\nRUN echo built\n'
            "RUN addgroup -S app && adduser -S -G app -H -D app\nUSER app\n",
        ),
        (  # `USER 0:0` is root too; the user the author created is used
            'FROM ubuntu:24.04\nRUN useradd -m -u 1000 web\nUSER 0:0\nCMD ["serve"]\n',
            'FROM ubuntu:24.04\nRUN useradd -m -u 1000 web\nUSER 0:0\nUSER web\nCMD ["serve"]\n',
        ),
    ],
    ids=["user-root-after-cmd", "existing-user", "run-after-entrypoint", "user-0"],
)
def test_dkr001_user_takes_effect_and_is_added_once(
    dockerfile: str, expected: str, tmp_path: Path
) -> None:
    root = write_tree(tmp_path / "s", {"Dockerfile": dockerfile})
    assert _dkr001(root)
    config = LintConfig(select=["DKR001"], report_unused_suppressions=False)
    run = run_fixes(root, config, unsafe=True)
    assert run.applied and not run.refused and run.passes == 1
    assert (root / "Dockerfile").read_text() == expected
    assert not _dkr001(root)
    again = run_fixes(root, config, unsafe=True)
    assert not again.applied and (root / "Dockerfile").read_text() == expected


def test_dkr001_unterminated_heredoc_gets_no_fix(tmp_path: Path) -> None:
    """The end of the file is inside the heredoc body: nothing can be added there."""
    text = 'FROM python:3.12-slim\nRUN <<EOF\npip install x\nCMD ["python"]\n'
    root = write_tree(tmp_path / "s", {"Dockerfile": text})
    config = LintConfig(select=["DKR001", "DKR007"], report_unused_suppressions=False)
    result = lint(root, config)
    assert [f for f in result.findings if f.rule == "DKR001"]
    assert all(f.fix is None for f in result.findings)
    run = run_fixes(root, config, unsafe=True)
    assert not run.applied and (root / "Dockerfile").read_text() == text


NGX003_OVERRIDDEN = {
    # keepalive upstream (NGX011) and /ws (XF007) give two locations sets of their own
    "nginx.conf": "events {}\nhttp {\n"
    "    upstream app { server proxy:8080; server proxy:8080; keepalive 16; }\n"
    "    server {\n        listen 80;\n"
    "        location / { proxy_pass http://app; }\n"
    "        location /ws { proxy_pass http://proxy:8080; }\n"
    "        location /api/ { proxy_pass http://$backend; set $backend api:9000; }\n"
    "    }\n}\n",
}
NGX003_NESTED = {
    "nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n"
    + "".join(
        f"    location /a{i} {{\n      proxy_pass http://a{i};\n"
        f"      location /a{i}/ws {{\n        proxy_pass http://b;\n      }}\n    }}\n"
        for i in range(4)
    )
    + "    location /c {\n      proxy_pass http://c;\n    }\n  }\n}\n",
}


def _re_reported(root: Path, rule: str) -> list[int]:
    """Passes after which a finding of `rule` whose fix was applied is reported again
    (same file and subject), as bench/fuzz.py checks it."""
    from infradoctor.fixes.apply import FixRun, _write_pass, allowed_applicabilities, choose_fixes

    run = FixRun(root)
    out: list[int] = []
    result = lint(root, HARDENING)
    for k in range(1, 11):
        chosen, deferred = choose_fixes(
            result.findings, allowed_applicabilities(True), result.stack
        )
        if not chosen:
            break
        _write_pass(result, chosen, run, HARDENING)
        after = lint(root, HARDENING)

        def key(f: object) -> tuple[str, str, str | None]:
            return (f.rule, f.location.file, f.subject)  # type: ignore[attr-defined]

        before = Counter(key(f) for f in result.findings)
        fixed = Counter(key(f) for _, fs in chosen for f in fs if f.rule == rule)
        waiting = {key(f) for f in deferred}
        now = {key(f) for f in after.findings}
        if any(k2 in now for k2, n in fixed.items() if k2 not in waiting and before[k2] == n):
            out.append(k)
        result = after
    return out


@pytest.mark.parametrize("files", [NGX003_OVERRIDDEN, NGX003_NESTED], ids=["overridden", "nested"])
def test_ngx003_fixes_every_route_it_names_in_one_pass(
    files: dict[str, str], tmp_path: Path
) -> None:
    # Issue 7 N4: a server-level NGX003 whose routes partly have their own
    # proxy_set_header sets added the headers to one location per pass (re-reported;
    # with 4 nested /x/ws locations more passes than --max-passes, so not idempotent).
    write_tree(tmp_path, files)
    assert _re_reported(tmp_path, "NGX003") == []
    write_tree(tmp_path, files)
    first = run_fixes(tmp_path, HARDENING, unsafe=True)
    assert not first.refused
    assert not [f for f in first.final.findings if f.rule == "NGX003"]
    second = run_fixes(tmp_path, HARDENING, unsafe=True)
    assert not second.applied
