"""Issue 7, part 1: fixes in flow-style compose files write YAML (not Python reprs) at any
depth, every YAML edit is checked for what it means before it is written, and a fix whose
finding is still reported afterwards is not written at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infradoctor.cli.main import main
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Applicability, Edit, Finding, Fix
from infradoctor.fixes import yaml_edit as ye
from infradoctor.fixes.apply import run_fixes
from infradoctor.fixes.context import FixContext
from infradoctor.fixes.fixers import FIXERS
from tests.conftest import write_tree

LOGGING = {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}}
PG_TEST = ["CMD-SHELL", 'pg_isready -U "$${POSTGRES_USER:-postgres}"']
HC = {"interval": "10s", "timeout": "5s", "retries": 5, "start_period": "30s"}
NGINX_HEALTH = (
    "server {\n    listen 80;\n    location = /healthz {\n"
    "        proxy_pass http://api:8080;\n    }\n}\n"
)


def _config(*rules: str) -> LintConfig:
    return LintConfig(select=list(rules), report_unused_suppressions=False)


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# (input files, rules fixed, expected docker-compose.yml, expected services as loaded)
FLOW_CASES: dict[str, tuple[dict[str, str], tuple[str, ...], str, dict[str, Any]]] = {
    "CMP001": (
        {"docker-compose.yml": "services: {web: {image: nginx:1.25, ports: ['80:80']}}\n"},
        ("CMP001",),
        "services: {web: {image: nginx:1.25, ports: ['80:80'], restart: unless-stopped}}\n",
        {"web": {"image": "nginx:1.25", "ports": ["80:80"], "restart": "unless-stopped"}},
    ),
    "CMP002": (
        {"docker-compose.yml": "services: {web: {image: nginx:1.25, ports: ['80:80']}}\n"},
        ("CMP002",),
        "services: {web: {image: nginx:1.25, ports: ['80:80'], logging: {driver: json-file, "
        'options: {max-size: "10m", max-file: "3"}}}}\n',
        {"web": {"image": "nginx:1.25", "ports": ["80:80"], "logging": LOGGING}},
    ),
    "XF005": (
        {
            "docker-compose.yml": "services: {web: {image: example/web:1.0, depends_on: [db]}, "
            "db: {image: example/db:1.0, healthcheck: {test: [CMD, 'true']}}}\n"
        },
        ("XF005",),
        "services: {web: {image: example/web:1.0, depends_on: {db: {condition: "
        "service_healthy}}}, db: {image: example/db:1.0, healthcheck: {test: [CMD, 'true']}}}\n",
        {
            "web": {
                "image": "example/web:1.0",
                "depends_on": {"db": {"condition": "service_healthy"}},
            },
            "db": {"image": "example/db:1.0", "healthcheck": {"test": ["CMD", "true"]}},
        },
    ),
    "XF004": (
        {
            "docker-compose.yml": "services: {web: {image: example/web:1.0, depends_on: "
            "{db: {condition: service_healthy}}}, db: {image: 'postgres:16'}}\n"
        },
        ("XF004",),
        "services: {web: {image: example/web:1.0, depends_on: {db: {condition: "
        "service_healthy}}}, db: {image: 'postgres:16', healthcheck: {test: [\"CMD-SHELL\", "
        '"pg_isready -U \\"$${POSTGRES_USER:-postgres}\\""], interval: 10s, timeout: 5s, '
        "retries: 5, start_period: 30s}}}\n",
        {
            "web": {
                "image": "example/web:1.0",
                "depends_on": {"db": {"condition": "service_healthy"}},
            },
            "db": {"image": "postgres:16", "healthcheck": {"test": PG_TEST, **HC}},
        },
    ),
    "XF011": (
        {
            "docker-compose.yml": "services: {nginx: {image: 'nginx:1.27', volumes: "
            "['./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro']}, api: {image: "
            "'example/api:1.0-alpine', expose: ['8080'], restart: unless-stopped}}\n",
            "nginx/default.conf": NGINX_HEALTH,
        },
        ("XF011",),
        "services: {nginx: {image: 'nginx:1.27', volumes: "
        "['./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro']}, api: {image: "
        "'example/api:1.0-alpine', expose: ['8080'], restart: unless-stopped, healthcheck: "
        '{test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"], '
        "interval: 10s, timeout: 5s, retries: 5, start_period: 30s}}}\n",
        {
            "nginx": {
                "image": "nginx:1.27",
                "volumes": ["./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro"],
            },
            "api": {
                "image": "example/api:1.0-alpine",
                "expose": ["8080"],
                "restart": "unless-stopped",
                "healthcheck": {
                    "test": [
                        "CMD",
                        "wget",
                        "-q",
                        "-O",
                        "/dev/null",
                        "http://127.0.0.1:8080/healthz",
                    ],
                    **HC,
                },
            },
        },
    ),
    "SEC003": (
        {
            "docker-compose.yml": "services: {web: {image: nginx:1.25, security_opt: "
            "[label=disable]}, api: {image: example/api:1.0}}\n"
        },
        ("SEC003",),
        'services: {web: {image: nginx:1.25, security_opt: [label=disable, "no-new-privileges:'
        'true"]}, api: {image: example/api:1.0, security_opt: ["no-new-privileges:true"]}}\n',
        {
            "web": {
                "image": "nginx:1.25",
                "security_opt": ["label=disable", "no-new-privileges:true"],
            },
            "api": {"image": "example/api:1.0", "security_opt": ["no-new-privileges:true"]},
        },
    ),
    "SEC004": (
        {
            "docker-compose.yml": "services: {web: {image: nginx:1.25, cap_drop: []}, "
            "api: {image: example/api:1.0}}\n"
        },
        ("SEC004",),
        "services: {web: {image: nginx:1.25, cap_drop: [ALL]}, api: {image: example/api:1.0, "
        "cap_drop: [ALL]}}\n",
        {
            "web": {"image": "nginx:1.25", "cap_drop": ["ALL"]},
            "api": {"image": "example/api:1.0", "cap_drop": ["ALL"]},
        },
    ),
    "mixed-block-and-flow": (
        {
            "docker-compose.yml": "# mixed\nservices:\n  web:\n    image: nginx:1.25\n"
            "    logging: {driver: json-file}   # no limits yet\n"
            "  api: {image: example/api:1.0, logging: {driver: json-file, options: "
            "{max-file: '5'}}}\n"
            "  db: {image: postgres:16}\n"
            "  worker:\n    image: example/worker:1.0\n    depends_on: [db]\n"
        },
        ("CMP001", "CMP002", "XF004", "XF005"),
        "# mixed\nservices:\n  web:\n    image: nginx:1.25\n"
        '    logging: {driver: json-file, options: {max-size: "10m", max-file: "3"}}'
        "   # no limits yet\n"
        "    restart: unless-stopped\n"
        "  api: {image: example/api:1.0, logging: {driver: json-file, options: "
        "{max-file: '5', max-size: \"10m\"}}, restart: unless-stopped}\n"
        "  db: {image: postgres:16, restart: unless-stopped, logging: {driver: json-file, "
        'options: {max-size: "10m", max-file: "3"}}, healthcheck: {test: ["CMD-SHELL", '
        '"pg_isready -U \\"$${POSTGRES_USER:-postgres}\\""], interval: 10s, timeout: 5s, '
        "retries: 5, start_period: 30s}}\n"
        "  worker:\n    image: example/worker:1.0\n"
        "    depends_on: {db: {condition: service_healthy}}\n"
        "    restart: unless-stopped\n    logging:\n      driver: json-file\n"
        '      options:\n        max-size: "10m"\n        max-file: "3"\n',
        {
            "web": {"image": "nginx:1.25", "logging": LOGGING, "restart": "unless-stopped"},
            "api": {
                "image": "example/api:1.0",
                "logging": {"driver": "json-file", "options": {"max-file": "5", "max-size": "10m"}},
                "restart": "unless-stopped",
            },
            "db": {
                "image": "postgres:16",
                "restart": "unless-stopped",
                "logging": LOGGING,
                "healthcheck": {"test": PG_TEST, **HC},
            },
            "worker": {
                "image": "example/worker:1.0",
                "depends_on": {"db": {"condition": "service_healthy"}},
                "restart": "unless-stopped",
                "logging": LOGGING,
            },
        },
    ),
}


@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_flow_style_compose_fix(case: str, tmp_path: Path) -> None:
    files, rules, expected, services = FLOW_CASES[case]
    root = write_tree(tmp_path / "s", files)
    config = _config(*rules)
    assert [f for f in lint(root, config).findings if f.rule in rules]
    run = run_fixes(root, config, unsafe=True)
    assert run.applied and not run.refused
    text = (root / "docker-compose.yml").read_text()
    assert text == expected
    # What was written means what was intended: strings stay strings, lists stay lists.
    assert yaml.safe_load(text)["services"] == services
    assert not [f.message for f in lint(root, config).findings if f.rule in rules]
    again = run_fixes(root, config, unsafe=True)
    assert not again.applied and not again.refused
    assert (root / "docker-compose.yml").read_text() == expected


def test_flow_style_fix_then_lint_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report of issue 7: CMP002 in a one-line compose file came back after `fix`."""
    root = write_tree(
        tmp_path / "s",
        {"docker-compose.yml": "services: {web: {image: nginx:1.25, ports: ['80:80']}}\n"},
    )
    assert main(["fix", str(root), "--select", "CMP001,CMP002"]) == 0
    text = (root / "docker-compose.yml").read_text()
    assert "Raw(" not in text
    assert yaml.safe_load(text)["services"]["web"]["logging"] == LOGGING
    capsys.readouterr()
    assert main(["lint", str(root), "--select", "CMP001,CMP002"]) == 0
    assert main(["fix", str(root), "--select", "CMP001,CMP002"]) == 0
    assert "Fixed 0 findings in 0 files" in capsys.readouterr().out
    assert (root / "docker-compose.yml").read_text() == text


