/**
 * `npm start`: Orbit on a demo config repository, with nothing installed but Node and git.
 * Copies examples/quickstart into .orbit-demo/config (recreated on every run), commits it, and runs
 * the real CLI in this process: a deployment, a failure that unwinds itself, an unwind, a redeploy,
 * a revert, and the audit trail with `git log`.
 *
 * Options: ORBIT_DEMO_DIR=<folder> (default .orbit-demo), ORBIT_DEMO_PACE=<seconds per step>
 * (default 0.4 in a terminal, 0 otherwise).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { run } from '../src/cli/program.js';

const root = path.resolve(import.meta.dirname, '..');
const demoDir = path.resolve(process.env.ORBIT_DEMO_DIR ?? path.join(root, '.orbit-demo'));
const repo = path.join(demoDir, 'config');
const interactive = process.stdout.isTTY === true;
if (process.env.NO_COLOR) chalk.level = 0;

const say = (text: string): void => void process.stdout.write('\n' + chalk.magenta.bold('# ' + text) + '\n');
const show = (cmd: string): void => void process.stdout.write(chalk.bold('$ ' + cmd) + '\n');

function git(...args: string[]): string {
  show(`git ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const out = execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: gitEnv() });
  if (out.trim()) process.stdout.write(out.endsWith('\n') ? out : out + '\n');
  return out;
}

function gitQuiet(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: gitEnv() }).trim();
}

function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'Dana Developer',
    GIT_AUTHOR_EMAIL: 'dana@example.com',
    GIT_COMMITTER_NAME: 'Dana Developer',
    GIT_COMMITTER_EMAIL: 'dana@example.com',
    // No editor, pager or user config may stop the demo.
    GIT_EDITOR: 'true',
    GIT_PAGER: 'cat',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

async function orbit(...args: string[]): Promise<number> {
  show(`orbit ${args.join(' ')}`);
  const code = await run(args);
  if (code !== 0) process.stdout.write(chalk.dim(`(exit code ${code})`) + '\n');
  return code;
}

function setVersion(version: string): void {
  writeFileSync(path.join(repo, 'services/waffle/values.hcl'), `version = "${version}"\n`);
  process.stdout.write(chalk.dim(`(services/waffle/values.hcl: version = "${version}")`) + '\n');
}

async function main(): Promise<void> {
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });
  cpSync(path.join(root, 'examples/quickstart'), repo, { recursive: true });
  process.env.ORBIT_VAR_pace ??= process.env.ORBIT_DEMO_PACE ?? (interactive ? '0.4' : '0');
  process.env.ORBIT_USER ??= 'you (npm start)';
  process.chdir(repo);

  process.stdout.write(
    chalk.bold('Orbit demo') +
      chalk.dim(
        ` — a config repository in ${path.relative(root, repo) || repo}; every command below runs there\n`,
      ),
  );
  say('A config repository: services/<name>/deploy.hcl (the steps) and values.hcl (the arguments)');
  gitQuiet('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'waffle 1.4.2 and pancake with 3 replicas');

  say('Orbit runs what the new commits ask for; each event becomes a commit on orbit/state');
  await orbit('reconcile');

  say('A pull request bumps waffle to 1.5.0. Before merging, preview what it would run:');
  setVersion('1.5.0');
  git('commit', '-q', '-am', 'waffle 1.5.0');
  await orbit('preview', 'HEAD~1..HEAD');
  say('Merged: deploy it');
  await orbit('reconcile');

  say('1.6.0-broken fails its health check: Orbit unwinds the steps it applied, waffle-2 stays current');
  setVersion('1.6.0-broken');
  git('commit', '-q', '-am', 'waffle 1.6.0-broken');
  await orbit('reconcile');

  say('Unwind by hand: the recorded reverse actions of the current deployment (waffle-2) run, newest first');
  await orbit('unwind', 'waffle');
  say('Redeploy re-applies what was unwound last, one click');
  await orbit('redeploy', 'waffle');

  say('Reverting a config commit unwinds the deployment it started');
  setVersion('1.7.0');
  git('commit', '-q', '-am', 'waffle 1.7.0');
  await orbit('reconcile');
  git('revert', '--no-edit', 'HEAD');
  await orbit('reconcile');

  say('Where things stand, and the story so far');
  await orbit('status');
  await orbit('log', 'waffle');
  await orbit('show', 'waffle-3');

  say('The audit trail is plain git');
  git('log', '--oneline', 'orbit/state');

  process.stdout.write(
    '\n' +
      chalk.bold('Try it yourself:') +
      `\n  cd ${path.relative(root, repo)}\n  node ${path.relative(repo, path.join(root, 'bin/orbit.js'))} log\n` +
      chalk.dim('  (the README walks through the same steps on a repository of your own)\n'),
  );
}

await main();
