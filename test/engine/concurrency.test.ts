import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/open.js';
import type { Engine } from '../../src/engine/engine.js';
import type { LogEntry } from '../../src/state/types.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

let repo: ConfigRepo;
let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  repo?.remove();
});

/** Each step writes `start` and `end` lines with the service and step, around a short sleep. */
function service(trace: Trace, name: string, steps: number): string {
  const blocks = Array.from(
    { length: steps },
    (_, i) => `step {
  name    = "s${i}"
  agent   = "exec"
  forward = ["sh", "-c", "echo start ${name} s${i} >> $TRACE; sleep 0.05; echo end ${name} s${i} >> $TRACE"]
  reverse = ["true"]
  env     = { TRACE = "${trace.file}" }
}`,
  );
  return `variable "version" {}\n\n${blocks.join('\n\n')}\n`;
}

describe('many services at once', () => {
  it('runs services side by side, each one strictly in order, and logs exactly what ran', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    const names = Array.from({ length: 12 }, (_, i) => `svc${i}`);
    const files: Record<string, string> = {};
    for (const n of names) {
      files[`services/${n}/deploy.hcl`] = service(trace, n, 3);
      files[`services/${n}/values.hcl`] = 'version = "1"\n';
    }
    repo.commit(files);
    const seen: LogEntry[] = [];
    engine = await openEngine({ repoDir: repo.dir, env: {}, maxParallel: 4, observe: (e) => seen.push(e) });
    const report = await engine.reconcile();
    expect(report.outcomes.filter((o) => o.status === 'succeeded')).toHaveLength(names.length);

    const lines = readFileSync(trace.file, 'utf8').trim().split('\n');
    // Per service: start/end strictly alternate and steps come in order.
    for (const n of names) {
      const own = lines.filter((l) => l.split(' ')[1] === n);
      expect(own).toEqual(['s0', 's1', 's2'].flatMap((s) => [`start ${n} ${s}`, `end ${n} ${s}`]));
    }
    // Across services: at some point more than one service was mid-step, never more than the bound.
    let open = 0;
    let most = 0;
    for (const l of lines) {
      open += l.startsWith('start') ? 1 : -1;
      most = Math.max(most, open);
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);

    // The log: per deployment exactly started, 3 x (step-started, step-applied), succeeded.
    for (const n of names) {
      const kinds = seen.filter((e) => e.service_id === n).map((e) => e.kind);
      expect(kinds).toEqual([
        'deploy-started',
        ...Array.from({ length: 3 }, () => ['step-started', 'step-applied']).flat(),
        'deploy-succeeded',
      ]);
    }
    const history: string[] = [];
    for await (const item of engine.state.history()) history.push(item.entry.kind);
    expect(history).toHaveLength(seen.length);
    // The branch is linear: one parent per commit.
    const parents = repo.git('rev-list', '--parents', 'orbit/state').split('\n');
    expect(parents.every((l) => l.split(' ').length <= 2)).toBe(true);
  });
});
