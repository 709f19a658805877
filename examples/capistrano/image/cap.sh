#!/bin/sh
# Capistrano's layout: $DEPLOY_TO/releases/<release>/ and a `current` symlink switched atomically,
# keeping the newest $KEEP_RELEASES releases.
#   cap deploy RELEASE VERSION     make the release, switch current to it, prune old releases;
#                                  outputs previous_release (what current was before, or empty)
#   cap rollback RELEASE PREVIOUS  current back to PREVIOUS (none: RELEASE was the first, current
#                                  removed); RELEASE removed. Fails, changing nothing, when PREVIOUS
#                                  was pruned by keep_releases: there is nothing to go back to.
#   cap check VERSION              fails unless current serves VERSION
set -eu
root=${DEPLOY_TO:-/srv/app}
keep=${KEEP_RELEASES:-3}
cmd=${1:-}
[ $# -gt 0 ] && shift

switch_to() { # atomic: a new symlink renamed over the old one
  ln -sfn "releases/$1" "$root/.current.tmp"
  mv -T "$root/.current.tmp" "$root/current"
  echo "current -> releases/$1"
}

current_release() { [ -L "$root/current" ] && basename "$(readlink "$root/current")" || true; }

case "$cmd" in
  deploy)
    release=$1 version=$2
    previous=$(current_release)
    mkdir -p "$root/releases/$release"
    echo "$version" >"$root/releases/$release/VERSION"
    echo "${ORBIT_COMMIT:-unknown}" >"$root/releases/$release/REVISION"
    echo "<h1>shop $version</h1>" >"$root/releases/$release/index.html"
    echo "built release $release (shop $version, commit ${ORBIT_COMMIT:-unknown})"
    switch_to "$release"
    echo "$(date -u +%FT%TZ) $ORBIT_DEPLOYMENT deployed $release" >>"$root/revisions.log"
    # keep_releases: remove the oldest, never the one in use
    current=$(current_release)
    for old in $(ls -1 "$root/releases" | sort -r | tail -n +$((keep + 1))); do
      [ "$old" = "$current" ] && continue
      rm -rf "${root:?}/releases/$old"
      echo "removed old release $old (keep_releases=$keep)"
    done
    echo "release=$release" >>"$ORBIT_OUTPUT"
    echo "previous_release=$previous" >>"$ORBIT_OUTPUT"
    ;;
  rollback)
    release=$1 previous=${2:-}
    if [ "$(current_release)" = "$release" ]; then
      if [ -z "$previous" ]; then
        rm -f "$root/current"
        echo "current removed: $release was the first release"
      elif [ -d "$root/releases/$previous" ]; then
        switch_to "$previous"
      else
        # Never a lie: current stays where it is rather than pointing at nothing.
        echo "cannot roll back $release: release $previous was removed by keep_releases=$keep" >&2
        exit 1
      fi
    fi
    rm -rf "${root:?}/releases/$release"
    echo "removed release $release"
    echo "$(date -u +%FT%TZ) $ORBIT_DEPLOYMENT rolled back $release" >>"$root/revisions.log"
    ;;
  check)
    served=$(cat "$root/current/VERSION" 2>/dev/null || echo none)
    [ "$served" = "$1" ] || { echo "current serves $served, expected $1" >&2; exit 1; }
    echo "current serves shop $served"
    ;;
  *)
    echo "usage: cap deploy RELEASE VERSION | cap rollback RELEASE | cap check VERSION" >&2
    exit 64
    ;;
esac
