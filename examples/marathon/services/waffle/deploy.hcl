# waffle on Marathon, through its REST API with the http agent. The reverse action is rendered
# when the step is applied: PUT the previous definition back, or DELETE the app if there was none.
variable "version" {
  description = "the image tag to run"
}
variable "instances" {
  type    = number
  default = 2
}
variable "marathon_url" {
  default = "http://127.0.0.1:8080"
}
variable "marathon_token" {
  sensitive = true # masked in the log, in `orbit plan` and in `orbit preview`
  default   = "demo-token"
}

const {
  app_url = "${var.marathon_url}/v2/apps/waffle"
  headers = { "Content-Type" = "application/json", Authorization = "Bearer ${var.marathon_token}" }
}

step {
  name = "marathon"
  agent = "http"
  forward = ["PUT", const.app_url, jsonencode({
    id        = "/waffle"
    instances = var.instances
    container = { type = "DOCKER", docker = { image = "registry.example.com/waffle:${var.version}" } }
  })]
  reverse = previous == null ? ["DELETE", const.app_url] : ["PUT", const.app_url, jsonencode({
    id        = "/waffle"
    instances = previous.var.instances
    container = { type = "DOCKER", docker = { image = "registry.example.com/waffle:${previous.var.version}" } }
  })]
  headers       = const.headers
  expect_status = [200, 201]
  timeout       = "30s"
}

step {
  name          = "check"
  agent         = "http"
  forward       = ["GET", const.app_url]
  headers       = const.headers
  expect_status = 200
  timeout       = "10s"
}
