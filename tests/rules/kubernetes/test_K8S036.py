"""K8S036 privileged-container: a warning by default, info on DaemonSets."""

from __future__ import annotations

from pathlib import Path

from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Severity
from tests.conftest import write_tree
from tests.rules.kubernetes._hardening_helpers import deployment
from tests.rules.kubernetes._new_rules_helpers import run


def test_privileged_container_is_a_warning_by_default(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"k8s/api.yaml": deployment("{privileged: true}")})
    result = lint(root, LintConfig(report_unused_suppressions=False), with_fixes=False)
    (f,) = [f for f in result.findings if f.rule == "K8S036"]
    assert f.severity is Severity.WARNING and f.location.line == 15 and f.location.column > 30
    assert "root on the node" in f.message


def test_daemonset_is_info(tmp_path: Path) -> None:
    (f,) = run(
        tmp_path, "K8S036", {"k8s/agent.yaml": deployment("{privileged: true}", kind="DaemonSet")}
    )
    assert f.severity is Severity.INFO and "node agent" in f.message


def test_init_containers_are_checked(tmp_path: Path) -> None:
    (f,) = run(tmp_path, "K8S036", {"k8s/api.yaml": deployment(init="{privileged: true}")})
    assert "init container 'init'" in f.message


def test_not_privileged(tmp_path: Path) -> None:
    tree = {"k8s/api.yaml": deployment("{privileged: false, capabilities: {add: [NET_ADMIN]}}")}
    assert run(tmp_path, "K8S036", tree) == []
