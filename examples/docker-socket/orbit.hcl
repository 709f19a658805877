# The deployer image, built locally by scripts/build-example-images.sh.
agent "replace" {
  image         = "orbit-example/docker-agent:latest"
  pull          = "never"
  docker_socket = true # the agent drives the engine itself: it gets the socket and DOCKER_HOST
}
