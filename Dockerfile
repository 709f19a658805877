# The Orbit daemon image: `bash scripts/build-image.sh` (or `docker build -t orbit .`), then e.g.
#   docker run -d --name orbit -p 7420:7420 \
#     -v orbit-data:/var/lib/orbit \
#     -v /run/secrets/orbit-token:/run/secrets/orbit-token:ro \
#     orbit --repo https://github.com/acme/deploy-config.git --token-file /run/secrets/orbit-token
# Docker agents: mount the socket and give the non-root user its group:
#     -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)"
# See docs/daemon.md.

# --- build: the bundle (dist/orbit.mjs) needs esbuild, a dev dependency; the native spawner a C
# compiler (build stage only) -----------------------------------------------------------------
FROM node:20-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends gcc libc6-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/orbit
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds the bundle, and src/ is not here yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
# The exec agent's spawner (native/build.mjs); required here, so an image never falls back silently.
COPY native ./native
RUN ORBIT_REQUIRE_NATIVE=1 node native/build.mjs
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# Then only what runs: dev dependencies out, the npm cache gone.
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm -rf /root/.npm

# --- runtime -----------------------------------------------------------------------------------
FROM node:20-bookworm-slim

# git: config history, remote fetches and state pushes go through the git CLI.
# openssh-client: ssh remotes. tini: PID 1 that forwards SIGTERM to the daemon.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* \
  # A config repository mounted from the host belongs to another uid; git refuses such
  # repositories ("dubious ownership") unless they are declared safe.
  && git config --system --add safe.directory '*'

WORKDIR /opt/orbit
COPY --from=build /opt/orbit/package.json ./
COPY --from=build /opt/orbit/node_modules ./node_modules
COPY --from=build /opt/orbit/bin ./bin
COPY --from=build /opt/orbit/build ./build
# bin/orbit.js runs the bundle while it is newer than src/ (copied first, as built: it is).
COPY --from=build /opt/orbit/src ./src
COPY --from=build /opt/orbit/dist ./dist

# The node image's unprivileged user (uid 1000). Data (mirrors of remote repositories) lives in a volume.
RUN mkdir -p /var/lib/orbit && chown node:node /var/lib/orbit
USER node
ENV NODE_ENV=production \
    ORBIT_DATA_DIR=/var/lib/orbit \
    ORBIT_LISTEN=0.0.0.0:7420
VOLUME ["/var/lib/orbit"]
EXPOSE 7420
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:7420/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"

ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/orbit/bin/orbit.js", "daemon"]
