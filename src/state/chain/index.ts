/**
 * The deployment chain's rules, in one place and pure: what an event does to a service's view,
 * what `unwind` and `redeploy` may act on, what a revert of a commit unwinds, and walking the
 * chain. The projection, the engine, preview, the API and the CLI all use these.
 */
export {
  afterHeld,
  afterReleased,
  afterStarted,
  afterSuccess,
  afterUnwind,
  holdsAfterUnwind,
  linkedBySuccess,
  statusAfterUnwind,
} from './events.js';
export {
  assertNotHeld,
  describeHold,
  previousForNew,
  redeployTarget,
  releaseHint,
  unwindTarget,
} from './actions.js';
export {
  decideCommit,
  undoes,
  type CommitDecision,
  type CommitFacts,
  type ConfigFiles,
  type FilesChange,
} from './revert.js';
export { previousOf, replacedBy, walkBack, walkForward, type ReadDeployment } from './walk.js';
