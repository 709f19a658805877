import { describe, expect, it } from 'vitest';
import { listServices, loadService, loadServiceFromSources } from '../../src/config/load.js';
import { renderPlan, renderStep, resolveVariables } from '../../src/config/render.js';
import { isOrbitError } from '../../src/util/errors.js';
import { CTX, brief, diagnosticsOf, makeRepo } from './helpers.js';

const DEPLOY = `variable "version" { description = "version to deploy" }
variable "env" {
  default = "staging"
  allowed = ["staging", "prod"]
}
variable "db_password" { sensitive = true }

const {
  image = "registry.example.com/waffle:\${var.version}"
  info  = "[waffle \${var.version} \${var.env}]"
}

step {
  name    = "migrate"
  agent   = "docker"
  image   = const.image
  forward = ["goose", "up"]
  reverse = ["goose", "down"]
  timeout = "5m"
}
step {
  name    = "deploy"
  agent   = "docker"
  image   = "deployer:1.7"
  forward = ["cap", var.env, "deploy", "VERSION=\${var.version}"]
  reverse = ["cap", var.env, "deploy", "VERSION=\${previous.var.version}"]
  env     = { DB_PASSWORD = var.db_password, INFO = const.info }
}
`;

describe('loadServiceFromSources', () => {
  it('renders the design example exactly', async () => {
    const spec = await loadServiceFromSources({ deploy: DEPLOY, values: 'version = "1.4.2"\n' }, 'waffle');
    expect(spec.policy).toBe('queue');
    expect(spec.steps.map((s) => [s.name, s.agent])).toEqual([
      ['migrate', 'docker'],
      ['deploy', 'docker'],
    ]);
    expect(spec.values).toEqual({ version: '1.4.2' });
    const vars = resolveVariables(spec, {}, { ORBIT_VAR_db_password: 'pw' });
    expect(renderStep(spec, 0, vars, CTX)).toEqual({
      name: 'migrate',
      index: 0,
      agent: 'docker',
      forward: ['goose', 'up'],
      reverse: ['goose', 'down'],
      env: {},
      timeoutMs: 300_000,
      params: { image: 'registry.example.com/waffle:1.4.2' },
    });
    const ctx = { ...CTX, previous: { id: 'waffle-6', var: { version: '1.4.1' } } };
    expect(renderStep(spec, 1, vars, ctx)).toEqual({
      name: 'deploy',
      index: 1,
      agent: 'docker',
      forward: ['cap', 'staging', 'deploy', 'VERSION=1.4.2'],
      reverse: ['cap', 'staging', 'deploy', 'VERSION=1.4.1'],
      env: { DB_PASSWORD: 'pw', INFO: '[waffle 1.4.2 staging]' },
      timeoutMs: 600_000,
      params: { image: 'deployer:1.7' },
    });
    // No previous deployment: previous.var.* is null, which interpolates as "".
    expect(renderStep(spec, 1, vars, CTX).reverse).toEqual(['cap', 'staging', 'deploy', 'VERSION=']);
  });

  it('keeps step order whatever the names', async () => {
    const names = ['zeta', 'alpha', 'mid', 'b', 'a-1', 'aa'];
    const deploy = names
      .map((n) => `step {\n  name = "${n}"\n  agent = "exec"\n  forward = ["echo", "${n}"]\n}\n`)
      .join('');
    const spec = await loadServiceFromSources({ deploy }, 'svc');
    expect(spec.steps.map((s) => s.name)).toEqual(names);
    const plan = renderPlan(spec, resolveVariables(spec), CTX);
    expect(plan.map((s) => s.forward[1])).toEqual(names);
    expect(plan.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reports HCL syntax errors with line and column', async () => {
    const ds = await diagnosticsOf(() => loadServiceFromSources({ deploy: 'step {\n  name = \n}\n' }, 'svc'));
    expect(brief(ds)).toEqual(['E_HCL_SYNTAX@2:10']);
    expect(ds[0]!.file).toBe('services/svc/deploy.hcl');
  });

  it('reports syntax errors of values.hcl and orbit.hcl in their own files', async () => {
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources(
        {
          deploy: 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\n',
          values: 'a = "x\n',
          orbit: 'x {',
        },
        'svc',
      ),
    );
    expect([...new Set(ds.map((d) => `${d.file} ${d.code}`))]).toEqual([
      'orbit.hcl E_HCL_SYNTAX',
      'services/svc/values.hcl E_HCL_SYNTAX',
    ]);
    expect(ds[0]).toMatchObject({ line: 1, column: 3 });
  });

  const cases: Array<[string, string, string[]]> = [
    [
      'unknown variable',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = [var.nope]\n}\n',
      ['E_UNKNOWN_REFERENCE@4:14'],
    ],
    [
      'unknown scope',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x", local.y]\n}\n',
      ['E_UNKNOWN_REFERENCE@4:19'],
    ],
    [
      'unknown function',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = [shout("x")]\n}\n',
      ['E_UNKNOWN_FUNCTION@4:14'],
    ],
    [
      'wrong arity',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = [upper()]\n}\n',
      ['E_FUNCTION_ARITY@4:14'],
    ],
    [
      'duplicate step',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\nstep {\n  name = "a"\n  agent = "exec"\n  forward = ["y"]\n}\n',
      ['E_DUPLICATE_STEP@7:3'],
    ],
    ['missing agent', 'step {\n  name = "a"\n  forward = ["x"]\n}\n', ['E_STEP_MISSING_AGENT@1:1']],
    ['missing forward', 'step {\n  name = "a"\n  agent = "exec"\n}\n', ['E_STEP_MISSING_FORWARD@1:1']],
    ['missing name', 'step {\n  agent = "exec"\n  forward = ["x"]\n}\n', ['E_STEP_MISSING_NAME@1:1']],
    [
      'unknown agent',
      'step {\n  name = "a"\n  agent = "kubectl"\n  forward = ["x"]\n}\n',
      ['E_UNKNOWN_AGENT@3:3'],
    ],
    [
      'labelled step',
      'step "a" {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\n',
      ['E_BLOCK_LABEL@1:1'],
    ],
    ['bad policy', 'policy = "yolo"\n', ['E_BAD_POLICY@1:1']],
    ['unknown block', 'stage {\n}\n', ['E_UNKNOWN_BLOCK@1:1']],
    [
      'later step output',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = [step.b.output.x]\n}\nstep {\n  name = "b"\n  agent = "exec"\n  forward = ["y"]\n}\n',
      ['E_STEP_ORDER@4:14'],
    ],
    [
      'own output outside reverse',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n  env = { V = step.a.output.x }\n}\n',
      ['E_STEP_ORDER@5:15'],
    ],
    [
      'unknown step output',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = [step.zz.output.x]\n}\n',
      ['E_UNKNOWN_REFERENCE@4:14'],
    ],
    [
      'bad timeout',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n  timeout = "soon"\n}\n',
      ['E_BAD_DURATION@5:3'],
    ],
    [
      'bad in_doubt',
      'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n  in_doubt = "maybe"\n}\n',
      ['E_BAD_IN_DOUBT@5:3'],
    ],
    ['const cycle', 'const {\n  a = const.b\n  b = const.a\n}\n', ['E_CONST_CYCLE@2:3']],
    ['const using a step', 'const {\n  a = step.x.output.y\n}\n', ['E_BAD_REFERENCE@2:7']],
    ['duplicate variable', 'variable "a" {}\nvariable "a" {}\n', ['E_DUPLICATE_VARIABLE@2:1']],
    ['unknown variable attribute', 'variable "a" {\n  defualt = 1\n}\n', ['E_UNKNOWN_ATTRIBUTE@2:3']],
    [
      'non-constant default',
      'variable "a" {\n  default = var.b\n}\nvariable "b" {}\n',
      ['E_NOT_CONSTANT@2:13'],
    ],
    [
      'default outside allowed',
      'variable "a" {\n  default = "x"\n  allowed = ["y"]\n}\n',
      ['E_VALUE_NOT_ALLOWED@1:1'],
    ],
  ];
  it.each(cases)('%s', async (_name, deploy, expected) => {
    const ds = await diagnosticsOf(() => loadServiceFromSources({ deploy }, 'svc'));
    expect(brief(ds)).toEqual(expected);
  });

  it('reports every problem at once, in file order', async () => {
    const deploy =
      'step {\n  name = "a"\n  forward = [var.x, nope()]\n}\nstep {\n  name = "a"\n  agent = "exec"\n}\n';
    const ds = await diagnosticsOf(() => loadServiceFromSources({ deploy }, 'svc'));
    expect(brief(ds)).toEqual([
      'E_STEP_MISSING_AGENT@1:1',
      'E_UNKNOWN_REFERENCE@3:14',
      'E_UNKNOWN_FUNCTION@3:21',
      'E_STEP_MISSING_FORWARD@5:1',
      'E_DUPLICATE_STEP@6:3',
    ]);
  });

  it('checks values.hcl against the declared variables', async () => {
    const deploy =
      'variable "env" {\n  allowed = ["staging", "prod"]\n}\nvariable "n" {\n  type = number\n}\n';
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources({ deploy, values: 'env = "dev"\nn = "three"\nextra = 1\nv = var.env\n' }, 'svc'),
    );
    expect(brief(ds)).toEqual([
      'E_VALUE_NOT_ALLOWED@1:1',
      'E_VAR_TYPE@2:1',
      'E_UNKNOWN_VARIABLE@3:1',
      'E_UNKNOWN_VARIABLE@4:1',
    ]);
    expect(ds.every((d) => d.file === 'services/svc/values.hcl')).toBe(true);
  });

  it('rejects unsafe service names before reading anything', async () => {
    for (const name of ['../etc', 'a/b', '.hidden', '', 'a b']) {
      const ds = await diagnosticsOf(() => loadServiceFromSources({ deploy: '' }, name));
      expect(ds[0]!.code).toBe('E_UNSAFE_SERVICE_NAME');
    }
  });

  it('accepts custom agents from orbit.hcl and deploy.hcl, and reads policy and settings', async () => {
    const orbit =
      'settings {\n  default_policy = "supersede"\n  max_parallel = 3\n}\nagent "migrator" {\n  image = "migrate:1"\n  pull = "never"\n}\n';
    const deploy =
      'agent "notifier" {\n  image = "notify:2"\n}\nstep {\n  name = "m"\n  agent = "migrator"\n  forward = ["up"]\n}\nstep {\n  name = "n"\n  agent = "notifier"\n  forward = ["hi"]\n}\n';
    const spec = await loadServiceFromSources({ orbit, deploy }, 'svc');
    expect(spec.policy).toBe('supersede');
    expect(spec.settings.maxParallel).toBe(3);
    expect(spec.customAgents.migrator).toMatchObject({ image: 'migrate:1', params: { pull: 'never' } });
    expect(spec.customAgents.notifier?.image).toBe('notify:2');
    const own = await loadServiceFromSources({ orbit, deploy: `policy = "queue"\n${deploy}` }, 'svc');
    expect(own.policy).toBe('queue');
  });

  it('reads self_heal and its back-off, and refuses values of the wrong kind at file:line:col', async () => {
    const deploy = 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\n';
    const off = await loadServiceFromSources({ deploy }, 'svc');
    expect(off.settings).toMatchObject({ selfHeal: false, selfHealBackoffMs: 30_000 });
    const on = await loadServiceFromSources(
      { orbit: 'settings {\n  self_heal = true\n  self_heal_backoff = "2m"\n}\n', deploy },
      'svc',
    );
    expect(on.settings).toMatchObject({ selfHeal: true, selfHealBackoffMs: 120_000 });
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources(
        { orbit: 'settings {\n  self_heal = "yes"\n  self_heal_backoff = "soon"\n}\n', deploy },
        'svc',
      ),
    );
    expect(brief(ds)).toEqual(['E_BAD_SETTING@2:3', 'E_BAD_SETTING@3:3']);
    expect(ds[0]!.file).toBe('orbit.hcl');
  });

  it('reads require_signed_commits and allowed_signers; one without the other is an error', async () => {
    const deploy = 'step {\n  name = "a"\n  agent = "exec"\n  forward = ["x"]\n}\n';
    const orbit = 'settings {\n  require_signed_commits = true\n  allowed_signers = ".orbit/signers"\n}\n';
    const spec = await loadServiceFromSources({ orbit, deploy }, 'svc');
    expect(spec.settings).toMatchObject({ requireSignedCommits: true, allowedSigners: '.orbit/signers' });
    const alone = await diagnosticsOf(() =>
      loadServiceFromSources({ orbit: 'settings {\n  require_signed_commits = true\n}\n', deploy }, 'svc'),
    );
    expect(brief(alone)).toEqual(['E_BAD_SETTING@1:1']);
    const typo = await diagnosticsOf(() =>
      loadServiceFromSources({ orbit: 'settings {\n  require_signed_commit = true\n}\n', deploy }, 'svc'),
    );
    expect(brief(typo)).toEqual(['E_UNKNOWN_ATTRIBUTE@2:3']);
  });

  it('lets knownAgents restrict the agent kinds', async () => {
    const deploy = 'step {\n  name = "a"\n  agent = "docker"\n  forward = ["x"]\n}\n';
    const ds = await diagnosticsOf(() =>
      loadServiceFromSources({ deploy }, 'svc', { knownAgents: ['exec'] }),
    );
    expect(brief(ds)).toEqual(['E_UNKNOWN_AGENT@3:3']);
  });
});

describe('loadService from a working tree', () => {
  it('lists services and loads one, values.hcl optional', async () => {
    const repo = await makeRepo({
      'services/b/deploy.hcl': 'step {\n  name = "x"\n  agent = "exec"\n  forward = ["echo"]\n}\n',
      'services/a/deploy.hcl':
        'variable "v" {\n  default = "d"\n}\nstep {\n  name = "x"\n  agent = "exec"\n  forward = [var.v]\n}\n',
      'services/a/values.hcl': 'v = "from-values"\n',
      'services/not-a-service/README': 'nothing',
    });
    expect(await listServices(repo)).toEqual(['a', 'b']);
    const a = await loadService(repo, 'a');
    expect(resolveVariables(a).values).toEqual({ v: 'from-values' });
    expect((await loadService(repo, 'b')).values).toEqual({});
  });

  it('fails with E_UNKNOWN_SERVICE for a missing service', async () => {
    const repo = await makeRepo({ 'services/a/deploy.hcl': '' });
    await expect(loadService(repo, 'zzz')).rejects.toSatisfy((e: unknown) =>
      isOrbitError(e, 'E_UNKNOWN_SERVICE'),
    );
  });
});
