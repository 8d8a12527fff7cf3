"""`*PRIVATE_KEY*` names are treated alike in a compose file's `environment:` (map and list
form) and in an env file (issue 10 item 6): the same variables are reported, at the same
severity, and SEC007 reports every name whose value redaction hides as a private key.
Key material (a PEM block, a long hex key, a long mixed string) is a warning wherever it
is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infradoctor import redact
from infradoctor.config import LintConfig
from infradoctor.engine import lint
from infradoctor.findings import Finding, Severity
from infradoctor.rules.security._secrets import is_secret_name, looks_like_key_material

Tree = Callable[..., Path]

MIXED = "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9d"
HEX = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
PEM = (
    "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw\\n-----END PRIVATE KEY-----"
)
VALUES = {
    "JWT_PRIVATE_KEY": PEM,
    "PRIVATE_KEY": HEX,
    "VAPID_PRIVATE_KEY": MIXED,
    "PRIVATE_KEY_PEM": MIXED,
    "GITHUB_APP_PRIVATE_KEY_BASE64": MIXED,
    "APP_PRIVATEKEY": MIXED,
    "privateKey": MIXED,
}
NOT_SECRETS = {"PRIVATE_KEY_PATH": "/run/secrets/key.pem", "PRIVATE_KEY_ID": "key-1"}


def _findings(tree: Tree, files: dict[str, str]) -> dict[str, Finding]:
    config = LintConfig(select=["SEC007"], report_unused_suppressions=False)
    found = lint(tree(files), config).findings
    return {f.data["variable"]: f for f in found}


def _compose(environment: str, env_file: bool = False) -> str:
    extra = "    env_file: app.env\n" if env_file else ""
    return f"services:\n  app:\n    image: acme/app:1\n{extra}{environment}"


def _map_form() -> str:
    lines = "".join(f'      {k}: "{v}"\n' for k, v in {**VALUES, **NOT_SECRETS}.items())
    return _compose("    environment:\n" + lines)


def _list_form() -> str:
    lines = "".join(f'      - "{k}={v}"\n' for k, v in {**VALUES, **NOT_SECRETS}.items())
    return _compose("    environment:\n" + lines)


def _env_file() -> dict[str, str]:
    env = "".join(f'{k}="{v}"\n' for k, v in {**VALUES, **NOT_SECRETS}.items())
    return {"compose.yml": _compose("", env_file=True), "app.env": env}


@pytest.mark.parametrize(
    "files",
    [{"compose.yml": _map_form()}, {"compose.yml": _list_form()}, _env_file()],
    ids=["compose-map", "compose-list", "env-file"],
)
def test_private_key_names_reported_alike(tree: Tree, files: dict[str, str]) -> None:
    found = _findings(tree, files)
    assert set(found) == set(VALUES)
    for name, f in found.items():
        assert f.severity == Severity.WARNING, (name, f.message)
        assert "weak default" not in f.message
        assert VALUES[name].replace("\\n", "\n") not in f.message


def test_env_file_and_compose_report_the_same_lines(tree: Tree) -> None:
    """One finding per variable, at the line that defines it, in either place."""
    in_env = _findings(tree, _env_file())
    assert {f.file for f in in_env.values()} == {"app.env"}
    assert sorted(f.line for f in in_env.values()) == list(range(1, len(VALUES) + 1))


def test_yaml_block_scalar_pem(tree: Tree) -> None:
    body = _compose(
        "    environment:\n      SSH_PRIVATE_KEY: |\n"
        "        -----BEGIN OPENSSH PRIVATE KEY-----\n"
        "        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
        "        -----END OPENSSH PRIVATE KEY-----\n"
    )
    env = (
        'SSH_PRIVATE_KEY="-----BEGIN OPENSSH PRIVATE KEY-----\n'
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
        '-----END OPENSSH PRIVATE KEY-----"\n'
    )
    for files in ({"compose.yml": body}, {"compose.yml": _compose("", True), "app.env": env}):
        [f] = _findings(tree, files).values()
        assert f.severity == Severity.WARNING and "BEGIN" not in f.message


def test_placeholders_are_not_keys(tree: Tree) -> None:
    env = "RECAPTCHA_PRIVATE_KEY=<YOUR_RECAPTCHA_PRIVATE_KEY>\nJWT_PRIVATE_KEY=change-me\n"
    files = {"compose.yml": _compose("", env_file=True), "app.env": env}
    assert _findings(tree, files) == {}


@pytest.mark.parametrize("name", [*VALUES, "SSH_PRIVATE_KEY", "PRIVATE_KEY_B64"])
def test_rule_and_redaction_agree_on_private_key_names(name: str) -> None:
    assert is_secret_name(name) and redact.is_secret_name(name)


@pytest.mark.parametrize("name", list(NOT_SECRETS))
def test_names_describing_a_key_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


def test_key_material_shapes() -> None:
    assert looks_like_key_material(HEX) and looks_like_key_material(HEX[2:])
    assert looks_like_key_material(PEM) and looks_like_key_material(MIXED)
    assert not looks_like_key_material("mysecretpassword")
    assert not looks_like_key_material("deadbeef")  # short hex
