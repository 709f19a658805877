import { describe, expect, it } from 'vitest';
import {
  isSafeServiceName,
  parseServiceId,
  serviceId,
  serviceIdProblem,
} from '../../src/util/service-name.js';
import {
  deployPath,
  serviceDefinitionPath,
  serviceFileOf,
  servicesOfFiles,
  valuesPath,
} from '../../src/util/service-files.js';

describe('service ids: <name>@<env>', () => {
  it('split one way only, and join back', () => {
    expect(parseServiceId('api@prod')).toEqual({ name: 'api', environment: 'prod' });
    expect(parseServiceId('api')).toEqual({ name: 'api', environment: null });
    expect(serviceId('api', 'prod')).toBe('api@prod');
    expect(serviceId('api', null)).toBe('api');
  });

  it.each([
    ['api@prod/../../etc', 'path traversal in the environment'],
    ['../api@prod', 'path traversal in the name'],
    ['api@..', 'a dot-dot environment'],
    ['api@', 'an empty environment'],
    ['@prod', 'an empty name'],
    ['api@pr\u001bod', 'a control character'],
    ['api@prod@eu', 'a second @'],
    ['api@-prod', 'an environment read as an option'],
    ['api@prod\n', 'a newline'],
  ])('refuses %j (%s)', (id) => {
    expect(isSafeServiceName(id)).toBe(false);
    expect(serviceIdProblem(id)).toMatch(/\w/);
  });

  it('accepts plain names as before, and names in environments', () => {
    for (const id of ['api', 'web-1', 'a.b_c', 'api@prod', 'db@eu-west.1'])
      expect(isSafeServiceName(id)).toBe(true);
  });
});

describe('the layout: which files make which service', () => {
  it('an environment service reads its values from its environment and the steps shared by its name', () => {
    expect(deployPath('api@prod')).toBe('services/api/deploy.hcl');
    expect(valuesPath('api@prod')).toBe('environments/prod/services/api/values.hcl');
    expect(serviceDefinitionPath('api@prod')).toBe('environments/prod/services/api/values.hcl');
    expect(deployPath('api')).toBe('services/api/deploy.hcl');
    expect(valuesPath('api')).toBe('services/api/values.hcl');
  });

  it('maps paths back to services', () => {
    expect(serviceFileOf('environments/prod/services/api/values.hcl')).toEqual({
      kind: 'values',
      service: 'api@prod',
    });
    expect(serviceFileOf('./services/api/deploy.hcl')).toEqual({ kind: 'deploy', name: 'api' });
    expect(serviceFileOf('services/api/values.hcl')).toEqual({ kind: 'values', service: 'api' });
    expect(serviceFileOf('environments/prod/services/api/deploy.hcl')).toBeNull();
    expect(serviceFileOf('environments/prod/values.hcl')).toBeNull();
    expect(serviceFileOf('services/api/README.md')).toBeNull();
    // A directory whose name would read as <name>@<env> is no service's.
    expect(serviceFileOf('services/api@prod/deploy.hcl')).toBeNull();
  });

  it('a name some environment holds is deployed only per environment; a repo without environments/ lists as before', () => {
    expect(
      servicesOfFiles(['services/web/deploy.hcl', 'services/db/deploy.hcl', 'services/db/values.hcl']),
    ).toEqual(['db', 'web']);
    expect(
      servicesOfFiles([
        'services/api/deploy.hcl',
        'services/dns/deploy.hcl',
        'environments/prod/services/api/values.hcl',
        'environments/staging/services/api/values.hcl',
        // values with no shared steps: listed, so loading it reports what is missing
        'environments/prod/services/lonely/values.hcl',
      ]),
    ).toEqual(['api@prod', 'api@staging', 'dns', 'lonely@prod']);
  });
});
