/**
 * `depends_on` inside environments (issue 17): in `api@prod`, "db" is `db@prod` — it deploys after
 * prod's db and never waits for staging's; naming another environment's service is a validate
 * error at the name's position, and the engine rejects such a commit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

let repo: ConfigRepo;
let trace: Trace;

const service = (name: string, deps: string) => `${deps}variable "version" {}
step {
  name    = "go"
  agent   = "exec"
  forward = ["sh", "-c", "echo +\${orbit.service} \${var.version}${name === 'api' ? ' db=${dependency.db.var.version}' : ''} >> ${trace.file}"]
  reverse = ["sh", "-c", "echo -\${orbit.service} >> ${trace.file}"]
}
`;

beforeEach(() => {
  repo = new ConfigRepo();
  trace = new Trace();
});
afterEach(() => repo.remove());

describe('dependencies in environments', () => {
  it("resolve to the service's own environment: prod's api deploys after prod's db and reads its values", async () => {
    repo.commit({
      'services/db/deploy.hcl': service('db', ''),
      'services/api/deploy.hcl': service('api', 'depends_on = ["db"]\n'),
      'environments/prod/services/db/values.hcl': 'version = "db-p"\n',
      'environments/prod/services/api/values.hcl': 'version = "api-p"\n',
    });
    const r = await orbit(['reconcile', '--repo', repo.dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(trace.lines()).toEqual(['+db@prod db-p', '+api@prod api-p db=db-p']);
  });

  it("naming another environment's service is E_DEPENDENCY_ENVIRONMENT at its position", async () => {
    repo.commit({
      'services/db/deploy.hcl': service('db', ''),
      'services/api/deploy.hcl': service('api', 'depends_on = ["db@staging"]\n'),
      'environments/prod/services/db/values.hcl': 'version = "db-p"\n',
      'environments/staging/services/db/values.hcl': 'version = "db-s"\n',
      'environments/prod/services/api/values.hcl': 'version = "api-p"\n',
    });
    const v = await orbit(['validate', '--repo', repo.dir]);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toMatch(/services\/api\/deploy\.hcl:1:\d+: .*E_DEPENDENCY_ENVIRONMENT/);
  });
});
