#!/usr/bin/env bash
# Builds the Orbit daemon image from the Dockerfile: a plain `docker build`, so it works anywhere a
# registry serves node:20-bookworm-slim.
#
#   bash scripts/build-image.sh [TAG]        default tag orbit:local; prints the tag and the image size
#
# Where no image registry is reachable (CI, the tests here), ORBIT_LOCAL_BASE=1 first builds the base
# from Debian's packages with the team's ../shared/scripts/local-base-image.sh (LOCAL_BASE_ALIAS=1 tags
# it node:20-bookworm-slim, so the unchanged FROM builds; LOCAL_BASE_SH overrides its path).
# Idempotent: the image carries a label with the hash of its inputs and is rebuilt only when they
# change (the layer cache makes a rebuild after a source change about npm-ci-free).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-orbit:local}
# The classic builder needs no buildx (the docker CLI here has none); it uses a local base as is.
export DOCKER_BUILDKIT=0

if [ "${ORBIT_LOCAL_BASE:-0}" = 1 ]; then
  base=${LOCAL_BASE_SH:-$PWD/../shared/scripts/local-base-image.sh}
  if [ -z "${LOCAL_BASE_SH:-}" ] && [ ! -f "$base" ]; then
    common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || echo "$PWD/.git")
    base=$(dirname "$common")/../shared/scripts/local-base-image.sh
  fi
  [ -f "$base" ] || { echo "build-image: $base not found (ORBIT_LOCAL_BASE=1 needs ../shared)" >&2; exit 3; }
  LOCAL_BASE_ALIAS=1 bash "$base" >&2
fi

hash=$( (cat Dockerfile .dockerignore package.json package-lock.json tsconfig.json
  find bin src native -type f | LC_ALL=C sort | xargs cat
  docker image inspect -f '{{.Id}}' node:20-bookworm-slim 2>/dev/null || true) | sha256sum | cut -c1-16)
if [ "$(docker image inspect -f '{{ index .Config.Labels "orbit.image.hash" }}' "$tag" 2>/dev/null || true)" != "$hash" ]; then
  echo "building $tag" >&2
  docker build -q --label "orbit.image.hash=$hash" -t "$tag" . >/dev/null
fi
echo "$tag $(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