def test_indentless_depends_on_list_becomes_a_nested_mapping(tmp_path: Path) -> None:
    """`depends_on:` with its `- db` items in the same column: the names must go one step
    deeper, else they become keys of the service and depends_on turns null (the file
    still parses and XF005 goes quiet, but the dependency is gone)."""
    text = (
        "services:\n  web:\n    image: example/web:1.0\n    depends_on:\n"
        "    - db   # first\n    - cache\n    restart: always\n"
        "  db:\n    image: example/db:1.0\n    healthcheck:\n      test: [CMD, 'true']\n"
        "  cache:\n    image: example/cache:1.0\n"
    )
    root = write_tree(tmp_path / "s", {"docker-compose.yml": text})
    run = run_fixes(root, _config("XF005"))
    assert run.applied and not run.refused
    out = (root / "docker-compose.yml").read_text()
    assert out == text.replace(
        "    - db   # first\n    - cache\n",
        "      db:   # first\n        condition: service_healthy\n"
        "      cache:\n        condition: service_started\n",
    )
    assert yaml.safe_load(out)["services"]["web"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "cache": {"condition": "service_started"},
    }


def test_flow_depends_on_over_several_lines_keeps_its_comments(tmp_path: Path) -> None:
    text = (
        "services:\n  web:\n    image: example/web:1.0\n    depends_on: [\n"
        "      db,     # the database\n      cache,  # optional\n    ]\n"
        "  db:\n    image: example/db:1.0\n    healthcheck: {test: [CMD, 'true']}\n"
        "  cache:\n    image: example/cache:1.0\n"
    )
    root = write_tree(tmp_path / "s", {"docker-compose.yml": text})
    run = run_fixes(root, _config("XF005"))
    assert run.applied and not run.refused
    assert (root / "docker-compose.yml").read_text() == text.replace(
        "    depends_on: [\n      db,     # the database\n      cache,  # optional\n    ]\n",
        "    depends_on: {\n      db: {condition: service_healthy},     # the database\n"
        "      cache: {condition: service_started},  # optional\n    }\n",
    )


