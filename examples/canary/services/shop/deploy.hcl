# A canary in waves: shift 10% of the traffic to the new version, let Prometheus watch its error
# rate bake, then 50%, then everyone. A bad error rate during any bake unwinds at once: the
# recorded reverse actions shift the traffic back, newest first.
variable "version" {
  description = "the version to roll out"
}
variable "router_dir" {
  description = "where the (file-based) traffic router keeps its weights; a real one is an API"
  default     = "/tmp/orbit-canary-router"
}

const {
  shift = "mkdir -p ${var.router_dir} && echo ${var.version} > ${var.router_dir}/canary.version &&"
}

step {
  name    = "canary-10"
  agent   = "exec"
  forward = ["sh", "-c", "${const.shift} echo 10 > ${var.router_dir}/canary.weight"]
  reverse = ["sh", "-c", "echo 0 > ${var.router_dir}/canary.weight"]
}

# Checks are constants: point `url` at your Prometheus. Real rollouts bake for minutes, and
# query a rate (`sum(rate(errors[1m])) / sum(rate(requests[1m]))`); max_over_time covers a
# missed scrape.
check "errors-at-10" {
  type      = "prometheus"
  url       = "http://127.0.0.1:9090"
  query     = "max(max_over_time(shop_error_rate[5s]))"
  condition = "< 0.01"
  after     = "canary-10"
  interval  = "500ms"
  bake      = "3s"
  failures  = 2
}

step {
  name    = "canary-50"
  agent   = "exec"
  forward = ["sh", "-c", "echo 50 > ${var.router_dir}/canary.weight"]
  reverse = ["sh", "-c", "echo 10 > ${var.router_dir}/canary.weight"]
}

check "errors-at-50" {
  type      = "prometheus"
  url       = "http://127.0.0.1:9090"
  query     = "max(max_over_time(shop_error_rate[5s]))"
  condition = "< 0.01"
  after     = "canary-50"
  interval  = "500ms"
  bake      = "3s"
  failures  = 2
}

step {
  name    = "promote"
  agent   = "exec"
  forward = ["sh", "-c", "echo ${var.version} > ${var.router_dir}/stable.version && echo 0 > ${var.router_dir}/canary.weight"]
  reverse = ["sh", "-c", "echo ${coalesce(previous.var.version, "none")} > ${var.router_dir}/stable.version && echo 50 > ${var.router_dir}/canary.weight"]
}
