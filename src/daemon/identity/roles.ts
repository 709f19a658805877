/**
 * Who may do what through the API. An identity holds grants: a role, optionally limited to the
 * services a glob matches. `admin` covers every role; every role covers `viewer` (whoever may act
 * on a service may read it).
 */
import picomatch from 'picomatch';

export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

export interface Grant {
  role: Role;
  /** A glob over service names (`web-*`); null: every service. */
  services: string | null;
}

export interface Identity {
  /** What entries record as the author: the token's name, or the OIDC claim's value. */
  name: string;
  /** How it was verified, as the state log's `verified_by` says it: `token alice`, `oidc <iss> <sub>`. */
  verifiedBy: string;
  grants: Grant[];
  /** OIDC groups (for `approvers = [...]`); empty for tokens. */
  groups: string[];
  /** The deprecated single `--token-file`/ORBIT_TOKEN: the body's `author` is still taken as said. */
  legacy?: boolean;
}

const covers = (held: Role, wanted: Role): boolean =>
  held === 'admin' || held === wanted || wanted === 'viewer';

const matcher = new Map<string, (s: string) => boolean>();
function matches(glob: string, service: string): boolean {
  let m = matcher.get(glob);
  if (!m) matcher.set(glob, (m = picomatch(glob, { dot: true })));
  return m(service);
}

/**
 * Whether the identity holds `role` for `service`; with service null, for at least one service
 * (a list route: what it shows is then filtered per service).
 */
export function allows(identity: Identity, role: Role, service: string | null): boolean {
  return identity.grants.some(
    (g) => covers(g.role, role) && (g.services === null || service === null || matches(g.services, service)),
  );
}
