import { describe, expect, it } from 'vitest';
import { dependencyScope } from '../../src/config/dependency-scope.js';

const at = (name: string, column = 16) => ({ name, file: 'services/api/deploy.hcl', line: 3, column });

describe('a dependency stays in its environment', () => {
  it('resolves unqualified names to the own environment, and accepts it spelled out', () => {
    const r = dependencyScope('api@prod', [at('db'), at('cache@prod', 22)]);
    expect(r.diagnostics).toEqual([]);
    expect(r.resolved).toEqual(['db@prod', 'cache@prod']);
  });

  it('a service in no environment depends on plain names', () => {
    expect(dependencyScope('api', [at('db')])).toEqual({ resolved: ['db'], diagnostics: [] });
  });

  it('a dependency on another environment is an error at its position', () => {
    const r = dependencyScope('api@prod', [at('db'), at('db@staging', 22)]);
    expect(r.resolved).toEqual(['db@prod', null]);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        file: 'services/api/deploy.hcl',
        line: 3,
        column: 22,
        code: 'E_DEPENDENCY_ENVIRONMENT',
      }),
    ]);
    expect(r.diagnostics[0]!.message).toContain('"db@staging"');
    expect(r.diagnostics[0]!.message).toContain('write "db"');
  });

  it('a service in no environment cannot reach into one', () => {
    const r = dependencyScope('api', [at('db@prod')]);
    expect(r.resolved).toEqual([null]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E_DEPENDENCY_ENVIRONMENT']);
  });
});
