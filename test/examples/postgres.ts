/**
 * A throwaway PostgreSQL 15 server for the database example's tests: Debian's initdb and pg_ctl in
 * a temp folder, reachable only through a unix socket in that folder (no TCP port, so parallel
 * runs never clash). PostgreSQL refuses to run as root: as root (CI), both run as `postgres`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync } from 'node:fs';
import path from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

export interface Postgres {
  /** The socket folder: PGHOST for libpq, `pg_host` for the example. */
  host: string;
  /** One value per line, columns joined by `|` (psql -At). */
  psql(db: string, sql: string): string;
  /** Drops `db` if it exists and creates it empty. */
  freshDatabase(db: string): void;
  stop(): void;
}

/** Runs a server binary as a user allowed to run it, from a folder that user can read. */
export function asPostgres(argv: string[]): string {
  const [cmd, ...args] = asRoot ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  return execFileSync(cmd!, args, { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Stops the server whose data folder is `data`, if it runs (cleanup after a failed test). */
export function stopPostgres(data: string): void {
  if (!existsSync(path.join(data, 'postmaster.pid'))) return;
  try {
    asPostgres([`${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
  } catch (err) {
    // A pid file left by a server that is gone already: nothing to stop. Anything else is news.
    if (!/not running|No such process/i.test(String((err as { stderr?: string }).stderr))) throw err;
  }
}

export function startPostgres(dir: string): Postgres {
  chmodSync(dir, 0o755);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, -1);
  }
  const data = path.join(dir, 'data');
  asPostgres([`${BIN}/initdb`, '-D', data, '-U', 'postgres', '-A', 'trust', '--no-instructions']);
  asPostgres([
    `${BIN}/pg_ctl`,
    '-D',
    data,
    '-l',
    path.join(dir, 'server.log'),
    '-o',
    `-k ${dir} -c listen_addresses=''`,
    '-w',
    'start',
  ]);
  const env = { ...process.env, PGHOST: dir, PGUSER: 'postgres' };
  const client = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  return {
    host: dir,
    psql: (db, sql) => client('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql]),
    freshDatabase: (db) => {
      client('dropdb', ['--if-exists', db]);
      client('createdb', [db]);
    },
    stop: () => stopPostgres(data),
  };
}
