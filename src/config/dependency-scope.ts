/**
 * Pure: a service depends only on services of its own environment. In `api@prod`,
 * `depends_on = ["db"]` means `db@prod`; `"db@prod"` says the same; `"db@staging"` is an error
 * at its position, as is any `<name>@<env>` from a service in no environment. Promotion moves one
 * environment at a time, so a dependency across environments would deploy or unwind out of turn.
 * Whether the resolved names exist is the dependency check's (unknown services), not this one's.
 */
import type { Diagnostic } from '../util/errors.js';
import { parseServiceId, serviceId } from '../util/service-name.js';

export interface DependencyName {
  /** As written in depends_on. */
  name: string;
  file: string;
  line: number;
  column: number;
}

export interface DependencyScope {
  /** Each dependency's service id, in order; null where it names another environment's. */
  resolved: Array<string | null>;
  diagnostics: Diagnostic[];
}

export function dependencyScope(service: string, dependencies: readonly DependencyName[]): DependencyScope {
  const own = parseServiceId(service).environment;
  const diagnostics: Diagnostic[] = [];
  const resolved = dependencies.map((d) => {
    const { name, environment } = parseServiceId(d.name);
    if (environment === null) return serviceId(name, own);
    if (environment === own) return d.name;
    diagnostics.push({
      file: d.file,
      line: d.line,
      column: d.column,
      code: 'E_DEPENDENCY_ENVIRONMENT',
      message:
        own === null
          ? `${service} is in no environment and cannot depend on ${JSON.stringify(d.name)}, a service of environment "${environment}"`
          : `${service} depends on ${JSON.stringify(d.name)}, a service of environment "${environment}": a service depends only on services of its own environment ("${own}"); write ${JSON.stringify(name)}`,
    });
    return null;
  });
  return { resolved, diagnostics };
}
