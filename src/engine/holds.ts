/**
 * Lifting a hold: a `service-released` entry, written when something a person did says the
 * service may move again (a new commit touching it, `orbit redeploy`, `orbit release`,
 * `orbit sync --release`). What places a hold is a chain rule (`holdsAfterUnwind`).
 */
import { newEntry } from '../state/index.js';
import type { LogEntry, StateLog } from '../state/types.js';

export interface HoldWriter {
  readonly state: StateLog;
  now(): Date;
  write(entry: LogEntry): Promise<void>;
}

export interface Release {
  author: string;
  /** How the author was verified (an API identity, a commit's signature). */
  verifiedBy?: string | null;
  /** Logged: `new commit abc1234`, `orbit release`. */
  why: string;
  commit?: string | null;
}

/** Releases the service's hold, if it has one. */
export async function releaseHold(host: HoldWriter, service: string, r: Release): Promise<boolean> {
  const view = await host.state.service(service);
  if (!view?.hold) return false;
  await host.write(
    newEntry('service-released', service, host.now(), {
      author: r.author,
      ...(r.verifiedBy ? { verified_by: r.verifiedBy } : {}),
      reason: r.why,
      config_commit: r.commit ?? null,
      deploy_id: null,
    }),
  );
  return true;
}
