/**
 * Structured logs: pino, one JSON line per event. On a terminal the same lines are shown as
 * `HH:MM:SS level message key=value ...` so a person can read them, short: commit shas cut to 7
 * characters, no author (the state branch has both); pipes and files get the whole JSON.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { redactLoggedUrl } from './log-redaction.js';

export type { Logger } from 'pino';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'author']);
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A field's value as the terminal shows it: a commit sha as its 7-character short form. */
function shown(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v);
  return SHA.test(v) ? v.slice(0, 7) : v;
}

/** Turns one pino JSON line into a readable one. */
export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 19);
  const level = (LEVELS[Number(o.level)] ?? String(o.level)).padEnd(5);
  const rest = Object.entries(o)
    .filter(([k, v]) => !SKIP.has(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${shown(v)}`)
    .join(' ');
  return `${time} ${level} ${String(o.msg ?? '')}${rest ? '  ' + rest : ''}\n`;
}

export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const out = options.destination ?? process.stdout;
  const pretty = options.pretty ?? Boolean((out as NodeJS.WriteStream).isTTY);
  const dest = pretty
    ? new Writable({
        write(chunk: Buffer, _enc, cb) {
          for (const line of chunk.toString('utf8').split('\n')) if (line) out.write(prettyLine(line));
          cb();
        },
      })
    : out;
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      // Any `url` field: query values (an API token given as `?token=`) never reach the log.
      serializers: { url: redactLoggedUrl },
    },
    dest,
  );
}
