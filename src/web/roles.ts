import type { Grant, Whoami } from './types.js';

type Role = Grant['role'];

/** A grant's service glob (`web-*`) as a test; service names hold no `/`. */
const globTest = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/**
 * Whether the page offers an action: the same rule as the daemon's roles.ts (admin covers every
 * role). Only to hide buttons: the API refuses what the identity may not do anyway.
 */
export function may(me: Whoami, role: Role, service: string): boolean {
  return me.grants.some(
    (g) =>
      (g.role === 'admin' || g.role === role) && (g.services === null || globTest(g.services).test(service)),
  );
}
