# The waffles database's schema, migrated by Sqitch (the project in sqitch/). `change` in
# values.hcl is the Sqitch change the database should be at; the reverse action, rendered once the
# forward ran, reverts to the change that was deployed before it, as Sqitch's registry said.
variable "change" {
  description = "the sqitch.plan change to deploy up to"
}
variable "pg_host" {
  description = "the PostgreSQL server: a host name, or the folder holding its unix socket"
  default     = "/var/run/postgresql" # the socket of the cluster Debian's postgresql package starts
}
variable "pg_port" {
  default = "5432"
}
variable "pg_user" {
  default = "postgres"
}
variable "sqitch_dir" {
  description = "the Sqitch project (sqitch.plan): relative to where Orbit runs, or absolute"
  default     = "sqitch"
}

step {
  name    = "migrate"
  agent   = "exec"
  workdir = var.sqitch_dir
  # Records the change deployed before (empty when nothing was), then deploys up to var.change.
  # sqitch.conf sets deploy.verify (each change's verify script runs as it is deployed) and
  # deploy.mode = all (a failure reverts every change this deploy applied): the step either
  # applies completely or leaves the database as it was, which is what Orbit's "failed" means.
  forward = ["sh", "-ec", <<-SH
    if status=$(sqitch status); then
      before=$(printf '%s\n' "$status" | sed -n 's/^# Name: *//p')
    else
      case $status in *"No changes deployed"*) before= ;; *) exit 1 ;; esac
    fi
    echo "previous_change=$before" >> "$ORBIT_OUTPUT"
    sqitch deploy --to "$1"
    echo "change=$1" >> "$ORBIT_OUTPUT"
    SH
  , "migrate", var.change]
  # Back to the change current before this deployment; before the first one there was none:
  # revert everything.
  reverse = (step.migrate.output.previous_change == ""
    ? ["sqitch", "revert", "-y"]
  : ["sqitch", "revert", "-y", "--to", step.migrate.output.previous_change])
  env = {
    PGHOST          = var.pg_host
    PGPORT          = var.pg_port
    PGUSER          = var.pg_user
    SQITCH_FULLNAME = "Orbit ${orbit.deployment_id}" # who deployed, in Sqitch's registry
  }
  timeout = "10m"
}

# `sqitch verify` runs every deployed change's verify/ script, the earlier ones too (the deploy
# verifies only the changes it deploys): the schema must still be what the plan says for a few
# seconds after the migration, or the deployment is unwound. Same database as the step.
check "verify" {
  type     = "exec"
  after    = "migrate"
  command  = ["sqitch", "verify"]
  workdir  = var.sqitch_dir
  env      = { PGHOST = var.pg_host, PGPORT = var.pg_port, PGUSER = var.pg_user }
  interval = "1s"
  timeout  = "30s"
  bake     = "2s"
  failures = 1
}
