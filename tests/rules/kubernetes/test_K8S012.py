"""K8S012 exec-probe-shell-syntax: argv probes that need a shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from infradoctor.rules.kubernetes.K8S012_exec_probe_shell_syntax import shell_problem
from tests.rules.kubernetes._new_rules_helpers import pod, run


@pytest.mark.parametrize(
    "command",
    [
        ["curl -f http://localhost:8080/health"],
        ["redis-cli", "ping", "&&", "echo", "ok"],
        ["pg_isready", "-h", "localhost", ">", "/dev/null"],
        ["cat", "$(ls /tmp/ready*)"],
        ["test", "-f", "`echo /tmp/ok`"],
    ],
)
def test_shell_syntax_without_shell_is_a_problem(command: list[str]) -> None:
    assert shell_problem(command) is not None


@pytest.mark.parametrize(
    "command",
    [
        ["sh", "-c", "redis-cli ping | grep PONG"],
        ["/bin/bash", "-c", "curl -f localhost && echo ok"],
        ["pg_isready", "-U", "$(POSTGRES_USER)"],  # the kubelet expands $(VAR)
        ["mysql", "-e", "SELECT 1;"],  # a ';' inside an argument is the program's business
        ["grpc_health_probe", "-addr=:50051"],
        [],
    ],
)
def test_plain_argv_and_shell_wrapped_lines_pass(command: list[str]) -> None:
    assert shell_problem(command) is None


def test_finding_points_at_the_command_of_a_readiness_probe(tmp_path: Path) -> None:
    probe = (
        "          readinessProbe:\n            exec:\n"
        '              command: ["curl -sf localhost/ready"]\n'
    )
    found = run(tmp_path, "K8S012", {"k8s/api.yaml": pod("api", probe)})
    assert len(found) == 1
    assert found[0].location.line == 17
    assert "argv[0]" in found[0].message and "readiness" in found[0].message


def test_http_probe_is_not_checked(tmp_path: Path) -> None:
    http = "          livenessProbe: {httpGet: {path: '/a|b', port: 80}}\n"
    assert run(tmp_path, "K8S012", {"k8s/api.yaml": pod("api", http)}) == []
