#!/usr/bin/env bash
# Builds the images the Docker tests use, locally (no registry needed). Idempotent and fast when
# up to date: each image carries a label with the hash of its inputs and is rebuilt only when that
# hash changes.
set -euo pipefail
cd "$(dirname "$0")/.."

BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "static busybox not found at $BUSYBOX (apt-get install busybox-static)" >&2; exit 1; }

# The docker CLI may lack buildx; the classic builder needs nothing else.
export DOCKER_BUILDKIT=0

build() { # build NAME DIR [extra files to hash...]
  local name=$1 dir=$2
  shift 2
  local hash
  hash=$(cat "$dir"/* "$@" | sha256sum | cut -c1-16)
  if [ "$(docker image inspect -f '{{ index .Config.Labels "orbit.test.hash" }}' "$name" 2>/dev/null || true)" = "$hash" ]; then
    return 0
  fi
  local ctx
  ctx=$(mktemp -d)
  cp -r "$dir"/. "$ctx"/
  for f in "$@"; do cp "$f" "$ctx"/; done
  # The id file is only hashed, not needed in the image.
  [ "$name" = orbit-test/busybox:latest ] || rm -f "$ctx"/tmp.*
  echo "building $name" >&2
  docker build -q --label "orbit.test.hash=$hash" -t "$name" "$ctx" >/dev/null
  rm -rf "$ctx"
}

build orbit-test/busybox:latest test/images/busybox "$BUSYBOX"
# The agent image depends on the busybox one: hash its id in so it follows a rebuild.
idfile=$(mktemp)
docker image inspect -f '{{ .Id }}' orbit-test/busybox:latest >"$idfile"
build orbit-test/agent:latest test/images/agent "$idfile"
rm -f "$idfile"

