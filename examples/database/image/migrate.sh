#!/bin/sh
# migrate up TARGET     apply NNN_*.up.sql with NNN <= TARGET not applied yet, oldest first
# migrate down TARGET   apply NNN_*.down.sql of applied versions > TARGET, newest first
# migrate status        print the schema version (and write it as the step output `version`)
# Each migration runs in one transaction with its bookkeeping row, in schema_migrations.
set -eu
db=${DATABASE:-/data/app.db}
dir=${MIGRATIONS:-/migrations}
mkdir -p "$(dirname "$db")"

sql() { sqlite3 -bail "$db" "$@"; }
sql "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);"
current() { sql "SELECT coalesce(max(version), 0) FROM schema_migrations;"; }
num() { echo "$1" | sed 's/_.*//; s/^0*//; s/^$/0/'; }

run() { # run FILE VERSION up|down
  echo "  $3 $(basename "$1")"
  if [ "$3" = up ]; then book="INSERT INTO schema_migrations VALUES ($2, datetime('now'));"
  else book="DELETE FROM schema_migrations WHERE version = $2;"; fi
  { echo "BEGIN;"; cat "$1"; echo "$book"; echo "COMMIT;"; } | sqlite3 -bail "$db"
}

target=${2:-}
case "${1:-}" in
  up)
    from=$(current)
    echo "schema $from -> $target"
    for f in $(ls -1 "$dir"/*.up.sql | sort); do
      v=$(num "$(basename "$f")")
      [ "$v" -gt "$from" ] && [ "$v" -le "$target" ] && run "$f" "$v" up
    done
    [ "$(current)" -ge "$target" ] || { echo "no migration reaches version $target" >&2; exit 1; }
    ;;
  down)
    from=$(current)
    echo "schema $from -> $target"
    for f in $(ls -1 "$dir"/*.down.sql | sort -r); do
      v=$(num "$(basename "$f")")
      [ "$v" -le "$from" ] && [ "$v" -gt "$target" ] && run "$f" "$v" down
    done
    ;;
  status) ;;
  *) echo "usage: migrate up|down VERSION | migrate status" >&2; exit 64 ;;
esac
v=$(current)
echo "schema version $v; tables: $(sql "SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations';")"
[ -n "${ORBIT_OUTPUT:-}" ] && echo "version=$v" >>"$ORBIT_OUTPUT"
exit 0
