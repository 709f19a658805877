policy = "supersede" # a newer commit replaces deployments still waiting

variable "replicas" {
  type    = number
  default = 2
}

step {
  name    = "scale"
  agent   = "exec"
  forward = ["sh", "-c", "echo scaling pancake to ${var.replicas} replicas"]
  reverse = ["sh", "-c", "echo scaling pancake back"]
}