def test_null_dependency_in_a_flow_mapping(tmp_path: Path) -> None:
    text = (
        "services:\n  web:\n    image: example/web:1.0\n    depends_on: {db: , cache: ~}\n"
        "  db:\n    image: example/db:1.0\n    healthcheck: {test: [CMD, 'true']}\n"
        "  cache:\n    image: example/cache:1.0\n    healthcheck: {test: [CMD, 'true']}\n"
    )
    root = write_tree(tmp_path / "s", {"docker-compose.yml": text})
    run = run_fixes(root, _config("XF005"))
    assert run.applied and not run.refused
    out = (root / "docker-compose.yml").read_text()
    assert out == text.replace(
        "{db: , cache: ~}",
        "{db: {condition: service_healthy} , cache: {condition: service_healthy}}",
    )
    assert yaml.safe_load(out)["services"]["web"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "cache": {"condition": "service_healthy"},
    }


# ---------------------------------------------------------------- rendering


@pytest.mark.parametrize(
    "value",
    [
        "10m",
        "3",
        "0o17",  # an int for YAML 1.2 (Compose), a string for YAML 1.1
        "yes",
        "a\tb",
        "bell\x07",
        "line\nbreak",
        "it's",
        "x, y",
        "{a}",
        "[a]",
        "é€",
        "",
        1.5,
        1e20,
        float("inf"),
        -3,
        True,
        None,
    ],
)
def test_rendered_scalars_read_back_as_the_same_value(value: Any) -> None:
    from infradoctor.syntax.yaml import load_positioned, source_from_text

    for quote in ('"', "'"):
        for text in (
            f"k: {ye.render_scalar(value, quote)}\n",
            f"k: {ye.render_flow([value, {'n': value}], quote)}\n",
        ):
            root, errors = load_positioned(source_from_text(text))
            assert not errors and root is not None, text
            got = root.value["k"]
            assert _same(got, [value, {"n": value}] if isinstance(got, list) else value), text


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (`True` is not `1`)."""
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def test_plain_only_when_yaml_1_1_and_1_2_agree() -> None:
    # Compose reads YAML 1.2: `0o17` is 15 there, a string for YAML 1.1
    assert ye.render_scalar("0o17") == '"0o17"'
    assert ye.render_scalar("0o17", "'") == "'0o17'"
    assert ye.render_scalar("unless-stopped") == "unless-stopped"


def test_raw_values_render_in_flow_at_any_depth_and_must_be_one_line() -> None:
    value = {"logging": {"options": {"max-size": ye.Raw('"10m"')}}, "t": [ye.Raw("*x")]}
    assert ye.render_flow(value) == '{logging: {options: {max-size: "10m"}}, t: [*x]}'
    with pytest.raises(ye.YamlEditError):
        ye.render_flow({"k": ye.Raw("a:\n  b: 1")})


# ---------------------------------------------------------------- edit checks


def _doc(text: str) -> Any:
    return ye.parse_document(text)


def test_edit_check_catches_a_value_written_wrong() -> None:
    text = "web: {image: x}\n"
    node = ye.find(_doc(text), ["web"])
    assert node is not None
    good = ye.insert_keys(text, node, {"logging": {"options": {"max-size": ye.Raw('"10m"')}}})
    assert good[0].verify is not None and good[0].verify() is None
    end = node.end_mark.index - 1
    wrong = [ye.TextEdit(end, end, ", logging: {options: {max-size: 'Raw(text=''\"10m\"'')'}}")]
    checked = ye.with_check(
        text, wrong, node, {"image": "x", "logging": {"options": {"max-size": "10m"}}}
    )
    assert checked[0].verify is not None
    problem = checked[0].verify()
    assert problem and "Raw(" in problem


def test_edit_check_catches_entries_that_land_in_the_parent() -> None:
    text = "web:\n  depends_on:\n  - db\n  image: x\n"
    doc = _doc(text)
    seq = ye.find(doc, ["web", "depends_on"])
    assert seq is not None
    start = text.index("- db")
    # what the old XF005 fixer wrote: `db:` in the dash's column, a key of `web` itself
    edits = [
        ye.TextEdit(start, start + 4, "db:"),
        ye.TextEdit(start + 4, start + 4, "\n    condition: service_healthy"),
    ]
    checked = ye.with_check(text, edits, seq, {"db": {"condition": "service_healthy"}})
    assert checked[0].verify is not None
    assert checked[0].verify()
    # and nothing outside the node may change
    other = ye.with_check(
        text, [ye.TextEdit(text.index("x"), text.index("x") + 1, "y")], seq, ["db"]
    )
    assert other[0].verify is not None and "would change" in (other[0].verify() or "")


def _fake_fixer(edit: Any, monkeypatch: pytest.MonkeyPatch, rule: str = "CMP001") -> None:
    def fixer(ctx: FixContext, finding: Finding) -> Fix:
        return Fix("fake", Applicability.SAFE, (edit(ctx, finding),))

    monkeypatch.setitem(FIXERS, rule, fixer)


COMPOSE = "services:\n  web:\n    image: example/web:1.0   # pinned\n"


def test_a_fix_whose_finding_stays_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fix that leaves its finding would be written again on every run (DKR001 grew a
    user block per pass): it is refused instead, with the reason."""

    def edit(ctx: FixContext, finding: Finding) -> Edit:
        pos = len(ctx.text(finding.location.file))
        return Edit(finding.location.file, pos, pos, "# restart: later\n")

    _fake_fixer(edit, monkeypatch)
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    run = run_fixes(root, _config("CMP001"))
    assert not run.applied and run.passes == 1
    assert run.refused and "would not resolve CMP001" in run.refused[0]
    assert (root / "docker-compose.yml").read_text() == COMPOSE
    assert main(["fix", str(root), "-q", "--select", "CMP001"]) == 2
    out, err = capsys.readouterr()
    assert "Fixed 0 findings in 0 files" in out
    assert "not written: docker-compose.yml: CMP001 fix (fake): the fix would not resolve" in err


