export * from './types.js';
export { newEntry, stepEntry } from './new-entry.js';
export {
  openStateLog,
  DEFAULT_BRANCH,
  type OpenStateLogOptions,
  type OrbitStateLog,
  type StateSigning,
} from './state-log.js';
export { loadStateSigning, type StateSigningFiles } from './state-signing.js';
export {
  applyEntry,
  emptyService,
  relatedDeployments,
  unwindPlanOf,
  REVERSE_LOG_SEPARATOR,
  type ViewSource,
  type ViewChanges,
  type StepLogChange,
} from './projection.js';
export { commitMessage, headline, trailers, encodeEntry, decodeEntry, MAX_LOG_BYTES } from './entry-codec.js';
export {
  recordPath,
  servicePath,
  serviceDir,
  serviceShard,
  stepsDir,
  stepLogName,
  deploymentDir,
  sequenceOf,
  parseDeploymentId,
} from './paths.js';
export type { PushResult } from './push.js';
export type { LockOwner } from './lock.js';
export { STATE_FORMAT_VERSION, upgradeEntry, upgradeRecord, upgradeServiceView } from './format.js';
export { ViewOverlay } from './view-overlay.js';
export { LAYOUT_FILE, layoutFileContent } from './services-layout.js';
