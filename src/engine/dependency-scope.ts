/**
 * What `dependency.<service>.*` reads: the dependency's current deployment when the dependent
 * starts (its values and step outputs, as recorded). A sensitive value of the dependency is not in
 * its record: it is resolved again from the dependency's config commit, like an unwind's secrets,
 * and joins the dependent's secrets under a name of its own (`dependency_db_pw`), so it is masked
 * wherever the dependent records or prints it, and put back when the dependent's reverse replays.
 */
import type { DependencyScope } from '../config/types.js';
import type { DeploymentRecord } from '../state/types.js';
import { marker, unmaskDeep, type Secret } from '../util/secrets.js';

/** The name a dependency's secret is known by in the dependent (an identifier: markers need one). */
export const dependencySecretName = (service: string, name: string): string =>
  `dependency_${service.replace(/[^A-Za-z0-9_]/g, '_')}_${name}`;

/** The dependency's secrets under the dependent's names. */
export function renamedSecrets(service: string, secrets: readonly Secret[]): Secret[] {
  return secrets
    .filter((s) => !s.derived)
    .map((s) => ({ ...s, name: dependencySecretName(service, s.name) }));
}

/** The scope of one dependency (null record: nothing is deployed), and the secrets it brings. */
export function dependencyScope(
  service: string,
  record: DeploymentRecord | null,
  secrets: readonly Secret[],
): { scope: DependencyScope; secrets: Secret[] } {
  if (!record) return { scope: { id: null, var: {}, step: {} }, secrets: [] };
  const own = secrets.filter((s) => !s.derived);
  const vars: Record<string, unknown> = { ...(record.values ?? {}) };
  const sensitive: Record<string, string> = {};
  for (const s of own) {
    if (vars[s.name] !== marker(s.name) || sensitive[s.name]) continue;
    vars[s.name] = s.raw ?? s.value;
    sensitive[s.name] = dependencySecretName(service, s.name);
  }
  const step: DependencyScope['step'] = {};
  // Outputs were masked with the dependency's secrets: their text is put back, and masked again
  // under the dependent's names wherever the dependent records it.
  for (const st of record.steps) step[st.step_name] = { output: unmaskDeep({ ...st.outputs }, own) };
  return {
    scope: { id: record.deploy_id, var: vars, step, ...(Object.keys(sensitive).length ? { sensitive } : {}) },
    secrets: renamedSecrets(service, own),
  };
}
