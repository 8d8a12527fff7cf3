#!/usr/bin/env bash
# System packages the live diagnose tests need (real nginx, real dockerd, a static busybox
# for the test image, ip/mount tools) and Graphviz for the inventory picture tests.
# Idempotent: installs only what is missing and runs `apt-get update` at most once.
# Needs root; as non-root it only reports what is missing.
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
  systemctl disable --now nginx docker containerd >/dev/null 2>&1 || true
elif have_cmd service; then
  service nginx stop >/dev/null 2>&1 || true
fi
echo "ci-system-deps: done"
