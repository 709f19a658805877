/**
 * Real git config repositories in temp folders, for engine, CLI and daemon tests.
 * Commits are made with the git CLI, with a fixed author so tests can assert who did what.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const AUTHOR = { name: 'Ann Operator', email: 'ann@example.com' };

export class ConfigRepo {
  readonly dir: string;

  constructor(prefix = 'orbit-repo-') {
    this.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.name', AUTHOR.name);
    this.git('config', 'user.email', AUTHOR.email);
    this.git('config', 'commit.gpgsign', 'false');
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: AUTHOR.name,
        GIT_AUTHOR_EMAIL: AUTHOR.email,
        GIT_COMMITTER_NAME: AUTHOR.name,
        GIT_COMMITTER_EMAIL: AUTHOR.email,
      },
    }).trim();
  }

  write(file: string, content: string): void {
    const full = path.join(this.dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  /** Writes the files and commits them; returns the commit sha. */
  commit(files: Record<string, string>, message = 'change config'): string {
    for (const [file, content] of Object.entries(files)) this.write(file, content);
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  revert(sha: string): string {
    this.git('revert', '--no-edit', sha);
    return this.git('rev-parse', 'HEAD');
  }

  show(ref: string): string {
    return this.git('show', ref);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A file that steps append lines to, so tests can check the order of every action. */
export class Trace {
  readonly file: string;

  /** Kept outside the config repository, so commits never pick it up. */
  constructor() {
    this.file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-trace-')), 'trace.log');
  }

  lines(): string[] {
    return existsSync(this.file) ? readFileSync(this.file, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Lines added since the last call. */
  private seen = 0;
  next(): string[] {
    const all = this.lines();
    const fresh = all.slice(this.seen);
    this.seen = all.length;
    return fresh;
  }
}

/** An exec step with the given HCL action lists, and `TRACE` pointing at the trace file. */
export function execStep(
  trace: Trace,
  name: string,
  forward: string,
  reverse: string | null,
  extra = '',
): string {
  return `step {
  name    = "${name}"
  agent   = "exec"
  forward = ${forward}
${reverse ? `  reverse = ${reverse}\n` : ''}  env     = { TRACE = "${trace.file}" }
${extra}}`;
}

/** An exec action (HCL list) that appends `line` to `$TRACE`. */
export const traceLine = (line: string): string => `["sh", "-c", "echo ${line} >> $TRACE"]`;

/**
 * A deploy.hcl whose steps record `+<step>:<version>` going forward and `-<step>:<version>` in
 * reverse, through the exec agent. `fail` makes the named step fail when the version matches.
 */
export function tracedService(
  trace: Trace,
  steps: string[],
  opts: { failStep?: string; failVersion?: string; sleep?: number } = {},
): string {
  const blocks = steps.map((name) => {
    const failGuard = opts.failStep === name ? `test "$ORBIT_VAR_version" != "${opts.failVersion}" && ` : '';
    const sleep = opts.sleep ? `sleep ${opts.sleep}; ` : '';
    return `step {
  name    = "${name}"
  agent   = "exec"
  forward = ["sh", "-c", "${sleep}${failGuard.replace(/"/g, '\\"')}echo +${name}:$ORBIT_VAR_version >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name}:$ORBIT_VAR_version >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
  timeout = "30s"
}`;
  });
  return `variable "version" {
  description = "what to deploy"
}

${blocks.join('\n\n')}
`;
}

export const values = (version: string): string => `version = "${version}"\n`;

/** A file a step waits for, so a test decides when a running deployment may finish. */
export class Gate {
  readonly file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orbit-gate-')), 'open');

  open(): void {
    writeFileSync(this.file, '');
  }

  close(): void {
    rmSync(this.file, { force: true });
  }
}

/** One `deploy` step that waits for the gate, then records `+deploy:<version>`. */
export function gatedService(trace: Trace, gate: Gate): string {
  return `variable "version" {}
step {
  name    = "deploy"
  agent   = "exec"
  forward = ["sh", "-c", "while [ ! -e ${gate.file} ]; do sleep 0.02; done; echo +deploy:$ORBIT_VAR_version >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}
`;
}
