#!/bin/sh
# replace NAME IMAGE [PORT]   start IMAGE as container NAME, wait until it answers on PORT
#                             (default 8080), then remove the container it replaces
# remove NAME                 remove container NAME (the reverse of a first deployment)
# Uses the docker CLI against $DOCKER_HOST, which Orbit sets with docker_socket = true.
set -eu
cmd=${1:-}
name=${2:?container name}
case "$cmd" in
  replace)
    image=${3:?image}
    port=${4:-8080}
    new="$name-next"
    docker rm -f "$new" >/dev/null 2>&1 || true
    docker run -d --name "$new" --label "orbit.example=docker-socket" --label "orbit.example.service=$name" \
      --label "orbit.example.deployment=${ORBIT_DEPLOYMENT:-}" "$image" >/dev/null
    echo "started $image as $new"
    # Health check from inside the new container: its own HTTP port must answer.
    i=0
    until docker exec "$new" wget -q -O - "http://127.0.0.1:$port/" >/dev/null 2>&1; do
      i=$((i + 1))
      if [ "$i" -ge 50 ]; then
        echo "$image did not answer on port $port; keeping the old container" >&2
        docker rm -f "$new" >/dev/null
        exit 1
      fi
      sleep 0.1
    done
    echo "health check passed: $(docker exec "$new" wget -q -O - "http://127.0.0.1:$port/")"
    if docker inspect "$name" >/dev/null 2>&1; then
      docker rm -f "$name" >/dev/null
      echo "removed the old $name"
    fi
    docker rename "$new" "$name"
    echo "$name now runs $image"
    echo "container=$(docker inspect -f '{{.Id}}' "$name")" >>"$ORBIT_OUTPUT"
    ;;
  remove)
    docker rm -f "$name" >/dev/null 2>&1 && echo "removed $name" || echo "$name was not running"
    ;;
  *)
    echo "usage: replace NAME IMAGE [PORT] | remove NAME" >&2
    exit 64
    ;;
esac
