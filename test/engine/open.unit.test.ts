import { describe, expect, it } from 'vitest';
import { dockerInstance } from '../../src/engine/open.js';

describe('dockerInstance', () => {
  it('is one label per state branch of one repository', () => {
    const a = dockerInstance({ repoDir: '/srv/config' });
    expect(a).toMatch(/^orbit-[0-9a-f]{12}$/);
    expect(dockerInstance({ repoDir: '/srv/config/' })).toBe(a);
    expect(dockerInstance({ repoDir: '/srv/config', stateBranch: 'orbit/state' })).toBe(a);
    expect(dockerInstance({ repoDir: '/srv/other' })).not.toBe(a);
    expect(dockerInstance({ repoDir: '/srv/config', stateBranch: 'orbit/staging' })).not.toBe(a);
    expect(dockerInstance({ repoDir: '/srv/config', stateDir: '/srv/state' })).not.toBe(a);
  });
});
