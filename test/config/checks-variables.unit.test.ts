/** Check probes that use the deployment's variables and orbit.*, never a sensitive value. */
import { describe, expect, it } from 'vitest';
import { loadServiceFromSources } from '../../src/config/load.js';
import { renderChecks, resolveVariables } from '../../src/config/render.js';
import { CTX, brief, diagnosticsOf } from './helpers.js';

const STEPS = `variable "port" {
  type    = number
  default = 8080
}
variable "dir" {
  type    = string
  default = "/srv/db"
}
variable "password" {
  type      = string
  sensitive = true
  default   = "hunter2-hunter2"
}
step {
  name    = "migrate"
  agent   = "exec"
  forward = ["true"]
}
`;

const load = (checks: string) => loadServiceFromSources({ deploy: `${STEPS}${checks}` }, 'waffle');

describe('checks with variables', () => {
  it('renders a URL, a command, env and workdir from var.* and orbit.* with the deployment', async () => {
    const spec = await load(`check "up" {
  type  = "http"
  url   = "http://127.0.0.1:\${var.port}/healthz?d=\${orbit.deployment_id}"
  after = "migrate"
}
check "verify" {
  type    = "exec"
  command = ["sqitch", "verify", "--target", "db:pg://\${orbit.service}"]
  workdir = var.dir
  env     = { PGPORT = "\${var.port}" }
}
`);
    const vars = resolveVariables(spec, { port: '9090' });
    const [up, verify] = renderChecks(spec, vars, CTX);
    expect(up!.probe).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:9090/healthz?d=waffle-7',
      expectStatus: 200,
      bodyMatch: null,
    });
    expect(verify!.probe).toEqual({
      kind: 'exec',
      command: ['sqitch', 'verify', '--target', 'db:pg://waffle'],
      workdir: '/srv/db',
      env: { PGPORT: '9090' },
    });
  });

  it('refuses a sensitive variable in a check at its position, when loading', async () => {
    const ds = await diagnosticsOf(() =>
      load(`check "verify" {
  type    = "exec"
  command = ["psql", "-c", "select 1"]
  env     = { PGPASSWORD = var.password }
}
`),
    );
    expect(brief(ds)).toEqual(['E_SENSITIVE_IN_CHECK@22:28']);
    expect(ds[0]!.message).toContain('sensitive variable "password"');
    expect(ds[0]!.message).not.toContain('hunter2');
  });

  it('refuses a variable that is sensitive on the base branch when the check is rendered', async () => {
    const spec = await load(`check "up" {
  type = "http"
  url  = "http://127.0.0.1:\${var.port}/"
}
`);
    const vars = resolveVariables(spec, {}, {}, { sensitive: ['port'] });
    const ds = await diagnosticsOf(() => renderChecks(spec, vars, CTX));
    expect(brief(ds)).toEqual(['E_SENSITIVE_IN_CHECK@21:11']);
  });

  it('a rendered value is validated like a constant, at the attribute', async () => {
    const spec = await load(`check "up" {
  type = "http"
  url  = "ftp://127.0.0.1:\${var.port}/"
}
`);
    const ds = await diagnosticsOf(() => renderChecks(spec, resolveVariables(spec), CTX));
    expect(brief(ds)).toEqual(['E_BAD_CHECK@21:11']);
  });

  it('only var.* and orbit.*: a check cannot read a step output or previous', async () => {
    const ds = await diagnosticsOf(() =>
      load(`check "up" {
  type = "http"
  url  = "http://\${step.migrate.host}/"
}
`),
    );
    expect(ds.map((d) => d.code)).toEqual(['E_NOT_CONSTANT']);
  });
});
