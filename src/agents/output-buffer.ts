import { maskText, type Secret } from '../util/secrets.js';

/** Default cap of a captured log: enough for a real deploy's output, small enough for a git blob. */
export const DEFAULT_LOG_CAP = 256 * 1024;
/** Cap of stderr kept apart: its last half is what a failed step's record can keep (4 KB of it). */
export const STDERR_CAP = 16 * 1024;

/**
 * Captures a stream of output in bounded memory: the first `cap/2` bytes are kept as they come,
 * the last `cap/2` bytes in a ring, and everything in between is only counted. A process that
 * floods its output therefore costs `cap` bytes, never more.
 */
export class OutputBuffer {
  private readonly headCap: number;
  private readonly tailCap: number;
  // Allocated at the first byte, uninitialised (only written bytes are ever read): zeroing 272 KB
  // per run was work, and memory resident in this process, which every later fork() copies.
  private head: Buffer | undefined;
  private headLen = 0;
  private tail: Buffer | undefined;
  /** Bytes ever written into the tail ring (position of the next write is tailWritten % tailCap). */
  private tailWritten = 0;
  private total = 0;

  constructor(cap: number = DEFAULT_LOG_CAP) {
    this.headCap = Math.max(1, Math.floor(cap / 2));
    this.tailCap = Math.max(1, cap - this.headCap);
  }

  /** Total bytes seen, kept and dropped. */
  get size(): number {
    return this.total;
  }

  write(chunk: Buffer | string): void {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.total += buf.length;
    if (this.headLen < this.headCap) {
      const n = Math.min(buf.length, this.headCap - this.headLen);
      buf.copy((this.head ??= Buffer.allocUnsafe(this.headCap)), this.headLen, 0, n);
      this.headLen += n;
      buf = buf.subarray(n);
    }
    if (buf.length === 0) return;
    // Only the last tailCap bytes of a big chunk can survive; skip the rest without copying.
    if (buf.length > this.tailCap) {
      this.tailWritten += buf.length - this.tailCap;
      buf = buf.subarray(buf.length - this.tailCap);
    }
    const tail = (this.tail ??= Buffer.allocUnsafe(this.tailCap));
    const pos = this.tailWritten % this.tailCap;
    const first = Math.min(buf.length, this.tailCap - pos);
    buf.copy(tail, pos, 0, first);
    if (first < buf.length) buf.copy(tail, 0, first);
    this.tailWritten += buf.length;
  }

  /**
   * The captured text with secrets masked. Masking happens here, on the whole kept text, because a
   * secret may arrive split across two chunks. Around the elision marker a secret can also be cut
   * in two; the fragments that could be part of one are dropped with the elided bytes.
   */
  text(secrets: readonly Secret[] = []): string {
    const keptTail = Math.min(this.tailWritten, this.tailCap);
    const elided = this.total - this.headLen - keptTail;
    const headText = this.head?.subarray(0, this.headLen).toString('utf8') ?? '';
    const tailText = this.orderedTail(keptTail).toString('utf8');
    if (elided <= 0) return mask(headText + tailText, secrets);
    const h = dropSecretPrefixAtEnd(headText, secrets);
    const t = dropSecretSuffixAtStart(tailText, secrets);
    const dropped =
      Buffer.byteLength(headText) - Buffer.byteLength(h) + Buffer.byteLength(tailText) - Buffer.byteLength(t);
    return `${mask(h, secrets)}\n[... ${elided + dropped} bytes elided ...]\n${mask(t, secrets)}`;
  }

  private orderedTail(kept: number): Buffer {
    const tail = this.tail;
    if (!tail) return Buffer.alloc(0);
    if (this.tailWritten <= this.tailCap) return tail.subarray(0, kept);
    const pos = this.tailWritten % this.tailCap;
    return Buffer.concat([tail.subarray(pos), tail.subarray(0, pos)]);
  }
}

export function mask(text: string, secrets: readonly Secret[]): string {
  return secrets.length === 0 ? text : maskText(text, secrets);
}

/** Removes the longest end of `text` that is a proper beginning of some secret. */
function dropSecretPrefixAtEnd(text: string, secrets: readonly Secret[]): string {
  let cut = 0;
  for (const { value: s } of secrets)
    for (let n = Math.min(s.length - 1, text.length); n > cut; n--)
      if (text.endsWith(s.slice(0, n))) {
        cut = n;
        break;
      }
  return text.slice(0, text.length - cut);
}

/** Removes the longest start of `text` that is a proper end of some secret. */
function dropSecretSuffixAtStart(text: string, secrets: readonly Secret[]): string {
  let cut = 0;
  for (const { value: s } of secrets)
    for (let n = Math.min(s.length - 1, text.length); n > cut; n--)
      if (text.startsWith(s.slice(s.length - n))) {
        cut = n;
        break;
      }
  return text.slice(cut);
}

/**
 * Masks a live stream of text chunks (for `onOutput`): the end of a chunk that could be the start
 * of a secret is held back until the next chunk shows whether it is one.
 */
export class LiveMasker {
  private carry = '';
  constructor(
    private readonly secrets: readonly Secret[],
    private readonly emit: (text: string) => void,
  ) {}

  push(chunk: string): void {
    if (this.secrets.length === 0) {
      this.emit(chunk);
      return;
    }
    const masked = mask(this.carry + chunk, this.secrets);
    const kept = dropSecretPrefixAtEnd(masked, this.secrets);
    this.carry = masked.slice(kept.length);
    if (kept) this.emit(kept);
  }

  flush(): void {
    if (this.carry) this.emit(mask(this.carry, this.secrets));
    this.carry = '';
  }
}
