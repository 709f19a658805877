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

const {
  image = "registry.example.com/waffle:${var.version}"
  info  = "[waffle ${var.version} ${var.env}]"
}

step {
  name    = "migrate"
  agent   = "exec"
  forward = ["sh", "-c", "echo migrating ${const.info} && echo schema=42 >> \"$ORBIT_OUTPUT\""]
  reverse = ["sh", "-c", "echo rolling back migration ${const.info}"]
  env     = { DB_PASSWORD = var.db_password }
  timeout = "5m"
}

step {
  name    = "deploy"
  agent   = "exec"
  forward = ["echo", "deploying", const.image, "schema", step.migrate.output.schema]
  reverse = ["echo", "restoring", coalesce(previous.var.version, "nothing")]
  timeout = "90s"
}

step {
  name    = "announce"
  agent   = "exec"
  forward = ["echo", upper("waffle ${var.version} is live on ${var.env}")]
}