def test_a_fix_whose_edit_check_fails_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def edit(ctx: FixContext, finding: Finding) -> Edit:
        pos = ctx.text(finding.location.file).index("   # pinned")
        return Edit(
            finding.location.file,
            pos,
            pos,
            "\n    restart: unless-stopped",
            verify=lambda: "restart would read 'Raw(...)'",
        )

    _fake_fixer(edit, monkeypatch)
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    run = run_fixes(root, _config("CMP001"))
    assert not run.applied
    assert run.refused and "the edit is wrong: restart would read 'Raw(...)'" in run.refused[0]
    assert (root / "docker-compose.yml").read_text() == COMPOSE


def test_good_fixes_of_a_pass_are_written_when_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def edit(ctx: FixContext, finding: Finding) -> Edit:
        return Edit(finding.location.file, 0, 0, "# later\n")

    _fake_fixer(edit, monkeypatch)
    root = write_tree(tmp_path / "s", {"docker-compose.yml": COMPOSE})
    run = run_fixes(root, _config("CMP001", "CMP002"))
    assert [a.rule for a in run.applied] == ["CMP002"]
    assert len(run.refused) == 1 and "CMP001" in run.refused[0]
    text = (root / "docker-compose.yml").read_text()
    assert "# later" not in text and yaml.safe_load(text)["services"]["web"]["logging"] == LOGGING
