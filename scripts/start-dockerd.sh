#!/usr/bin/env bash
# Start a throwaway dockerd the way the live tests do (as root; vfs storage, no iptables,
# no default bridge), for poking at the diagnose collectors by hand:
#   eval "$(sudo bash scripts/start-dockerd.sh /tmp/idk)"   # prints export DOCKER_HOST=...
#   kill "$(cat /tmp/idk/pid)"                              # stop it
set -euo pipefail
dir="${1:-/tmp/idk-manual}"
mkdir -p "$dir"
sock="$dir/docker.sock"
dockerd --storage-driver=vfs --data-root="$dir/data" --exec-root="$dir/exec" \
  --host="unix://$sock" --pidfile="$dir/pid" --iptables=false --ip-masq=false \
  --userland-proxy=false --bridge=none >"$dir/dockerd.log" 2>&1 &
for _ in $(seq 1 150); do
  if DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1; then
    echo "export DOCKER_HOST=unix://$sock"
    exit 0
  fi
  sleep 0.2
done
echo "dockerd did not come up; see $dir/dockerd.log" >&2
exit 1
