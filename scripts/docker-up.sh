#!/usr/bin/env bash
# Makes sure a Docker engine answers and the local test images exist. Idempotent.
# Run as root on a fresh Debian machine by .ci/run; on a developer machine it only starts what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
# Only the static busybox can be copied into a FROM-scratch image.
[ -f /usr/share/doc/busybox-static/copyright ] || need_apt+=(busybox-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd (log: /tmp/orbit-dockerd.log)" >&2
  # No systemd in CI: run it in the background, detached from this shell.
  (setsid nohup dockerd >/tmp/orbit-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    echo "dockerd did not start; see /tmp/orbit-dockerd.log" >&2
    tail -20 /tmp/orbit-dockerd.log >&2
    exit 1
  }
fi

bash scripts/build-test-images.sh
