import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.js';
import { loadServiceFromSources } from '../../src/config/load.js';
import { renderPlan, renderStep, resolveVariables } from '../../src/config/render.js';
import { isOrbitError } from '../../src/util/errors.js';
import { maskDeep } from '../../src/util/secrets.js';
import { CTX, brief, diagnosticsOf } from './helpers.js';

const DEPLOY = `variable "version" {}
variable "replicas" {
  default = 2
}
variable "token" {
  sensitive = true
}
step {
  name    = "build"
  agent   = "exec"
  forward = ["build", var.version]
}
step {
  name    = "ship"
  agent   = "http"
  url     = "https://deploy.example.com/\${step.build.output.tag}"
  method  = "POST"
  headers = { Authorization = "Bearer \${var.token}" }
  body    = jsonencode({ replicas = var.replicas })
  timeout = "1h30m"
}
`;

async function spec() {
  return loadServiceFromSources({ deploy: DEPLOY, values: 'version = "1.0"\nreplicas = 3\n' }, 'svc');
}

describe('resolveVariables', () => {
  it('applies --var over env over values.hcl over default, converting types', async () => {
    const s = await spec();
    const env = { ORBIT_VAR_token: 't0k', ORBIT_VAR_version: '2.0', ORBIT_VAR_replicas: '5' };
    const r = resolveVariables(s, { version: '3.0' }, env);
    expect(r.values).toEqual({ version: '3.0', replicas: 5, token: 't0k' });
    expect(r.origins).toEqual({ version: 'override', replicas: 'env', token: 'env' });
    expect(r.secrets).toEqual([{ name: 'token', value: 't0k', raw: 't0k' }]);
    expect(resolveVariables(s, {}, { ORBIT_VAR_token: 'x' }).values).toMatchObject({
      version: '1.0',
      replicas: 3,
    });
  });

  it('reports a missing value at the variable block', async () => {
    const s = await loadServiceFromSources({ deploy: 'variable "v" {}\n' }, 'svc');
    const ds = await diagnosticsOf(() => resolveVariables(s, {}, {}));
    expect(brief(ds)).toEqual(['E_MISSING_VALUE@1:1']);
  });

  it('reports a value of the wrong type or outside allowed', async () => {
    const s = await loadServiceFromSources(
      { deploy: 'variable "n" {\n  type = number\n}\nvariable "e" {\n  allowed = ["a", "b"]\n}\n' },
      'svc',
    );
    const ds = await diagnosticsOf(() => resolveVariables(s, { n: 'many', e: 'c' }));
    expect(brief(ds)).toEqual(['E_VAR_TYPE@1:1', 'E_VALUE_NOT_ALLOWED@4:1']);
  });

  it('never quotes a sensitive value in a diagnostic, whatever its source', async () => {
    const deploy =
      'variable "pw" {\n  sensitive = true\n  allowed = ["a", "b"]\n}\nvariable "n" {\n  sensitive = true\n  type = number\n}\n';
    // In values.hcl: reported when the service loads.
    const fromFile = await diagnosticsOf(() =>
      loadServiceFromSources({ deploy, values: 'pw = "values-s3cret"\nn = "values-s3cret"\n' }, 'svc'),
    );
    expect(brief(fromFile)).toEqual(['E_VALUE_NOT_ALLOWED@1:1', 'E_VAR_TYPE@2:1']);
    expect(JSON.stringify(fromFile)).not.toMatch(/s3cret/);
    // From --var or the environment: reported when the variables resolve.
    const s = await loadServiceFromSources({ deploy }, 'svc');
    for (const [overrides, env] of [
      [{ pw: 'flag-s3cret', n: 'flag-s3cret' }, {}],
      [{}, { ORBIT_VAR_pw: 'env-s3cret', ORBIT_VAR_n: 'env-s3cret' }],
    ] as const) {
      const ds = await diagnosticsOf(() => resolveVariables(s, { ...overrides }, { ...env }));
      expect(brief(ds)).toEqual(['E_VALUE_NOT_ALLOWED@1:1', 'E_VAR_TYPE@5:1']);
      expect(JSON.stringify(ds)).not.toMatch(/s3cret/);
    }
  });

  it('masks sensitive values quoted by evaluation errors, in plans and renders', async () => {
    const s = await loadServiceFromSources(
      {
        deploy:
          'variable "pw" {\n  sensitive = true\n}\nstep {\n  name = "a"\n  agent = "exec"\n  forward = [lookup({ x = "y" }, var.pw)]\n}\n',
      },
      'svc',
    );
    const vars = resolveVariables(s, { pw: 'key-s3cret' });
    for (const render of [() => renderPlan(s, vars, CTX), () => renderStep(s, 0, vars, CTX)]) {
      const ds = await diagnosticsOf(render);
      expect(brief(ds)).toEqual(['E_EVAL_INDEX@7:14']);
      expect(ds[0]!.message).toContain('(sensitive:pw)');
      expect(JSON.stringify(ds)).not.toMatch(/s3cret/);
    }
  });

  it('rejects --var for an undeclared variable as a flag error', async () => {
    const s = await spec();
    expect(() => resolveVariables(s, { nope: '1' }, {})).toThrow(
      expect.objectContaining({ code: 'E_BAD_FLAG' }) as unknown as Error,
    );
  });
});

