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

/** Releases the service's hold, if it has one; `why` is logged (`new commit abc1234`, `orbit release`). */
export async function releaseHold(
  host: HoldWriter,
  service: string,
  author: string,
  why: string,
  commit: string | null = null,
): Promise<boolean> {
  const view = await host.state.service(service);
  if (!view?.hold) return false;
  await host.write(
    newEntry('service-released', service, host.now(), {
      author,
      reason: why,
      config_commit: commit,
      deploy_id: null,
    }),
  );
  return true;
}
