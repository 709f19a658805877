# Schema migrations as a deployment: forward migrates up to schema_version, and the reverse
# action, rendered when the step is applied, migrates back down to the previous deployment's version.
variable "schema_version" {
  type        = number
  description = "the migration version the schema should be at"
}
variable "data_dir" {
  description = "host folder holding the SQLite database file (bind-mounted at /data)"
  default     = "/tmp/orbit-database"
}

step {
  name    = "migrate"
  agent   = "docker"
  image   = "orbit-example/migrate:latest"
  pull    = "never"
  forward = ["up", tostring(var.schema_version)]
  reverse = ["down", tostring(coalesce(previous.var.schema_version, 0))]
  mounts  = ["${var.data_dir}:/data"]
  timeout = "5m"
}

step {
  name    = "verify"
  agent   = "docker"
  image   = "orbit-example/migrate:latest"
  pull    = "never"
  forward = ["status"]
  mounts  = ["${var.data_dir}:/data"]
  timeout = "1m"
}
