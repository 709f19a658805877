/**
 * Every error code Orbit raises or records, with what it means, the CLI's exit code and the HTTP
 * status. `OrbitError.code` is typed from this table, and the CLI's exit codes
 * (src/cli/exit.ts), the API's statuses (src/daemon/http-errors.ts) and docs/errors.md
 * (`npm run docs:errors`) are all derived from it: adding a code is one line here.
 *
 * The helper says the exit code: `usage` 2, `cannotRun` 3 (Orbit itself could not run), and
 * `refused`, `config` and `step` 1 (a deployment failed or a config commit was rejected).
 */

/** How a code is grouped in docs/errors.md. */
export type ErrorKind = 'config' | 'step' | 'usage' | 'refused' | 'environment';

export interface ErrorCodeInfo {
  kind: ErrorKind;
  /** The CLI's exit code: 1 a deployment failed or a config was rejected, 2 usage, 3 could not run. */
  exit: 1 | 2 | 3;
  /** The HTTP status when the daemon answers a request with this error. */
  http: number;
  meaning: string;
}

const entry = (kind: ErrorKind, exit: 1 | 2 | 3, http: number, meaning: string): ErrorCodeInfo => ({
  kind,
  exit,
  http,
  meaning,
});

/** A diagnostic of E_CONFIG_INVALID (file:line:col), or the same problem found while rendering a step. */
const config = (meaning: string) => entry('config', 1, 422, meaning);
/** Recorded in the log as a failed step's error; the deployment fails (and unwinds). */
const step = (meaning: string) => entry('step', 1, 500, meaning);
/** The command or request is malformed, or names something that does not exist. */
const usage = (http: number, meaning: string) => entry('usage', 2, http, meaning);
/** A well-formed request Orbit refuses, or a rejected config commit. */
const refused = (http: number, meaning: string) => entry('refused', 1, http, meaning);
/** Orbit itself could not run: repository, state branch, lock, git, daemon or a bug. */
const cannotRun = (http: number, meaning: string) => entry('environment', 3, http, meaning);

