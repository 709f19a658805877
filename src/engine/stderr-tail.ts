/**
 * What a failed step's record keeps of its output, so `status`, `show` and the live list can say
 * why it failed without opening the whole log: the last lines of stderr, bounded, masked.
 */
import type { AgentResult } from '../agents/types.js';
import { maskText, type Secret } from '../util/secrets.js';

export const STDERR_TAIL_LINES = 20;
export const STDERR_TAIL_BYTES = 4096;

/**
 * The last lines of the run's stderr (of its whole output when the agent keeps no stderr apart,
 * or the step wrote none), at most `STDERR_TAIL_LINES` lines and `STDERR_TAIL_BYTES` bytes.
 * Masked again here: the agent masked plain secret values, this also catches derived ones.
 */
export function stderrTail(result: AgentResult, secrets: readonly Secret[]): string[] {
  const source = result.stderr?.trim() ? result.stderr : result.log;
  const lines = maskText(source, secrets).replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const out: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && out.length < STDERR_TAIL_LINES; i--) {
    const line = lines[i]!;
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > STDERR_TAIL_BYTES) {
      // One huge last line still says something: its end, cut to the bound.
      if (out.length === 0) out.unshift('…' + line.slice(-(STDERR_TAIL_BYTES / 4)));
      break;
    }
    out.unshift(line);
  }
  // Leading blank lines say nothing; a tail of only blanks is no tail.
  while (out.length && !out[0]!.trim()) out.shift();
  return out;
}
