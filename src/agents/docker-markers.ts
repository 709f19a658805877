import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { MAX_OUTPUTS_BYTES, parseOutputs } from './outputs-file.js';

/**
 * The output marker protocol of docker steps: a stdout line that starts with the value of
 * ORBIT_OUTPUT_MARKER carries an output line (`KEY=VALUE`, or a line of the `KEY<<DELIM` form).
 * Outputs then travel in the container's own log stream, so a swarm job runs on any node: no
 * folder is shared with Orbit's machine. The marker is random per run, so output a step merely
 * echoes (a fetched web page, a commit message) cannot set outputs; only stdout counts.
 */
export const OUTPUT_MARKER_ENV = 'ORBIT_OUTPUT_MARKER';

export function newOutputMarker(): string {
  return `::orbit-output-${randomBytes(8).toString('hex')}::`;
}

/**
 * Splits a step's demultiplexed output into its log and its marked output lines, incrementally:
 * stderr and unmarked stdout go to the log as they arrive (a line is held back only while it could
 * still turn out to be marked); marked lines are kept, without the marker, up to 1 MiB.
 */
export class MarkerSplitter {
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** What is known of the current stdout line: undecided (could be marked), log, or marked. */
  private mode: 'undecided' | 'log' | 'marked' = 'undecided';
  private pending = '';
  private readonly marked: string[] = [];
  private markedBytes = 0;
  /** Marked lines were dropped at the 1 MiB bound. */
  truncated = false;

  constructor(
    private readonly marker: string,
    private readonly onLog: (text: string) => void,
  ) {}

  push(stream: 'stdout' | 'stderr', payload: Buffer): void {
    const text = this.decoders[stream].write(payload);
    if (stream === 'stderr') {
      if (text) this.onLog(text);
      return;
    }
    this.stdout(text);
  }

  /** The end of the stream: a last line without a newline counts as a line. */
  finish(): void {
    this.stdout(this.decoders.stdout.end());
    const err = this.decoders.stderr.end();
    if (err) this.onLog(err);
    this.endLine();
  }

  /** The outputs the marked lines set (parsed as an ORBIT_OUTPUT file would be). */
  outputs(): Record<string, string> {
    return parseOutputs(this.marked.join('\n'));
  }

  private stdout(text: string): void {
    while (text) {
      const nl = text.indexOf('\n');
      const piece = nl < 0 ? text : text.slice(0, nl);
      text = nl < 0 ? '' : text.slice(nl + 1);
      if (this.mode === 'log') this.onLog(piece);
      // A marked line longer than the bound is not kept whole: stop growing it.
      else if (this.pending.length <= MAX_OUTPUTS_BYTES + this.marker.length) {
        this.pending += piece;
        if (this.mode === 'undecided') this.decide();
      }
      if (nl >= 0) {
        if (this.mode === 'log') this.onLog('\n');
        else if (this.mode === 'undecided') {
          this.onLog(`${this.pending}\n`);
          this.pending = '';
        }
        this.endLine();
      }
    }
  }

  private decide(): void {
    if (this.pending.startsWith(this.marker)) this.mode = 'marked';
    else if (!this.marker.startsWith(this.pending)) {
      this.mode = 'log';
      this.onLog(this.pending);
      this.pending = '';
    }
  }

  private endLine(): void {
    if (this.mode === 'marked') this.keep(this.pending.slice(this.marker.length));
    else if (this.pending) this.onLog(this.pending);
    this.mode = 'undecided';
    this.pending = '';
  }

  private keep(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.markedBytes + bytes > MAX_OUTPUTS_BYTES) {
      this.truncated = true;
      return;
    }
    this.markedBytes += bytes;
    this.marked.push(line);
  }
}
