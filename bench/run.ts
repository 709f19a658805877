/**
 * Benchmark runner: `npm run bench` runs every registered benchmark, `npm run bench -- <name>`
 * one of them. Each prints its result as JSON. Register a benchmark by adding one line to the map;
 * modules are imported lazily so one benchmark's dependencies do not load for another.
 */
export const benchmarks: Record<string, () => Promise<unknown>> = {
  'state-log': async () => (await import('./state-log.js')).run(),
  'state-signing': async () => (await import('./state-signing.js')).stateSigning(),
  'eval-isolation': async () => (await import('./eval-isolation.js')).evalIsolation(),
  'engine-overhead': async () => (await import('./engine-overhead.js')).engineOverhead(),
  'exec-overhead': async () => (await import('./exec-overhead.js')).execOverhead(),
  'docker-overhead': async () => (await import('./docker-overhead.js')).dockerOverhead(),
  daemon: async () => (await import('./daemon.js')).daemonBench(),
  'schedule-window': async () => (await import('./schedule-window.js')).scheduleWindow(),
  'hcl-load': async () => (await import('./hcl-load.js')).hclLoad(),
  identity: async () => (await import('./identity.js')).identityBench(),
  notify: async () => (await import('./notify.js')).notifyBench(),
  dashboard: async () => (await import('./dashboard.js')).dashboardBench(),
  peers: async () => (await import('./peers.js')).peersBench(),
  scale: async () => (await import('./scale.js')).scaleBench(),
  'commit-latency': async () => (await import('./commit-latency.js')).commitLatency(),
  'spawn-cost': async () => (await import('./spawn-cost.js')).spawnCost(),
  'git-processes': async () => (await import('./git-processes.js')).gitProcesses(),
  dependencies: async () => (await import('./dependencies.js')).dependenciesBench(),
  'dashboard-browser': async () => (await import('./dashboard-browser.js')).dashboardBrowserBench(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((n) => !(n in benchmarks));
  if (unknown.length) {
    console.error(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`,
    );
    process.exit(2);
  }
  const names = wanted.length ? wanted : Object.keys(benchmarks);
  const results: Record<string, unknown> = {};
  for (const name of names) {
    const run = benchmarks[name];
    if (run) results[name] = await run();
  }
  console.log(JSON.stringify(results, null, 2));
}

await main();
