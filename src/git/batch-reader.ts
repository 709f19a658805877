import type { ErrorCode } from '../util/error-codes.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { OrbitError } from '../util/errors.js';
import { Fifo } from '../util/fifo.js';
import { gitEnv } from './env.js';
import { gitArgs } from './run.js';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

/** What `info` answers: an object's id, type and size, without its content. */
export interface GitObjectInfo {
  oid: string;
  type: string;
  size: number;
}

interface Pending {
  /** `info` requests get a header only; `contents` requests a header and the object. */
  contents: boolean;
  resolve: (o: (GitObjectInfo & { content?: Buffer }) | null) => void;
  reject: (e: Error) => void;
}

/**
 * One long-lived `git cat-file --batch-command` process: reads an object (by oid or
 * `<rev>:<path>`), or only its type and size, in well under a millisecond whatever the size of
 * history, from loose objects or packs alike. isomorphic-git loads a whole pack index and pack into
 * memory, which at 100k entries costs seconds.
 */
export class BatchReader {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private readonly queue = new Fifo<Pending>();
  private buf: Buffer = Buffer.alloc(0);
  /** The process whose stdin is corked until the end of this tick. */
  private corked: ChildProcessWithoutNullStreams | null = null;

  /** The codes of the errors it raises: the state log's reader raises its own. */
  constructor(
    private readonly gitdir: string,
    private readonly errorCode: ErrorCode = 'E_GIT',
    private readonly closedCode: ErrorCode = 'E_GIT_CLOSED',
  ) {}

  private start(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    const p = spawn('git', gitArgs({ gitDir: this.gitdir }, ['cat-file', '--batch-command']), {
      env: gitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    p.stdout.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.drain();
    });
    p.stdin.on('error', () => undefined);
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const fail = (why: string): void => {
      const err = new OrbitError(this.errorCode, `git cat-file stopped: ${why} ${stderr.trim()}`.trim(), {
        gitdir: this.gitdir,
        stderr,
      });
      if (this.proc === p) this.proc = null;
      this.buf = Buffer.alloc(0);
      for (const q of this.queue.drain()) q.reject(err);
    };
    p.on('error', (e) => fail(e.message));
    // 'close': everything git wrote before it stopped has been read.
    p.on('close', (code) => fail(`exit ${code}`));
    this.proc = p;
    this.setRef(false);
    return p;
  }

  /** An idle reader must not keep the process alive; a pending read must. */
  private setRef(on: boolean): void {
    const p = this.proc;
    if (!p) return;
    for (const h of [p, p.stdout, p.stderr, p.stdin] as unknown as { ref?: () => void; unref?: () => void }[])
      if (on) h.ref?.();
      else h.unref?.();
  }

  private drain(): void {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl < 0) return;
      const header = this.buf.subarray(0, nl).toString();
      const q = this.queue.peek();
      if (!q) return;
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buf = this.buf.subarray(nl + 1);
        this.queue.shift();
        q.resolve(null);
        if (this.queue.length === 0) this.setRef(false);
        continue;
      }
      const [oid, type, sizeText] = header.split(' ');
      const size = Number(sizeText);
      if (!oid || !type || !Number.isFinite(size)) {
        this.queue.shift();
        q.reject(new OrbitError(this.errorCode, `unexpected cat-file output: ${header}`));
        this.buf = this.buf.subarray(nl + 1);
        continue;
      }
      if (!q.contents) {
        this.buf = this.buf.subarray(nl + 1);
        this.queue.shift();
        q.resolve({ oid, type, size });
        if (this.queue.length === 0) this.setRef(false);
        continue;
      }
      if (this.buf.length < nl + 1 + size + 1) return;
      const content = Buffer.from(this.buf.subarray(nl + 1, nl + 1 + size));
      this.buf = this.buf.subarray(nl + 1 + size + 1);
      this.queue.shift();
      q.resolve({ oid, type, size, content });
      if (this.queue.length === 0) this.setRef(false);
    }
  }

  /** `spec` is an oid or `<rev>:<path>`; null when missing. */
  async read(spec: string): Promise<GitObject | null> {
    const o = await this.ask(spec, true);
    return o && { oid: o.oid, type: o.type, content: o.content ?? Buffer.alloc(0) };
  }

  /** The object's type and size, its content left unread (a size cap is checked before reading). */
  async info(spec: string): Promise<GitObjectInfo | null> {
    const o = await this.ask(spec, false);
    return o && { oid: o.oid, type: o.type, size: o.size };
  }

  /** Requests in flight: a long-lived reader is closed only when none is. */
  pending(): number {
    return this.queue.length;
  }

  private ask(spec: string, contents: boolean): Promise<(GitObjectInfo & { content?: Buffer }) | null> {
    if (/\s/.test(spec)) return Promise.reject(new OrbitError(this.errorCode, `bad object spec: ${spec}`));
    const p = this.start();
    if (this.queue.length === 0) this.setRef(true);
    return new Promise((resolve, reject) => {
      this.queue.push({ contents, resolve, reject });
      // The requests of one tick go in one write: thousands of reads at once (a status) made
      // a syscall each.
      if (this.corked !== p) {
        this.corked = p;
        p.stdin.cork();
        process.nextTick(() => {
          this.corked = null;
          p.stdin.uncork();
        });
      }
      p.stdin.write(`${contents ? 'contents' : 'info'} ${spec}\n`);
    });
  }

  close(): void {
    const p = this.proc;
    this.proc = null;
    if (p) {
      p.removeAllListeners('close');
      p.stdin.end();
      p.kill();
    }
    for (const q of this.queue.drain()) q.reject(new OrbitError(this.closedCode, 'closed while reading'));
  }
}
