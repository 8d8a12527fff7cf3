"""`infradoctor lint` end to end through main(): flags, config, exit codes, baselines,
several roots, output files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infradoctor.cli.main import main
from tests.report import fakes

COMPOSE = "services:\n  web:\n    image: BAD\n    command: WARN\n    hostname: NOTE\n"


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch)
    monkeypatch.delenv("NO_COLOR", raising=False)


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["lint", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def rules_of(doc: dict) -> list[str]:
    return [f["rule"] for f in doc["findings"]]


def test_exit_codes_and_thresholds(tree, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE}))
    code, doc = run_json(capsys, root)
    assert code == 1 and rules_of(doc) == ["TST001", "TST002", "TST003"]
    code, doc = run_json(capsys, root, "--severity", "warning")
    assert code == 1 and rules_of(doc) == ["TST001", "TST002"]
    code, doc = run_json(capsys, root, "--select", "TST003")
    assert code == 1 and rules_of(doc) == ["TST003"]
    code, doc = run_json(capsys, root, "--select", "TST003", "--fail-on", "warning")
    assert code == 0 and rules_of(doc) == ["TST003"]
    code, doc = run_json(capsys, root, "--ignore", "TST001,marker-warning", "--ignore", "nginx")
    assert code == 0 and rules_of(doc) == []
    code, doc = run_json(capsys, root, "--select", "security,availability")
    assert rules_of(doc) == ["TST001", "TST002"]


def test_usage_errors_exit_2(tree, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE}))
    assert main(["lint", root, "--select", "NOPE1"]) == 2
    assert "unknown rule code" in capsys.readouterr().err
    assert main(["lint", root + "/missing"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["lint", root, "--format", "xml"]) == 2
    assert main(["lint", root, "--baseline", root + "/none.json"]) == 2
    assert "baseline file not found" in capsys.readouterr().err


def test_config_file_and_cli_override(tree, capsys) -> None:
    root = tree(
        {
            "compose.yaml": COMPOSE,
            ".infradoctor.toml": 'ignore = ["TST001"]\n[rules.TST002]\nseverity = "error"\n',
        }
    )
    code, doc = run_json(capsys, str(root))
    assert rules_of(doc) == ["TST002", "TST003"]
    assert doc["findings"][0]["severity"] == "error"
    code, doc = run_json(capsys, str(root), "--ignore", "TST003")  # flag replaces config
    assert rules_of(doc) == ["TST001", "TST002"]
    (root / ".infradoctor.toml").write_text('ignroe = ["TST001"]\n')
    assert main(["lint", str(root)]) == 2
    err = capsys.readouterr().err
    assert ".infradoctor.toml" in err and "ignroe" in err


def test_explicit_config_flag(tree, tmp_path: Path, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE}))
    cfg = tmp_path / "ci.toml"
    cfg.write_text('select = ["TST001"]\nfail-on = "error"\n')
    code, doc = run_json(capsys, root, "--config", str(cfg))
    assert code == 1 and rules_of(doc) == ["TST001"]


def test_load_errors_listed_not_fatal(tree, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE, "other/compose.yaml": "services: [\n"}))
    code, doc = run_json(capsys, root, "--select", "TST003", "--fail-on", "error")
    assert rules_of(doc) == ["TST003"]
    assert [e["file"] for e in doc["errors"]] == ["other/compose.yaml"]
    assert code == 1  # an unparsable compose file fails the run, but is not exit 2


def test_exclude(tree, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE, "legacy/compose.yaml": COMPOSE}))
    _, doc = run_json(capsys, root)
    assert {f["file"] for f in doc["findings"]} == {"compose.yaml", "legacy/compose.yaml"}
    _, doc = run_json(capsys, root, "--exclude", "legacy/*")
    assert {f["file"] for f in doc["findings"]} == {"compose.yaml"}


def test_baseline_cycle(tree, tmp_path: Path, capsys) -> None:
    root = tree({"compose.yaml": COMPOSE})
    base = tmp_path / "baseline.json"
    assert main(["lint", str(root), "--write-baseline", str(base), "-q"]) == 0
    capsys.readouterr()
    assert len(json.loads(base.read_text())["findings"]) == 3
    code, doc = run_json(capsys, str(root), "--baseline", str(base))
    assert code == 0 and doc["findings"] == [] and doc["stats"]["baselined"] == 3
    (root / "compose.yaml").write_text(COMPOSE + "    user: BAD\n")
    code = main(["lint", str(root), "--baseline", str(base)])
    captured = capsys.readouterr()
    assert code == 1
    assert "compose.yaml:6:11: error TST001" in captured.out
    assert "3 baselined" in captured.out
    assert "3 findings hidden by baseline" in captured.err


def test_baseline_from_config(tree, capsys) -> None:
    root = tree({"compose.yaml": COMPOSE})
    assert main(["lint", str(root), "--write-baseline", str(root / "b.json")]) == 0
    (root / ".infradoctor.toml").write_text('baseline = "b.json"\n')
    capsys.readouterr()
    code, doc = run_json(capsys, str(root))
    assert code == 0 and doc["stats"]["baselined"] == 3


def test_several_roots(tree, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    a = tree({"compose.yaml": COMPOSE}, name="a")
    tree({"compose.yaml": "services:\n  x:\n    image: BAD\n"}, name="b")
    monkeypatch.chdir(a.parent)
    code, doc = run_json(capsys, "a", "b/", "a")
    assert code == 1
    assert [(f["file"], f["rule"]) for f in doc["findings"]] == [
        ("a/compose.yaml", "TST001"),
        ("a/compose.yaml", "TST002"),
        ("a/compose.yaml", "TST003"),
        ("b/compose.yaml", "TST001"),
    ]
    assert doc["stats"]["roots"] == 2


def test_output_file_and_formats(tree, tmp_path: Path, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE}))
    out = tmp_path / "r.sarif"
    assert main(["lint", root, "--format", "sarif", "--output", str(out)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert main(["lint", root, "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith("::error file=")


def test_text_no_colour_when_not_tty(tree, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE}))
    main(["lint", root, "--statistics"])
    out = capsys.readouterr().out
    assert "\x1b[" not in out and "Findings by rule:" in out


def test_colour_rules(tree, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse
    import io

    from infradoctor.cli.lint import _use_color

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    args = argparse.Namespace(no_color=False, output=None)
    assert _use_color(args, Tty()) is True
    assert _use_color(args, io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _use_color(args, Tty()) is False
    monkeypatch.delenv("NO_COLOR")
    assert _use_color(argparse.Namespace(no_color=True, output=None), Tty()) is False


def test_fix_hook_dispatches_to_fix_module(tree, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    seen = {}
    fake = types.ModuleType("infradoctor.cli.fix")

    def run_fix(args) -> int:
        seen.update(fix=args.fix, diff=args.diff, unsafe=args.unsafe, paths=args.paths)
        return 7

    fake.run_fix = run_fix  # type: ignore[attr-defined]
    fake.register = lambda sub: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "infradoctor.cli.fix", fake)
    root = str(tree({"compose.yaml": COMPOSE}))
    assert main(["lint", root, "--fix", "--unsafe"]) == 7
    assert seen == {"fix": True, "diff": False, "unsafe": True, "paths": [root]}


def test_unwritable_output_is_usage_error(tree, tmp_path: Path, capsys) -> None:
    root = str(tree({"compose.yaml": COMPOSE}))
    missing_dir = tmp_path / "no" / "such" / "dir"
    (tmp_path / "no").write_text("a file, not a directory")
    assert main(["lint", root, "--output", str(missing_dir / "r.json")]) == 2
    assert "cannot write report" in capsys.readouterr().err
    assert main(["lint", root, "--write-baseline", str(missing_dir / "b.json")]) == 2
    assert "cannot write baseline" in capsys.readouterr().err


def test_compose_files_and_profiles_reach_the_loader(
    tree, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import infradoctor.loaders as loaders

    root = tree({"compose.yaml": COMPOSE, "extra.yaml": "services:\n  b:\n    image: NOTE\n"})
    seen = []
    real = loaders.load_stack

    def spy(path, options=None):
        seen.append(options)
        return real(path, options)

    monkeypatch.setattr(loaders, "load_stack", spy)
    monkeypatch.chdir(root)
    _, doc = run_json(capsys, ".")
    assert "extra.yaml" not in {f["file"] for f in doc["findings"]}
    _, doc = run_json(
        capsys, ".", "-f", "compose.yaml", "-f", "extra.yaml", "--profile", "debug,ops"
    )
    assert ("extra.yaml", "TST003") in {(f["file"], f["rule"]) for f in doc["findings"]}
    options = seen[-1]
    assert list(options.profiles) == ["debug", "ops"]
    assert [Path(f).name for f in options.compose_files] == ["compose.yaml", "extra.yaml"]
    assert all(Path(f).is_absolute() for f in options.compose_files)  # relative to cwd


def test_opt_in_rules_need_naming(tree, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.install(monkeypatch, fakes.WITH_OPT_IN)
    root = str(tree({"compose.yaml": COMPOSE + "    user: HARD  # infradoctor: ignore\n"}))
    _, doc = run_json(capsys, root)
    # not run by default; the bare ignore is still judged (every default rule ran)
    assert rules_of(doc) == ["TST001", "TST002", "TST003", "IDX001"]
    _, doc = run_json(capsys, root, "--extend-select", "hardening")
    assert rules_of(doc) == ["TST001", "TST002", "TST003"]
    assert doc["stats"]["suppressed"] == 1
    assert main(["lint", root, "--extend-select", "nope"]) == 2
    assert "--extend-select: unknown" in capsys.readouterr().err
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["default_enabled"] for r in rows] == [True, True, True, True, False]