describe('renderStep and renderPlan', () => {
  it('renders agent-specific params, step outputs and durations', async () => {
    const s = await spec();
    const vars = resolveVariables(s, {}, { ORBIT_VAR_token: 'sekrit' });
    const ship = renderStep(s, 1, vars, { ...CTX, stepOutputs: { build: { tag: 'v9' } } });
    expect(ship).toEqual({
      name: 'ship',
      index: 1,
      agent: 'http',
      forward: [],
      reverse: null,
      env: {},
      timeoutMs: 5_400_000,
      params: {
        url: 'https://deploy.example.com/v9',
        method: 'POST',
        headers: { Authorization: 'Bearer sekrit' },
        body: '{"replicas":3}',
      },
    });
  });

  it('writes numbers in a command as cty writes them: plain decimal, exact arithmetic', async () => {
    const s = await loadServiceFromSources(
      {
        deploy:
          'step {\n  name = "a"\n  agent = "exec"\n  forward = ["echo", 1e21, 0.0000001, 0.1 + 0.2, 11 % 5.1]\n  env = { N = 2.50 }\n}\n',
      },
      'svc',
    );
    const a = renderStep(s, 0, resolveVariables(s, {}, {}), CTX);
    expect(a.forward).toEqual(['echo', '1000000000000000000000', '0.0000001', '0.3', '0.8']);
    expect(a.env).toEqual({ N: '2.5' });
  });

  it('fails with E_MISSING_OUTPUT when an earlier step did not write the output', async () => {
    const s = await spec();
    const vars = resolveVariables(s, {}, { ORBIT_VAR_token: 'x' });
    const ds = await diagnosticsOf(() => renderStep(s, 1, vars, { ...CTX, stepOutputs: { build: {} } }));
    expect(brief(ds)).toEqual(['E_MISSING_OUTPUT@16:43']);
  });

  it('shows unknown outputs as placeholders in a plan, and masks secrets with maskDeep', async () => {
    const s = await spec();
    const vars = resolveVariables(s, {}, { ORBIT_VAR_token: 'sekrit' });
    const plan = maskDeep(renderPlan(s, vars, CTX), vars.secrets);
    expect(plan[1]!.params.url).toBe('https://deploy.example.com/(output of step build: tag)');
    expect(JSON.stringify(plan)).not.toContain('sekrit');
    expect(plan[1]!.params.headers).toEqual({ Authorization: 'Bearer (sensitive:token)' });
  });

  it('reports a forward that is not a list of strings', async () => {
    const s = await loadServiceFromSources(
      { deploy: 'step {\n  name = "a"\n  agent = "exec"\n  forward = "echo hi"\n}\n' },
      'svc',
    );
    const ds = await diagnosticsOf(() => renderPlan(s, resolveVariables(s), CTX));
    expect(brief(ds)).toEqual(['E_BAD_ATTRIBUTE@4:14']);
  });

  it('throws E_NO_SUCH_STEP for an index out of range', async () => {
    const s = await spec();
    const vars = resolveVariables(s, {}, { ORBIT_VAR_token: 'x' });
    expect(() => renderStep(s, 5, vars, CTX)).toThrow();
    try {
      renderStep(s, 5, vars, CTX);
    } catch (e) {
      expect(isOrbitError(e, 'E_NO_SUCH_STEP')).toBe(true);
    }
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1d', 86_400_000],
    ['30', 30_000],
    ['soon', null],
    ['5 m', null],
    ['', null],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
