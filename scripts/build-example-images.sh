#!/usr/bin/env bash
# Builds the images the examples use, locally: no registry is needed or reachable. Each image is
# FROM scratch plus the static busybox (Debian's busybox-static) and, where an example needs one,
# a real tool copied from this machine with the shared libraries it links (the docker CLI).
# Idempotent and fast when up to date: an image carries the hash of its inputs and is rebuilt only
# when that hash changes.
#
#   bash scripts/build-example-images.sh            # all of them
#   bash scripts/build-example-images.sh hello      # only those whose name contains "hello"
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-}

BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "static busybox not found at $BUSYBOX (apt-get install busybox-static)" >&2; exit 1; }
export DOCKER_BUILDKIT=0

# copy_with_libs BINARY DEST_ROOT: the binary at its own path plus every library ldd names.
copy_with_libs() {
  local bin dest=$2
  bin=$(readlink -f "$(command -v "$1")")
  mkdir -p "$dest$(dirname "$bin")"
  cp "$bin" "$dest$(dirname "$bin")/$(basename "$1")"
  if ldd "$bin" >/dev/null 2>&1; then
    for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
      mkdir -p "$dest$(dirname "$lib")"
      cp -L "$lib" "$dest$lib"
    done
  fi
  echo "$dest$(dirname "$bin")/$(basename "$1")"
}

# build NAME CONTEXT_DIR [--build-arg K=V]... : CONTEXT_DIR is complete (Dockerfile included).
build() {
  local name=$1 ctx=$2
  shift 2
  [ -n "$only" ] && [[ "$name" != *"$only"* ]] && return 0
  local hash
  hash=$( (cd "$ctx" && find . -type f | sort | xargs cat; echo "$*") | sha256sum | cut -c1-16)
  if [ "$(docker image inspect -f '{{ index .Config.Labels "orbit.example.hash" }}' "$name" 2>/dev/null || true)" = "$hash" ]; then
    return 0
  fi
  echo "building $name" >&2
  docker build -q "$@" --label "orbit.example.hash=$hash" -t "$name" "$ctx" >/dev/null 2>"$work/build.log" ||
    { cat "$work/build.log" >&2; exit 1; }
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The base: a shell and the usual tools, nothing else.
mkdir -p "$work/busybox"
cp "$BUSYBOX" "$work/busybox/busybox"
cat >"$work/busybox/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/busybox", "mkdir", "-p", "/tmp", "/root", "/var/run", "/usr/bin", "/srv"]
RUN ["/bin/busybox", "chmod", "1777", "/tmp"]
ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/root
CMD ["/bin/sh"]
DOCKERFILE
only_saved=$only
only='' build orbit-example/busybox:latest "$work/busybox"
only=$only_saved
# Images below depend on the base: its id goes into their hashes.
base_id=$(docker image inspect -f '{{ .Id }}' orbit-example/busybox:latest)

with_base() { # with_base SRC_DIR DEST_DIR: the example's image folder plus the base id
  mkdir -p "$2"
  cp -r "$1"/. "$2"/
  echo "$base_id" >"$2/.base-id"
}

# docker-socket: the docker CLI against the engine's mounted socket, and the service it runs.
if [ -z "$only" ] || [[ docker-agent == *"$only"* ]]; then
  with_base examples/docker-socket/image "$work/docker-agent"
  mkdir -p "$work/docker-agent/rootfs"
  cli=$(copy_with_libs docker "$work/docker-agent/rootfs")
  # Wherever the CLI lives here, the image finds it at /usr/local/bin/docker.
  mkdir -p "$work/docker-agent/rootfs/usr/local/bin"
  [ "$cli" = "$work/docker-agent/rootfs/usr/local/bin/docker" ] || mv "$cli" "$work/docker-agent/rootfs/usr/local/bin/docker"
  build orbit-example/docker-agent:latest "$work/docker-agent"
fi
for version in 1.0 2.0; do
  with_base examples/docker-socket/hello "$work/hello-$version"
  build "orbit-example/hello:$version" "$work/hello-$version" --build-arg "VERSION=$version"
done
