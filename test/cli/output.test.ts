import chalk from 'chalk';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { liveOutput } from '../../src/cli/live/live-output.js';
import { entryLine } from '../../src/cli/format.js';
import { openEngine } from '../../src/engine/open.js';
import type { LogEntry } from '../../src/state/types.js';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace, tracedService, values } from '../support/config-repo.js';
import { runCli } from './cli-capture.js';

const ESC = '\x1b[';
let repo: ConfigRepo;
let trace: Trace;
const entries: LogEntry[] = [];

beforeAll(async () => {
  repo = new ConfigRepo();
  trace = new Trace();
  repo.commit({
    'services/web/deploy.hcl': tracedService(trace, ['migrate', 'deploy'], {
      failStep: 'deploy',
      failVersion: 'bad',
    }),
    'services/web/values.hcl': values('1'),
  });
  // web-1 ok, web-2 ok, web-3 fails (forks from web-2), then web-2 is unwound by hand.
  const engine = await openEngine({ repoDir: repo.dir, observe: (e) => entries.push(e) });
  try {
    await engine.reconcile();
    repo.commit({ 'services/web/values.hcl': values('2') });
    await engine.reconcile();
    repo.commit({ 'services/web/values.hcl': values('bad') });
    await engine.reconcile();
    await engine.unwind('web', 'Bob <bob@example.com>');
  } finally {
    await engine.close();
  }
});

afterAll(() => {
  repo.remove();
  delete process.env.NO_COLOR;
});

const plain = async (args: string[]) => {
  process.env.NO_COLOR = '1';
  return runCli([...args, '--repo', repo.dir]);
};

