/** `orbit preview` shows a commit the engine would refuse for an agent contract as invalid. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Preview } from '../../src/engine/preview.js';
import { ConfigRepo } from '../support/config-repo.js';
import { runCli } from './cli-capture.js';

let repo: ConfigRepo;

beforeAll(() => {
  process.env.NO_COLOR = '1';
  repo = new ConfigRepo();
  repo.commit({
    'services/web/deploy.hcl': 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["true"]\n}\n',
  });
});

afterAll(() => repo.remove());

describe('orbit preview and agent contracts', () => {
  it('reports an http step whose rendered URL is not http(s) as invalid, exit 1', async () => {
    const base = repo.git('rev-parse', 'HEAD');
    const head = repo.commit({
      'services/web/deploy.hcl':
        'variable "hook" { default = "ftp://chat.example.com/x" }\nstep {\n  name = "n"\n  agent = "http"\n  forward = ["POST", var.hook]\n}\n',
    });
    const r = await runCli(['preview', `${base}..${head}`, '--repo', repo.dir, '--json']);
    expect(r.code).toBe(1);
    const job = (JSON.parse(r.stdout) as Preview).commits[0]!.jobs[0]!;
    expect(job).toMatchObject({
      action: 'invalid',
      diagnostics: [{ file: 'services/web/deploy.hcl', line: 5, column: 3, code: 'E_BAD_ATTRIBUTE' }],
    });
  });
});
