/**
 * `depends_on = ["db", "api"]`, a top-level attribute of deploy.hcl: the services this one is
 * deployed after (and unwound before). Read here with the position of each name, so a check that
 * needs the whole repository (unknown services, cycles: src/engine/dependency-order.ts) can point
 * at the name.
 */
import type { Diagnostic } from '../util/errors.js';
import { literalString } from './constant.js';
import type { ParsedAttribute } from './hcl/parse.js';
import { dependencyScope } from './dependency-scope.js';
import { serviceIdProblem } from '../util/service-name.js';
import type { DependencySpec } from './types.js';

export function readDependsOn(attr: ParsedAttribute, service: string, out: Diagnostic[]): DependencySpec[] {
  const bad = (loc: DependencySpec['location'], message: string) =>
    out.push({ ...loc, code: 'E_BAD_DEPENDS_ON', message });
  if (attr.expr.kind !== 'tuple') {
    bad(attr.expr.loc, 'depends_on must be a list of service names, e.g. depends_on = ["db"]');
    return [];
  }
  const deps: DependencySpec[] = [];
  for (const item of attr.expr.items) {
    const name = literalString(item);
    if (name === null) {
      bad(item.loc, 'each entry of depends_on must be a service name in quotes (no references)');
      continue;
    }
    const problem = serviceIdProblem(name);
    if (problem) {
      bad(item.loc, `depends_on: service name ${JSON.stringify(name)} ${problem}`);
      continue;
    }
    // In an environment, "db" is the environment's db; another environment's is refused here.
    const scoped = dependencyScope(service, [{ name, ...item.loc }]);
    out.push(...scoped.diagnostics);
    const id = scoped.resolved[0];
    if (!id) continue;
    if (id === service) bad(item.loc, `depends_on: ${service} cannot depend on itself`);
    else if (deps.some((d) => d.service === id)) bad(item.loc, `depends_on: ${name} is listed twice`);
    else deps.push({ name, service: id, location: item.loc });
  }
  return deps;
}
