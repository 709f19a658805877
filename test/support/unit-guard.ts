/**
 * Setup file of the unit tier: starting a process (git included) or opening a socket throws, so
 * a test that needs them fails loudly instead of slowing the tier down. Such a test belongs to the
 * `git` tier (a plain `*.test.ts`), or `*.docker.test.ts` when it needs the Docker engine.
 */
import childProcess from 'node:child_process';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

const refuse = (what: string) => () => {
  throw new Error(
    `${what} in a unit test: unit tests (*.unit.test.ts) are pure; name the file *.test.ts (git tier) ` +
      'or *.docker.test.ts if it needs processes, git or sockets',
  );
};

const processApis = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
const cp = childProcess as unknown as Record<string, unknown>;
for (const name of processApis) cp[name] = refuse(`child_process.${name}`);

const n = net as unknown as Record<string, unknown>;
n.connect = refuse('net.connect');
n.createConnection = refuse('net.createConnection');
// Every client socket (http, fetch, git over HTTP) ends in Socket#connect; every server in listen.
net.Socket.prototype.connect = refuse('a socket connection') as never;
net.Server.prototype.listen = refuse('listening on a socket') as never;
globalThis.fetch = refuse('fetch') as never;

// Named imports (`import { spawn } from 'node:child_process'`) see the replacements too.
syncBuiltinESMExports();
