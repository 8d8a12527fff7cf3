"""Property: `infradoctor lint --fix --unsafe --extend-select hardening` on generated
(syntactically valid) compose files, nginx configs and Dockerfiles keeps every comment
line, leaves files that load as well as before, does not leave the findings it fixed,
writes what `--diff` predicted, and a second run changes nothing. The oracle is
bench/fuzz.py's (`check_fix`)."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import strategies as s
from tests.fuzz.harness import check, fuzz_settings

EXAMPLES = 15


def _assert_clean(files: dict[str, str]) -> None:
    failures = check(files, "fix")
    assert not failures, "\n\n".join(failures)


@fuzz_settings(EXAMPLES)
@given(text=s.compose_file(valid=True))
def test_fix_compose(text: str) -> None:
    _assert_clean({"compose.yaml": text})


@fuzz_settings(EXAMPLES)
@given(text=s.nginx_conf(valid=True))
def test_fix_nginx(text: str) -> None:
    _assert_clean({"nginx.conf": text})


@fuzz_settings(EXAMPLES)
@given(text=s.dockerfile(valid=True))
def test_fix_dockerfile(text: str) -> None:
    _assert_clean({"Dockerfile": text, "compose.yaml": "services:\n  app:\n    build: .\n"})


@fuzz_settings(EXAMPLES)
@given(files=s.stack(valid=True, k8s=False))
def test_fix_stack(files: dict[str, str]) -> None:
    _assert_clean(files)
