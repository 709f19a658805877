#!/usr/bin/env bash
# Makes sure a Docker engine answers and the local test images exist. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
[ -x /bin/busybox ] && file /bin/busybox 2>/dev/null | grep -q static || [ -f /usr/share/doc/busybox-static/copyright ] || need_apt+=(busybox-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  (nohup dockerd >/tmp/orbit-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/orbit-dockerd.log" >&2; tail -20 /tmp/orbit-dockerd.log >&2; exit 1; }
fi

if [ -x scripts/build-test-images.sh ]; then
  bash scripts/build-test-images.sh
fi
