/** JSON schemas shared by the API's routes. */
/** `@` joins a service and its environment (`api@prod`, `api@prod-3`). */
export const NAME = '^[A-Za-z0-9][A-Za-z0-9_.@-]*$';

export const authorBody = (required: boolean) => ({
  type: 'object',
  additionalProperties: false,
  required: required ? ['author'] : [],
  properties: {
    author: { type: 'string', minLength: 1, maxLength: 200 },
    deployment: { type: 'string', pattern: NAME, maxLength: 200 },
  },
});

/** `orbit deploy SERVICE --override-window --reason TEXT` through the daemon. */
export const overrideBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason', 'override_window'],
  properties: {
    author: { type: 'string', minLength: 1, maxLength: 200 },
    reason: { type: 'string', minLength: 1, maxLength: 1000 },
    override_window: { const: true },
  },
};

export const serviceParams = {
  type: 'object',
  properties: { service: { type: 'string', pattern: NAME, maxLength: 200 } },
};

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: NAME, maxLength: 200 } },
};

export type AuthorBody = { author?: string; deployment?: string };

/** An unwind: also `with_dependents` (`orbit unwind --with-dependents`). */
export const unwindBody = {
  ...authorBody(false),
  properties: { ...authorBody(false).properties, with_dependents: { type: 'boolean' } },
};

export type UnwindBody = AuthorBody & { with_dependents?: boolean };

/** `sync` and `release`: who asks, and (sync) whether to lift a hold first. */
export const syncBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    author: { type: 'string', minLength: 1, maxLength: 200 },
    release: { type: 'boolean' },
  },
};

export type SyncBody = { author?: string; release?: boolean };
