import { readFileSync } from 'node:fs';
import type { AgentContext, Invocation } from '../../src/agents/types.js';

export function invocation(over: Partial<Invocation> = {}): Invocation {
  return {
    kind: 'exec',
    action: 'forward',
    args: [],
    env: {
      ORBIT_ACTION: over.action ?? 'forward',
      ORBIT_SERVICE: 'waffle',
      ORBIT_DEPLOYMENT: 'waffle-1',
      ORBIT_STEP: 'step',
      ORBIT_COMMIT: 'abc123',
    },
    timeoutMs: 10_000,
    params: {},
    ...over,
  };
}

export function context(over: Partial<AgentContext> = {}): AgentContext {
  return { service: 'waffle', deploymentId: 'waffle-1', stepName: 'step', secrets: [], ...over };
}

/** Alive and not a zombie (a zombie waits for a reaper that may be slow in a container's init). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
