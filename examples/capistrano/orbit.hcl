# The deployer image, built locally by scripts/build-example-images.sh.
agent "cap" {
  image = "orbit-example/capistrano:latest"
  pull  = "never"
}
