"""Property: `infradoctor lint` (and every reporter) never raises, never reports an
internal error (rule, link step or fixer crash), never turns an exception into a load
error, and never points outside a file, on generated compose, nginx, Dockerfile,
Kubernetes and .env files full of odd values. The oracle is bench/fuzz.py's."""

from __future__ import annotations

from hypothesis import given

from tests.fuzz import strategies as s
from tests.fuzz.harness import check, fuzz_settings

EXAMPLES = 30


def _assert_clean(files: dict[str, str]) -> None:
    failures = check(files, "lint")
    assert not failures, "\n\n".join(failures)


@fuzz_settings(EXAMPLES)
@given(text=s.compose_file())
def test_lint_compose(text: str) -> None:
    _assert_clean({"compose.yaml": text})


@fuzz_settings(EXAMPLES)
@given(text=s.nginx_conf())
def test_lint_nginx(text: str) -> None:
    _assert_clean({"nginx.conf": text})


@fuzz_settings(EXAMPLES)
@given(text=s.dockerfile())
def test_lint_dockerfile(text: str) -> None:
    _assert_clean({"Dockerfile": text, "compose.yaml": "services:\n  app:\n    build: .\n"})


@fuzz_settings(EXAMPLES)
@given(text=s.k8s_manifest())
def test_lint_k8s(text: str) -> None:
    _assert_clean({"k8s/app.yaml": text})


@fuzz_settings(EXAMPLES)
@given(env=s.env_file(), compose=s.compose_file(valid=True))
def test_lint_env_interpolation(env: str, compose: str) -> None:
    _assert_clean({".env": env, "compose.yaml": compose})


@fuzz_settings(EXAMPLES)
@given(files=s.stack())
def test_lint_stack(files: dict[str, str]) -> None:
    _assert_clean(files)
