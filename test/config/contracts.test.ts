/** Config-level holes closed by the contracts: settings typos, agent-block params. */
import { describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { brief, diagnosticsOf } from './helpers.js';

const deploy = 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\n';

describe('config checks from the contracts', () => {
  it('rejects a settings attribute that looks like a typo of a known one, keeps the others', async () => {
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources({ orbit: 'settings {\n  max_paralel = 4\n}\n', deploy }, 'svc'),
    );
    expect(brief(ds)).toEqual(['E_UNKNOWN_ATTRIBUTE@2:3']);
    expect(ds[0]?.message).toContain('did you mean "max_parallel"?');
    const spec = await loadServiceFromSources({ orbit: 'settings {\n  region = "eu"\n}\n', deploy }, 'svc');
    expect(spec.settings.raw).toEqual({ region: 'eu' });
  });

  it('checks the defaults of an agent block against the container params', async () => {
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources(
        { orbit: 'agent "cap" {\n  image = "cap:1"\n  pull = "sometimes"\n}\n', deploy },
        'svc',
      ),
    );
    expect(brief(ds)).toEqual(['E_BAD_ATTRIBUTE@3:3']);
  });
});
