# Repo-wide settings. Everything here is optional.
settings {
  default_policy = "queue"
  max_parallel   = 4
}
