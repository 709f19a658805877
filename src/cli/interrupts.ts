/**
 * Ctrl-C and SIGTERM while the CLI runs deployments, as the daemon drains: the first signal lets
 * the running step finish and be recorded, then stops before the next one; the second stops the
 * running agent (its step is recorded as interrupted); a third exits at once. What is left in
 * flight is resolved by the next `orbit reconcile` (or daemon start).
 */
import type { Engine } from '../engine/engine.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Installs the handlers for the life of `engine`'s work; returns their removal. */
export function handleInterrupts(
  engine: Engine,
  say: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      say(`orbit: ${signal}: stopping after the running step (${signal} again stops it now)`);
      engine.interrupt();
    } else if (count === 2) {
      say(`orbit: ${signal}: stopping the running step; the next \`orbit reconcile\` unwinds what it did`);
      engine.stopNow();
    } else {
      // 128 + SIGINT, as a shell reports it.
      process.exit(130);
    }
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
}
