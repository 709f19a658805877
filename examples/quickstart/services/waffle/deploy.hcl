# The plan for waffle: variables, constants, then steps in the order they run.
variable "version" {
  description = "version to deploy"
}
variable "env" {
  default = "staging"
  allowed = ["staging", "prod"]
}
variable "db_password" {
  sensitive = true # never written to the log or printed
  default   = "change-me"
}
variable "pace" {
  description = "seconds each step takes, so a live display has something to show (npm start sets it)"
  type        = number
  default     = 0
}

const {
  image = "registry.example.com/waffle:${var.version}"
  info  = "[waffle ${var.version} ${var.env}]"
}

step {
  name    = "migrate"
  agent   = "exec"
  forward = ["sh", "-c", "sleep ${var.pace}; echo migrating ${const.info} && echo schema=42 >> \"$ORBIT_OUTPUT\""]
  reverse = ["sh", "-c", "sleep ${var.pace}; echo rolling back migration ${const.info}"]
  env     = { DB_PASSWORD = var.db_password }
  timeout = "5m"
}

# A version ending in -broken fails its health check: Orbit then unwinds the steps already applied.
step {
  name    = "deploy"
  agent   = "exec"
  forward = ["sh", "-c", "sleep ${var.pace}; echo deploying ${const.image} schema ${step.migrate.output.schema}; case ${var.version} in *-broken) echo 'health check failed: /healthz answered 503' >&2; exit 1;; esac"]
  reverse = ["echo", "restoring", coalesce(previous.var.version, "nothing")]
  timeout = "90s"
}

step {
  name    = "announce"
  agent   = "exec"
  forward = ["sh", "-c", "sleep ${var.pace}; echo ${upper("waffle ${var.version} is live on ${var.env}")}"]
}
