# shop, deployed by Capistrano itself: `cap local deploy` forward, `cap local deploy:rollback` back.
variable "version" {
  description = "the app's git tag to deploy, without its v (1.1.0 deploys tag v1.1.0)"
}
variable "app_repo" {
  description = "the app's git repository: Capistrano's repo_url"
  default     = "/tmp/orbit-capistrano/app"
}
variable "deploy_to" {
  description = "where Capistrano keeps releases/, current and revisions.log"
  default     = "/tmp/orbit-capistrano/shop"
}
variable "keep_releases" {
  type    = number
  default = 3
}
variable "stage" {
  description = "the Capistrano stage (capistrano/config/deploy/<stage>.rb)"
  default     = "local"
}
variable "cap_dir" {
  description = "the Capistrano project (its Capfile): relative to where Orbit runs, or absolute"
  default     = "capistrano"
}

step {
  name    = "release"
  agent   = "exec"
  workdir = var.cap_dir
  forward = ["cap", var.stage, "deploy", "BRANCH=v${var.version}"]
  # Rendered once the deploy ran, with the release `current` pointed at before it (an output of
  # the forward action): rollback goes back exactly there, so repeated unwinds walk back release
  # by release. A first deployment had none: its undo takes `current` away.
  reverse = (step.release.output.previous_release == ""
    ? ["cap", var.stage, "orbit:unpublish"]
  : ["cap", var.stage, "deploy:rollback", "ROLLBACK_RELEASE=${step.release.output.previous_release}"])
  env = {
    REPO_URL      = var.app_repo
    DEPLOY_TO     = var.deploy_to
    KEEP_RELEASES = tostring(var.keep_releases)
  }
  timeout = "5m"
}

step {
  name    = "check"
  agent   = "exec"
  forward = ["grep", "-F", "shop ${var.version}", "${var.deploy_to}/current/index.html"]
  timeout = "30s"
}
