#!/usr/bin/env bash
# The cluster tier's Docker Swarm: a real 3-node swarm on this machine, separate from the host's
# engine (whose swarm state no test changes), with the local test images loaded into every node.
#
#   eval "$(bash scripts/cluster-up.sh)"   start it; prints `export ORBIT_TEST_SWARM_HOST=...` (the manager),
#                                           ORBIT_TEST_SWARM_WORKERS (the workers' engines, for tests that
#                                           look at one node) and ORBIT_TEST_SWARM_SCRIPT (the cluster script,
#                                           for tests that kill a node's dockerd and start it again),
#                                           ORBIT_TEST_SWARM_HUB_NETNS/_ADDR (a namespace and address on the
#                                           cluster's network that every node reaches: a test's git remote)
#   npm run test:cluster                    the tests read ORBIT_TEST_SWARM_HOST, never DOCKER_HOST
#   bash scripts/cluster-up.sh stop         stop it (its data is kept for the next start)
#
# It needs root and the team's shared tooling, ../shared/scripts/swarm-cluster.sh beside the
# repository (CI has it beside its clone; a worktree finds it beside the main checkout).
# SWARM_CLUSTER_SH overrides that path. Without it the cluster tier cannot run (CI fails; elsewhere
# it is skipped). The host's test images must exist first (scripts/docker-up.sh builds them).
set -euo pipefail
cd "$(dirname "$0")/.."

# Beside the clone (CI: `$(git rev-parse --show-toplevel)/../shared`), or beside the main checkout
# of a worktree.
cluster=${SWARM_CLUSTER_SH:-$PWD/../shared/scripts/swarm-cluster.sh}
if [ -z "${SWARM_CLUSTER_SH:-}" ] && [ ! -f "$cluster" ]; then
  common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || echo "$PWD/.git")
  cluster=$(dirname "$common")/../shared/scripts/swarm-cluster.sh
fi
if [ ! -f "$cluster" ]; then
  echo "cluster-up: $cluster not found: the cluster tier needs ../shared/scripts/swarm-cluster.sh (or SWARM_CLUSTER_SH)" >&2
  exit 3
fi

case "${1:-start}" in
  start)
    exports=$(bash "$cluster" start)
    manager=$(sed -n 's/^export DOCKER_HOST=//p' <<<"$exports")
    workers=$(sed -n 's/^export SWARMLAB_WORKER_HOSTS=//p' <<<"$exports")
    [ -n "$manager" ] || { echo "cluster-up: swarm-cluster.sh start printed no DOCKER_HOST" >&2; exit 3; }
    # The images the cluster tests run (the cluster builds its own busybox, not Orbit's), and the
    # daemon image when it is built (scripts/build-image.sh; the failover test runs it).
    images=(orbit-test/busybox:latest orbit-test/agent:latest)
    docker image inspect orbit:local >/dev/null 2>&1 && images+=(orbit:local)
    bash "$cluster" load "${images[@]}" >&2
    # An address every node reaches (the nodes have no route to this machine): on the cluster's
    # bridge, in its hub namespace, where a test serves a git remote (`nsenter --net=...`).
    ip -n swl-hub addr replace 10.77.77.254/24 dev swlbr0
    echo "export ORBIT_TEST_SWARM_HOST=$manager"
    echo "export ORBIT_TEST_SWARM_WORKERS=$workers"
    echo "export ORBIT_TEST_SWARM_HUB_NETNS=/run/netns/swl-hub ORBIT_TEST_SWARM_HUB_ADDR=10.77.77.254"
    echo "export ORBIT_TEST_SWARM_SCRIPT=$(cd "$(dirname "$cluster")" && pwd)/$(basename "$cluster")"
    ;;
  stop) bash "$cluster" stop ;;
  *)
    sed -n '2,/^set -e/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