describe('CLI output', () => {
  it('is plain with NO_COLOR and coloured when colour is forced (real executable)', async () => {
    const off = await orbit(['log', '--repo', repo.dir]);
    expect(off.code).toBe(0);
    expect(off.stdout).not.toContain(ESC);
    const on = await orbit(['log', '--repo', repo.dir], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(on.code).toBe(0);
    expect(on.stdout).toContain(`${ESC}32m`); // green: deployed
    expect(on.stdout).toContain(`${ESC}31m`); // red: failed
    expect(on.stdout).toContain(`${ESC}33m`); // yellow: unwound
    expect(on.stdout).toContain(`${ESC}2m`); // dim: durations and details
  });

  it('orbit log draws deployments as a graph: each under its previous, with its steps', async () => {
    const r = await plain(['log', 'web']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /web-\d/.test(l));
    expect(rows.map((l) => l.replace(/ (deployed|failed|unwound) .*$/, ' $1'))).toEqual([
      '✗ web-3 failed',
      '↩ web-2 unwound',
      '✓ web-1 deployed',
    ]);
    // Step lines sit under their deployment, with durations.
    expect(r.stdout).toMatch(/↩ migrate \d+\.\d\ds {2}✗ deploy \d+\.\d\ds {2}exited with status 1/);

    const oneline = await plain(['log', '--oneline']);
    expect(oneline.stdout.trim().split('\n')).toHaveLength(3);
    const flat = await plain(['log', '--flat', '-n', '3']);
    expect(flat.stdout.trim().split('\n')).toHaveLength(3);
    expect(flat.stdout).toMatch(/^[0-9a-f]{7} \S+ \S+ web-2: unwound/);
  });

  it('orbit show prints each step with forward and reverse timings', async () => {
    const r = await plain(['show', 'web-3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✗ web-3 failed/);
    expect(r.stdout).toMatch(/↩ {2}migrate +reversed +\d+\.\d\ds +\d+\.\d\ds/);
    expect(r.stdout).toMatch(/✗ {2}deploy +failed \(exit 1\) +\d+\.\d\ds/);
  });

  it('--json has stable shapes on every read command', async () => {
    const log = JSON.parse((await plain(['log', '--json', '-n', '2'])).stdout) as unknown[];
    expect(log).toEqual([
      {
        sha: expect.stringMatching(/^[0-9a-f]{40}$/),
        entry: expect.objectContaining({ kind: 'deploy-unwound' }),
      },
      // The unwind put the service on hold just before its end.
      expect.objectContaining({
        entry: expect.objectContaining({ kind: 'service-held', reason: 'user' }),
      }),
    ]);
    const show = JSON.parse((await plain(['show', 'web-3', '--json'])).stdout) as Record<string, unknown>;
    expect(show).toMatchObject({
      deploy_id: 'web-3',
      status: 'failed',
      previous_deploy_id: 'web-2',
      steps: [
        { step_name: 'migrate', status: 'reversed', log: expect.any(String) },
        { step_name: 'deploy', status: 'failed', exit_code: 1 },
      ],
    });
    const status = JSON.parse((await plain(['status', '--json'])).stdout) as unknown[];
    expect(status).toMatchObject([{ service: 'web', current: { id: 'web-1' }, redeployable: 'web-2' }]);
    const reconcile = JSON.parse((await plain(['reconcile', '--json'])).stdout) as Record<string, unknown>;
    expect(reconcile).toMatchObject({ commits: 0, outcomes: [] });
  });

  it('a mistake prints one line and the usage hint, exit 2', async () => {
    for (const args of [
      ['frobnicate'],
      ['show'],
      ['log', '--bogus'],
      ['plan', 'nosuch', '--repo', repo.dir],
      ['unwind', 'nosuch', '--repo', repo.dir],
    ]) {
      process.env.NO_COLOR = '1';
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(2);
      expect(lines[1]).toBe('(run with --help for usage)');
    }
  });

  it('every command has --help with an example', async () => {
    const help = await runCli(['--help']);
    const names = [...help.stdout.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    expect(names).toEqual(
      expect.arrayContaining(['reconcile', 'log', 'show', 'preview', 'plan', 'validate']),
    );
    for (const name of names) {
      const r = await runCli([name, '--help']);
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(/Examples?:\n {2}\$ \S/);
    }
  });
});

describe('live output', () => {
  const sink = (isTTY: boolean) => {
    let text = '';
    return { stream: { isTTY, columns: 100, write: (s: string) => ((text += s), true) }, text: () => text };
  };

  it('is one headline per entry when not a terminal', () => {
    const s = sink(false);
    const out = liveOutput(s.stream);
    for (const e of entries) out.observe(e);
    out.stop();
    expect(s.text()).not.toContain(ESC + '?25l');
    expect(s.text()).toContain('web-3 step 2/2 deploy: failed');
    expect(s.text().split('\n')).toContain(
      'web-1: deployed (commit ' + entries[0]!.config_commit!.slice(0, 7) + ')',
    );
  });

  it('writes the lines of one turn at once, in order with what else was written meanwhile', async () => {
    // A real Writable, as process.stdout on a pipe is: count the writes that reach the pipe.
    const writes: string[] = [];
    const stream = new Writable({
      writev(chunks, done) {
        writes.push(chunks.map((c) => String(c.chunk)).join(''));
        done();
      },
      write(chunk, _encoding, done) {
        writes.push(String(chunk));
        done();
      },
    });
    const out = liveOutput(stream);
    const [first, second, third] = entries.filter((e) => e.kind !== 'commit-seen');
    out.observe(first!);
    stream.write('between\n');
    out.observe(second!);
    await new Promise((r) => setImmediate(r));
    out.observe(third!);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([
      `${entryLine(first!)}\nbetween\n${entryLine(second!)}\n`,
      `${entryLine(third!)}\n`,
    ]);
  });

  it('redraws a step list in place in a terminal and prints each finished deployment once', () => {
    chalk.level = 0;
    // Live mode is off under CI=true (CI logs are not terminals); this test is about a terminal.
    vi.stubEnv('CI', '');
    onTestFinished(() => void vi.unstubAllEnvs());
    const s = sink(true);
    let now = 0;
    const out = liveOutput(s.stream, { now: () => (now += 150) });
    const web3 = entries.filter((e) => e.deploy_id === 'web-3');
    for (const e of web3) out.observe(e);
    out.stop();
    const text = s.text();
    expect(text).toContain(`${ESC}?25l`); // cursor hidden while live
    expect(text).toContain(`${ESC}?25h`); // and shown again
    expect(text).toMatch(new RegExp(`${ESC.replace('[', '\\[')}\\d+A${ESC.replace('[', '\\[')}J`)); // erase the block, draw it again
    expect(text).toMatch(/⠙ web-3 deploying/); // spinner with elapsed time while running
    const final = text.slice(text.lastIndexOf('✗ web-3'));
    expect(final.split('\n').slice(0, 3)).toEqual([
      '✗ web-3 failed, unwound deploy ' + web3[0]!.config_commit!.slice(0, 7),
      expect.stringMatching(/^ {2}↩ 1\/2 migrate reversed \d+\.\d\ds$/),
      expect.stringMatching(/^ {2}✗ 2\/2 deploy failed \d+\.\d\ds$/),
    ]);
  });
});
