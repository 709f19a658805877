# The stage "local": this machine. SSHKit's local backend runs every command here instead of over
# SSH, so the example needs no SSH server; a real stage names its servers (`server "web1", ...`).
server "localhost", roles: %w[app web]
set :sshkit_backend, SSHKit::Backend::Local
