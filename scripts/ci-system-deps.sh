#!/usr/bin/env bash
# System packages the live diagnose tests need (real nginx, real dockerd, a static busybox
# for the test image, ip/mount tools), Graphviz for the inventory picture tests, and the
# real servers of the `wait`/`smoke` tests (PostgreSQL, Redis, RabbitMQ). Idempotent:
# installs only what is missing and runs `apt-get update` at most once. Needs root; as
# non-root it only reports what is missing.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd nginx || need+=(nginx)
have_cmd dockerd || need+=(docker.io)
have_pkg busybox-static || need+=(busybox-static)
have_cmd ip || need+=(iproute2)
have_cmd iptables || need+=(iptables)
have_cmd mkfs.ext4 || need+=(e2fsprogs)
have_cmd dmesg || need+=(util-linux)
have_cmd curl || need+=(curl)
# `infradoctor inventory --format svg` tests render with Graphviz (they fail in CI without it)
have_cmd dot || need+=(graphviz)
# tests/wait: initdb/pg_ctl live in /usr/lib/postgresql/<v>/bin, not on PATH
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
have_cmd runuser || need+=(util-linux)
have_cmd redis-server || need+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
# tests/cli/test_completion.py loads the generated completion scripts in real shells
have_cmd zsh || need+=(zsh)
have_cmd fish || need+=(fish)
# tests/scaffold render the generated overlays with `kubectl kustomize`: they need
# kustomize v4+ (kubectl >= 1.21), which the machine image's kubectl package provides;
# Debian's kubernetes-client (1.20, kustomize v2.0.3) cannot render them, so it is not
# installed here (the test names a missing or too old kubectl).

if [ ${#need[@]} -eq 0 ]; then
  echo "ci-system-deps: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ci-system-deps: missing ${need[*]} (run as root to install)" >&2
  exit 0
fi
echo "ci-system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The packaged services must not start on their own and hold the default socket/ports;
# the test harness starts its own dockerd and nginx.
if have_cmd systemctl && [ -d /run/systemd/system ]; then
  systemctl disable --now nginx docker containerd postgresql redis-server rabbitmq-server \
    >/dev/null 2>&1 || true
elif have_cmd service; then
  for s in nginx postgresql redis-server rabbitmq-server; do
    service "$s" stop >/dev/null 2>&1 || true
  done
fi
echo "ci-system-deps: done"
