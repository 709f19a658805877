# hello runs as one container; a deployment starts the new version next to it, checks that it
# answers, then removes the old one. The reverse does the same with the previous version.
variable "version" {
  description = "the tag of orbit-example/hello to run"
}
variable "container" {
  description = "the service container's name"
  default     = "orbit-example-hello"
}

step {
  name    = "replace"
  agent   = "replace"
  forward = ["replace", var.container, "orbit-example/hello:${var.version}"]
  reverse = previous == null ? ["remove", var.container] : ["replace", var.container, "orbit-example/hello:${previous.var.version}"]
  timeout = "1m"
}
