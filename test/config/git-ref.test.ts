import { describe, expect, it } from 'vitest';
import { listServices, loadRepoSettings, loadService } from '../../src/config/load.js';
import { resolveVariables } from '../../src/config/render.js';
import { isOrbitError } from '../../src/util/errors.js';
import { commitAll, git, makeRepo } from './helpers.js';

const deploy =
  'variable "version" {}\nstep {\n  name = "x"\n  agent = "exec"\n  forward = ["echo", var.version]\n}\n';

describe('loading from a git ref', () => {
  it('reads blobs at the ref, not the working tree', async () => {
    const repo = await makeRepo({
      'services/waffle/deploy.hcl': deploy,
      'services/waffle/values.hcl': 'version = "1"\n',
    });
    await git(repo, 'init', '-q', '-b', 'main');
    const first = await commitAll(repo, 'v1');
    await makeRepo(
      {
        'services/waffle/values.hcl': 'version = "2"\n',
        'services/pancake/deploy.hcl': deploy,
        'orbit.hcl': 'settings {\n  max_parallel = 2\n}\n',
      },
      repo,
    );
    await commitAll(repo, 'v2');
    await git(repo, 'branch', 'old', first);
    await makeRepo({ 'services/waffle/values.hcl': 'version = "3 (uncommitted)"\n' }, repo);

    const at = async (ref?: string) =>
      resolveVariables(await loadService(repo, 'waffle', ref ? { ref } : {})).values.version;
    expect(await at()).toBe('3 (uncommitted)');
    expect(await at('HEAD')).toBe('2');
    expect(await at('old')).toBe('1');
    expect(await at(first)).toBe('1');
    expect(await listServices(repo, 'old')).toEqual(['waffle']);
    expect(await listServices(repo, 'main')).toEqual(['pancake', 'waffle']);
    expect((await loadRepoSettings(repo, 'main')).maxParallel).toBe(2);
    expect((await loadRepoSettings(repo, 'old')).maxParallel).toBeNull();
    await expect(loadService(repo, 'pancake', { ref: 'old' })).rejects.toSatisfy((e: unknown) =>
      isOrbitError(e, 'E_UNKNOWN_SERVICE'),
    );
    await expect(loadService(repo, 'waffle', { ref: 'no-such-branch' })).rejects.toSatisfy((e: unknown) =>
      isOrbitError(e, 'E_UNKNOWN_REF'),
    );
  });
});
