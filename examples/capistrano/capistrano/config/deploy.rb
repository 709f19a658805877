lock "~> 3.17"

set :application, "shop"
# Orbit's step passes these in its `env` (services/shop/deploy.hcl); by hand, export them.
set :repo_url, ENV.fetch("REPO_URL")
set :branch, ENV.fetch("BRANCH", "main") # `cap local deploy BRANCH=v1.1.0` deploys that tag
set :deploy_to, ENV.fetch("DEPLOY_TO")
# `deploy:cleanup` keeps the newest N releases; older ones are deleted, so they can no longer be
# rolled back to.
set :keep_releases, Integer(ENV.fetch("KEEP_RELEASES", "3"))
# revisions.log says who deployed: under Orbit, the deployment (its id is in `git log orbit/state`).
set :local_user, -> { ENV["ORBIT_DEPLOYMENT"] ? "orbit #{ENV['ORBIT_DEPLOYMENT']}" : ENV.fetch("USER", "someone") }

# What Orbit needs from a deploy, as step outputs (KEY=VALUE lines appended to $ORBIT_OUTPUT).
namespace :orbit do
  # Capistrano names a release after the second it starts (releases/20261202003917); Orbit may
  # start two deploys within one second: wait for a second no release is named after.
  task :fresh_release_name do
    on release_roles(:all) do
      sleep 0.1 while test("[ -e #{releases_path.join(Time.now.utc.strftime('%Y%m%d%H%M%S'))} ]")
    end
  end

  # The release `current` points at before this deploy switches it: the reverse action's
  # `deploy:rollback ROLLBACK_RELEASE=<it>` goes back exactly there.
  task :record_previous_release do
    on release_roles(:all) do
      link = capture(:readlink, current_path, raise_on_non_zero_exit: false)
      set :orbit_previous_release, link.empty? ? "" : File.basename(link)
    end
  end

  task :outputs do
    next if ENV["ORBIT_OUTPUT"].to_s.empty? || fetch(:rollback_timestamp, nil)
    File.open(ENV.fetch("ORBIT_OUTPUT"), "a") do |f|
      f.puts "release=#{fetch(:release_timestamp)}"
      f.puts "previous_release=#{fetch(:orbit_previous_release)}"
      f.puts "revision=#{fetch(:current_revision)}"
    end
  end

  # Capistrano cannot roll back its first release (there is nothing older): unwinding the first
  # deployment takes `current` away instead. The release folder stays until keep_releases prunes it.
  desc "Remove the current symlink (the undo of a first deploy)"
  task :unpublish do
    on release_roles(:all) do
      execute :rm, "-f", current_path
      execute :echo, %("current removed (unwind of the first release)" >> #{revision_log})
    end
  end
end
before "deploy:new_release_path", "orbit:fresh_release_name"
before "deploy:symlink:release", "orbit:record_previous_release"
after "deploy:finished", "orbit:outputs"
