"""action.yml: the composite action's shell steps run in a real bash the way the runner
runs them (`${{ inputs.* }}` and step outputs substituted, GITHUB_OUTPUT a file), with
infradoctor from this environment on PATH instead of the pip-install step."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
BROKEN = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n"
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _inputs(**given: str) -> dict[str, str]:
    values = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    values.update({k.replace("_", "-"): v for k, v in given.items()})
    return values


def _expand(text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    def value(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        step, _, name = expr.removeprefix("steps.").partition(".outputs.")
        return outputs.get(step, {}).get(name, "")

    return EXPR.sub(value, text)


def _run_action(workspace: Path, **given: str) -> tuple[int, dict[str, dict[str, str]]]:
    """Run the shell steps after the install step; return the last exit code and the
    step outputs."""
    inputs = _inputs(**given)
    outputs: dict[str, dict[str, str]] = {}
    code = 0
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step.get("name") == "Install infradoctor":
            continue
        out_file = workspace / ".github_output"
        out_file.write_text("")
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(out_file),
            "GITHUB_ACTION_PATH": str(REPO),
            **{k: _expand(str(v), inputs, outputs) for k, v in step.get("env", {}).items()},
        }
        script = _expand(step["run"], inputs, outputs)
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=workspace, env=env, capture_output=True, text=True
        )
        code = done.returncode
        lines = out_file.read_text().splitlines()
        outputs[step.get("id", "")] = dict(line.split("=", 1) for line in lines if "=" in line)
    return code, outputs


def test_action_is_a_composite_that_installs_from_its_own_checkout() -> None:
    assert ACTION["runs"]["using"] == "composite"
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    install = next(s for s in steps if s.get("name") == "Install infradoctor")
    assert '"$GITHUB_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


def test_findings_give_sarif_and_fail_the_step(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(BROKEN)
    code, outputs = _run_action(tmp_path)
    assert outputs["lint"]["exit-code"] == "1"
    assert code == 1
    sarif = json.loads((tmp_path / "infradoctor.sarif").read_text())
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "SEC002" in rules


@pytest.mark.parametrize(
    ("files", "given", "want"),
    [
        ({"docker-compose.yml": BROKEN}, {"fail_on_findings": "false"}, 0),
        ({"docker-compose.yml": BROKEN}, {"args": "--select nope"}, 2),
    ],
    ids=["findings-allowed", "usage-error"],
)
def test_result_step_follows_the_exit_code(
    tmp_path: Path, files: dict[str, str], given: dict[str, str], want: int
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    code, _ = _run_action(tmp_path, **given)
    assert code == want
