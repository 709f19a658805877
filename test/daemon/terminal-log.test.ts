/**
 * What the real `orbit daemon` writes: whole JSON lines to a pipe (`pid` once per line, step
 * output only at debug level), and short lines on a terminal (a real pseudo-terminal, through
 * util-linux `script`): 7-character shas, no author.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORBIT_BIN } from '../support/cli.js';
import { ConfigRepo } from '../support/config-repo.js';
import { waitUntil } from '../support/wait.js';
import { TOKEN } from './helpers.js';

const service = `step {
  name    = "hello"
  agent   = "exec"
  forward = ["sh", "-c", "echo hello from the step"]
}
`;

let repo: ConfigRepo;
let sha: string;
const running: ChildProcess[] = [];

beforeEach(() => {
  repo = new ConfigRepo();
  sha = repo.commit({ 'services/web/deploy.hcl': service });
});

afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const exited = new Promise((r) => p.once('exit', r));
    process.kill(-p.pid!, 'SIGTERM');
    await exited;
  }
  repo.remove();
});

/** Starts `argv` in its own process group (so the daemon under `script` stops with it); collects stdout. */
function start(argv: string[]): { out: () => string } {
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ORBIT_TOKEN: TOKEN, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { out: () => out };
}

const daemonArgs = (level: string) => [
  process.execPath,
  ORBIT_BIN,
  'daemon',
  '--repo',
  repo.dir,
  '--listen',
  '127.0.0.1:0',
  '--log-level',
  level,
];

const deployed = (out: () => string) => waitUntil('web-1 deployed', () => out().includes('web-1: deployed'));

describe('the daemon log', () => {
  it('as JSON: pid once per line, the whole sha and author, no step output at info', async () => {
    const d = start(daemonArgs('info'));
    await deployed(d.out);
    const lines = d.out().trim().split('\n');
    for (const line of lines) expect(line.match(/"pid":/g), line).toHaveLength(1);
    const started = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'deploy-started');
    expect(started).toMatchObject({ commit: sha, author: 'Ann Operator <ann@example.com>' });
    // The step ran before `deployed` was logged: at info its output is not in the log.
    expect(d.out()).not.toContain('hello from the step');
  });

  it('has the step output at debug level', async () => {
    const d = start(daemonArgs('debug'));
    await deployed(d.out);
    const output = d
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'web-1/0-hello: output');
    expect(output).toMatchObject({ level: 20, step: 'web-1/0-hello', output: 'hello from the step\n' });
  });

  it('on a terminal: short shas and no author on any line', async () => {
    const command = daemonArgs('info')
      .map((a) => `'${a}'`)
      .join(' ');
    const d = start(['script', '-qfec', command, '/dev/null']);
    await deployed(d.out);
    const text = d.out();
    expect(text).toMatch(/^\d\d:\d\d:\d\d info {2}orbit daemon listening {2}url=http:/m);
    expect(text).toMatch(new RegExp(`web-1: deploy started .*commit=${sha.slice(0, 7)}(\\s|$)`, 'm'));
    expect(text).not.toMatch(/[0-9a-f]{40}/);
    expect(text).not.toContain('author=');
    expect(text).not.toContain('"pid"');
  });
});
