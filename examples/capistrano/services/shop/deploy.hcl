# shop, deployed Capistrano-style: each deployment is a release directory, `current` points at one.
variable "version" {
  description = "the version to release"
}
variable "deploy_to" {
  description = "the host folder holding releases/ and current (bind-mounted into the deployer)"
  default     = "/tmp/orbit-capistrano/shop"
}
variable "keep_releases" {
  type    = number
  default = 3
}

const {
  # Release names sort in deployment order, like Capistrano's timestamps.
  release = format("%04d-%s", orbit.sequence, var.version)
}

step {
  name    = "release"
  agent   = "cap"
  forward = ["deploy", const.release, var.version]
  # The release this one replaced, as the forward step saw it: rollback goes back exactly there.
  reverse = ["rollback", const.release, step.release.output.previous_release]
  mounts  = ["${var.deploy_to}:/srv/app"]
  env     = { KEEP_RELEASES = tostring(var.keep_releases) }
  timeout = "2m"
}

step {
  name    = "check"
  agent   = "cap"
  forward = ["check", var.version]
  mounts  = ["${var.deploy_to}:/srv/app"]
  timeout = "30s"
}