export const ERROR_CODES = {
  // Configuration: diagnostics (file:line:col) and evaluation errors.
  E_CONFIG_INVALID: config('the configuration does not load; data.diagnostics lists every problem'),
  E_CONFIG_NOT_A_FILE: config(
    'a config path is a symlink, submodule, directory, device, FIFO or socket, not a regular file',
  ),
  E_CONFIG_TOO_LARGE: config('a config file over 1 MiB'),
  E_HCL_SYNTAX: config('HCL syntax error (from hcl2json)'),
  E_UNSAFE_SERVICE_NAME: config('a service name is not a safe path segment (letters, digits, ., _, -)'),
  E_NO_SHARED_DEPLOY: config(
    'environments/<env>/services/<name>/values.hcl exists but services/<name>/deploy.hcl does not',
  ),
  E_DEPENDENCY_ENVIRONMENT: config(
    "depends_on names a service of another environment (a service depends only on its own environment's)",
  ),
  E_UNKNOWN_BLOCK: config('a block Orbit does not know'),
  E_UNKNOWN_ATTRIBUTE: config('an attribute Orbit does not know'),
  E_MISSING_PARAM: config(
    "a step lacks a parameter its agent requires (a docker step's image, an http step's url)",
  ),
  E_BAD_IN_DOUBT: config('in_doubt is not "reverse" or "skip"'),
  E_BLOCK_LABEL: config('wrong labels on a block (e.g. a labelled step)'),
  E_BAD_NAME: config('an invalid variable, step or agent name'),
  E_BAD_ATTRIBUTE: config('an attribute of the wrong shape (e.g. forward not a list of strings)'),
  E_BAD_POLICY: config('policy / default_policy is not "queue" or "supersede"'),
  E_BAD_DEPENDS_ON: config(
    'depends_on is not a list of service names in quotes (or names the service itself, or one twice)',
  ),
  E_UNKNOWN_DEPENDENCY: config('depends_on names a service the config repository does not have'),
  E_DEPENDENCY_CYCLE: config('depends_on makes a cycle: services that (through others) depend on themselves'),
  E_BAD_SETTING: config('an invalid value in settings { } of orbit.hcl'),
  E_NOT_CONSTANT: config('a reference where a constant is required'),
  E_UNKNOWN_REFERENCE: config('a reference to an unknown variable, const, scope or step'),
  E_BAD_REFERENCE: config('a malformed reference (var alone, step outputs in a const, ...)'),
  E_STEP_ORDER: config('a step uses the output of a later step, or its own outside reverse'),
  E_UNKNOWN_FUNCTION: config('a call to a function that does not exist'),
  E_FUNCTION_ARITY: config('a function called with the wrong number of arguments'),
  E_FUNCTION_ARGUMENT: config('a function argument of the wrong type or value'),
  E_DUPLICATE_STEP: config('two steps with the same name'),
  E_DUPLICATE_VARIABLE: config('two variables with the same name'),
  E_DUPLICATE_CONST: config('a const defined twice'),
  E_CONST_CYCLE: config('consts depend on each other in a cycle'),
  E_STEP_MISSING_NAME: config('a step without a name'),
  E_STEP_MISSING_AGENT: config('a step without an agent'),
  E_STEP_MISSING_FORWARD: config('a step without a forward action'),
  E_UNKNOWN_AGENT: config('a step names an agent kind nobody registered'),
  E_AGENT_MISSING_IMAGE: config('an agent block in orbit.hcl without an image'),
  E_UNKNOWN_VARIABLE: config('values.hcl assigns an undeclared variable'),
  E_MISSING_VALUE: config('a variable with no value and no default'),
  E_VALUE_NOT_ALLOWED: config('a value outside the variable\'s "allowed" list'),
  E_VAR_TYPE: config('a value of the wrong type for its variable'),
  E_BAD_DURATION: config('a timeout that is not a duration'),
  E_EVAL_TYPE: config('an expression applied to a value of the wrong type'),
  E_EVAL_NULL: config('an expression indexes or iterates over null'),
  E_EVAL_INDEX: config('an index or key that is not there'),
  E_EVAL_DIVIDE_BY_ZERO: config('division or modulo by zero'),
  E_EVAL_NUMBER: config('a number Orbit cannot hold exactly (an integer past 2^53, or beyond float64)'),
  E_EVAL_DUPLICATE_KEY: config('an object expression with the same key twice'),
  E_EVAL_LIMIT: config('an expression over the evaluation limits (string length, nesting depth)'),
  E_EVAL_UNSUPPORTED: config('an operator Orbit does not support'),
  E_MISSING_OUTPUT: config('a step output that the earlier step did not write (run time)'),
  E_SENSITIVE_IN_CHECK: config('a check uses a sensitive value (its probe is logged and recorded)'),
  E_BAD_CHECK: config('a check block with a missing or malformed attribute (type, url, command, ...)'),
  E_DUPLICATE_CHECK: config('two check blocks of a deployment with the same name'),
  E_CHECK_UNKNOWN_STEP: config('a check `after` a step the deployment does not have'),
  E_BAD_PROMQL: config(
    "a prometheus check's query that is not PromQL (as far as Orbit's syntax check can tell)",
  ),
  E_BAD_CRON: config("a schedule's allow or deny entry that is not a cron expression or date range"),
  E_BAD_TIMEZONE: config("a schedule's timezone that is not an IANA time zone name"),
  E_BAD_SCHEDULE: config('a malformed schedule block (allow/deny not a list of strings, two of them)'),
  E_NO_SERVICES: config('the repository has no `services/<name>/deploy.hcl`'),
  E_NOTIFY_TARGET: config('a notify block with a bad type, url, command, events or services'),
  E_DUPLICATE_NOTIFY: config('two notify blocks with the same name in one file'),

  // Step errors recorded in the log; the deployment fails.
  E_STEP_FAILED: step('the action exited with a non-zero status'),
  E_INTERRUPTED: step('Orbit stopped while the step was running; its outcome is unknown'),
  E_RENDER: step('the step could not be rendered from its config'),
  E_AGENT_ERROR: step('the agent threw instead of returning a result'),
  E_AGENT_TIMEOUT: step('the action ran longer than its timeout and was stopped'),
  E_AGENT_ABORTED: step('stopped because Orbit shut down hard or the deployment was cancelled'),
  E_AGENT_START: step('the command could not be started (not found, not executable, bad workdir)'),
  E_AGENT_LOST: step(
    "the spawn helper that ran a step's process died before it: the outcome is unknown, its process tree was stopped",
  ),
  E_AGENT_PARAMS: step("a step's agent parameter is missing or of the wrong type"),
  E_DOCKER_UNREACHABLE: step('no Docker engine answers at the configured socket / DOCKER_HOST'),
  E_IMAGE_MISSING: step('the image is not present and pull = "never" (or a swarm node lacks it)'),
  E_IMAGE_PULL: step('pulling the image failed'),
  E_DOCKER_ERROR: step('the Docker engine refused (its message is kept): bad mount, image name, ...'),
  E_HTTP_STATUS: step("the http agent's answer has a status that is not an expected one"),
  E_HTTP_REQUEST: step('the http request failed (connection refused, DNS, TLS)'),
  E_ACK_TIMEOUT: step('no approval arrived before the ack step timed out'),
  E_CHECK_FAILED: step(
    'a check failed while the deployment was verifying: it was unwound (reason verification-failed)',
  ),
  E_PAUSE_PARAMS: step('a pause step with neither a duration nor until = "ack", or both'),
  E_ACK_PARAMS: step('the ack step\'s "approvers", "approvals" or "allow_self_approval" is malformed'),

  // Usage: a malformed command or request, or a name that does not exist (exit 2).
  E_USAGE: usage(400, 'a malformed command line or request (e.g. a bad preview range)'),
  E_BAD_FLAG: usage(400, 'a flag with a malformed value (--var, --limit, --format)'),
  E_UNKNOWN_SERVICE: usage(404, 'no such service in the log or in the config'),
  E_UNKNOWN_ENVIRONMENT: usage(404, 'no such environment (no environments/<env>/services/ on the branch)'),
  E_UNKNOWN_DEPLOYMENT: usage(404, 'no such deployment in the log'),
  E_UNKNOWN_REF: usage(400, 'no such git revision'),
  E_UNKNOWN_BRANCH: usage(404, 'the config branch does not exist (locally or on the remote)'),
  E_DAEMON_CONFIG: usage(500, 'invalid daemon settings (flags, ORBIT_* variables, config file)'),
  E_TOKENS_FILE: usage(500, 'the tokens file is unreadable or malformed (file:line)'),
  E_BAD_REQUEST: usage(400, 'malformed JSON, a schema violation or a bad query'),
  E_NOT_FOUND: usage(404, 'no such API route'),
  E_PAYLOAD_TOO_LARGE: usage(413, 'the request body is over --body-limit'),
  E_UNSUPPORTED_MEDIA_TYPE: usage(415, 'the request body is not JSON'),

  // Refused: well-formed, but Orbit will not do it (exit 1).
  E_SECRET_UNAVAILABLE: refused(
    409,
    'an unwind is blocked: a recorded reverse action needs a sensitive variable that is not set now (data.variable)',
  ),
  E_IN_DOUBT_NEEDS_OUTPUTS: refused(
    409,
    'an unwind is blocked: a step in doubt has a reverse that needs outputs that were never recorded',
  ),
  E_NOT_CURRENT: refused(409, 'only the current deployment can be unwound'),
  E_HAS_DEPENDENTS: refused(
    409,
    'services that depend on it were deployed after its current deployment: unwind with --with-dependents (data.dependents)',
  ),
  E_DEPENDENCY_FAILED: refused(
    409,
    'recorded on a skipped deployment: a service it depends on failed in the same batch, so it was not started',
  ),
  E_NOTHING_TO_UNWIND: refused(409, 'the service has no current deployment to unwind'),
  E_NOTHING_TO_REDEPLOY: refused(409, 'the service has no unwound deployment to redeploy'),
  E_SERVICE_HELD: refused(
    409,
    'the service is on hold (an unwind or a failed deployment): sync needs --release',
  ),
  E_NEEDS_A_PERSON: refused(
    409,
    "the service's unwind failed or is blocked: a person acts first (orbit status says what to run)",
  ),
  E_PROMOTE_NOT_HEALTHY: refused(
    409,
    "orbit promote: the source environment's current deployment is not healthy (failed, in flight, waiting)",
  ),
  E_NOTHING_TO_PROMOTE: refused(409, 'orbit promote: the source environment has no current deployment'),
  E_BRANCH_EXISTS: refused(409, 'the branch orbit promote would create exists already'),
  E_NOTHING_TO_ACK: refused(409, 'the deployment has no step waiting for approval here'),
  E_NOTHING_WAITING: refused(409, 'the service has no deployment waiting for its schedule window'),
  E_NOT_APPROVER: refused(403, "the author is not one of the step's approvers"),
  E_SELF_APPROVAL: refused(
    403,
    'the approver caused the deployment (its author or signer); allow_self_approval is off',
  ),
  E_ALREADY_APPROVED: refused(409, 'this identity has already approved the waiting step'),
  E_FORBIDDEN: refused(
    403,
    'the authenticated identity lacks the role the route needs (named in the message)',
  ),
  E_UNSIGNED_COMMIT: refused(
    422,
    'require_signed_commits: the config commit is not signed by an allowed signer',
  ),
  E_CONFIG_REWRITTEN: refused(409, 'the config branch no longer contains a commit Orbit processed'),
  E_GITHUB_SETUP: usage(
    400,
    '`orbit preview --post` without a GitHub repository, pull request number or credentials',
  ),
  E_BAD_SIGNATURE: refused(401, 'a webhook without a valid X-Hub-Signature-256 (or no secret set)'),

  // Orbit could not run (exit 3).
  E_INTERNAL: cannotRun(500, 'an unexpected error (a bug); details in the log, not the response'),
  E_UNAUTHORIZED: cannotRun(
    401,
    'missing, wrong or expired API token (or OIDC token), or the daemon has no identities configured',
  ),
  E_SHUTTING_DOWN: cannotRun(503, 'Orbit is shutting down; the request was not run'),
  E_DASHBOARD_NOT_BUILT: cannotRun(
    503,
    "the dashboard's assets are missing from dist/web/: run `npm run build`",
  ),
  E_DAEMON_UNREACHABLE: cannotRun(502, 'a daemon holds the repository but does not answer'),
  E_DAEMON_ERROR: cannotRun(502, "the daemon answered with an error that is not Orbit's JSON"),
  E_LISTEN: cannotRun(500, 'the daemon cannot listen on --listen'),
  E_FETCH_FAILED: cannotRun(500, 'fetching the remote config repository failed'),
  E_GIT: cannotRun(500, 'git exited non-zero, could not start, or timed out (data: command, status, stderr)'),
  E_GIT_MISSING_OBJECT: cannotRun(500, 'a commit or tree that git listed is missing from the object store'),
  E_GIT_BAD_OBJECT: cannotRun(500, 'a commit object without a tree, or a malformed tree object'),
  E_GIT_CLOSED: cannotRun(503, 'the git batch reader was closed while reads were pending'),
  E_AGENT_CONFLICT: cannotRun(500, 'two agents registered with the same kind'),
  E_NO_SUCH_STEP: cannotRun(500, 'a step index out of range (renderStep)'),
  E_STATE_LOCKED: cannotRun(500, 'another process holds the state writer lock (data.holder)'),
  E_STATE_REWRITTEN: cannotRun(500, 'the state branch was rewritten or deleted after Orbit wrote it'),
  E_STATE_FOREIGN: cannotRun(
    500,
    'the state branch holds a commit Orbit did not write, or one not signed by an allowed signer (data.commit)',
  ),
  E_STATE_MOVED: cannotRun(500, 'the state branch moved under this writer between appends'),
  E_STATE_REF_LOCKED: cannotRun(500, '`<ref>.lock` held by another git process for over a second'),
  E_STATE_READONLY: cannotRun(500, 'an append on a read-only state log'),
  E_STATE_CLOSED: cannotRun(503, 'the state log is closed'),
  E_STATE_LOCK_LOST: cannotRun(500, 'the writer lock was compromised (removed or not refreshed)'),
  E_STATE_BAD_ENTRY: cannotRun(500, 'an entry Orbit will not write: unknown kind, unsafe id, ...'),
  E_STATE_BAD_BRANCH: cannotRun(500, 'an invalid state branch name'),
  E_STATE_SIGNING_KEY: usage(
    500,
    'the state signing key cannot be read, or is not an unencrypted ed25519 key',
  ),
  E_STATE_SIGNERS: usage(
    500,
    "the allowed signers file is unreadable or malformed, the writer's key is not in it, or a bad --state-signed-since",
  ),
  E_STATE_DISK_FULL: cannotRun(
    507,
    'less free space than the reserve for the state log, or ENOSPC/EDQUOT while appending: nothing more runs',
  ),
  E_STATE_NOT_WRITABLE: cannotRun(
    503,
    'the state repository cannot be written (EROFS/EACCES/EPERM): nothing more runs',
  ),
  E_ORPHAN_ALIVE: cannotRun(
    500,
    'a process left by a crash survives SIGKILL; nothing is reversed while it runs',
  ),
  E_STATE_FORMAT: cannotRun(500, 'a view or entry written in a newer state format than this Orbit reads'),
  E_STATE_NOT_A_REPO: cannotRun(500, 'the repository is missing or not a git repository'),
  E_STATE_CORRUPT: cannotRun(500, 'an object the state branch refers to cannot be read'),
  E_STATE_GIT: cannotRun(500, 'the git CLI failed on the state branch'),
  E_STATE_PUSH_REJECTED: cannotRun(500, 'the state push was rejected (the remote diverged); never forced'),
  E_NOTIFY_UNDELIVERED: cannotRun(
    502,
    'a notification was given up: the receiver refused it (4xx) or kept failing through its retries',
  ),
  E_GITHUB_REQUEST: cannotRun(502, 'the GitHub API refused or failed a request (data.status)'),
  E_STATE_PUSH_FAILED: cannotRun(500, 'the state push failed after its retries'),
} as const satisfies Record<`E_${string}`, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
