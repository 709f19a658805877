/**
 * The state format's version, and reading files written by an older one. Every `entry.json`,
 * `current.json` and `record.json` says which format wrote it (`format_version`; absent means 1);
 * a file is upgraded when it is read, and rewritten in the current format only when an entry
 * changes it, so an old log stays as it was written (append-only) and is read as if new.
 *
 * Version 2 gave each word of the chain one meaning: `ServiceView.next` became `redeployable`,
 * `DeploymentRecord.next_deploy_id` and `superseded_by` (always equal) became `replaced_by`, and
 * `LogEntry.next_deploy_id` (never set) was dropped.
 *
 * Version 3 changed the tree, not the files: `services/` is sharded by a hash of the service's
 * name, and `format.json` at the root says so (services-layout.ts reads both layouts). Files are
 * as in version 2; the version tells an Orbit that knows only 2 not to write into such a log.
 */
import { OrbitError } from '../util/errors.js';
import type { DeploymentRecord, LogEntry, ServiceView } from './types.js';

export const STATE_FORMAT_VERSION = 3;

type Raw = Record<string, unknown>;

/** The format a file was written in; E_STATE_FORMAT when newer than this Orbit reads. */
export function formatVersionOf(raw: Raw, what: string): number {
  const v = raw.format_version;
  const version = v === undefined ? 1 : v;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new OrbitError('E_STATE_CORRUPT', `${what} has an invalid format_version: ${JSON.stringify(v)}`, {
      what,
      format_version: v,
    });
  }
  // Refusing beats guessing: an older Orbit would misread (and then rewrite) what it does not know.
  if (version > STATE_FORMAT_VERSION) {
    throw new OrbitError(
      'E_STATE_FORMAT',
      `${what} was written in state format ${version} by a newer Orbit; this Orbit reads formats 1 to ${STATE_FORMAT_VERSION}: upgrade Orbit`,
      { what, format_version: version, supported: STATE_FORMAT_VERSION },
    );
  }
  return version;
}

/** Formats 2 and 3 hold the same fields: such a file reads as the current format (and is rewritten so). */
const current = <T>(raw: Raw): T =>
  (raw.format_version === STATE_FORMAT_VERSION ? raw : { ...raw, format_version: STATE_FORMAT_VERSION }) as T;

const idOrNull = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function upgradeServiceView(raw: Raw, what = 'a service view'): ServiceView {
  if (formatVersionOf(raw, what) >= 2) return current<ServiceView>(raw);
  const { next, ...rest } = raw;
  return {
    ...rest,
    format_version: STATE_FORMAT_VERSION,
    redeployable: idOrNull(next),
  } as unknown as ServiceView;
}

export function upgradeRecord(raw: Raw, what = 'a deployment record'): DeploymentRecord {
  if (formatVersionOf(raw, what) >= 2) return current<DeploymentRecord>(raw);
  const { next_deploy_id, superseded_by, ...rest } = raw;
  return {
    ...rest,
    format_version: STATE_FORMAT_VERSION,
    replaced_by: idOrNull(superseded_by) ?? idOrNull(next_deploy_id),
  } as unknown as DeploymentRecord;
}

export function upgradeEntry(raw: Raw, what = 'an entry'): LogEntry {
  if (formatVersionOf(raw, what) >= 2) return current<LogEntry>(raw);
  const { next_deploy_id: _never, ...rest } = raw;
  return { ...rest, format_version: STATE_FORMAT_VERSION } as unknown as LogEntry;
}
