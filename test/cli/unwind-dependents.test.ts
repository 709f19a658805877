/** `orbit unwind db` with dependents, through the real executable: the refusal, its exit code, the flag. */
import { afterEach, describe, expect, it } from 'vitest';
import { orbit } from '../support/cli.js';
import { ConfigRepo, Trace } from '../support/config-repo.js';

let repo: ConfigRepo | undefined;
afterEach(() => {
  repo?.remove();
  repo = undefined;
});

const service = (trace: Trace, name: string, deps: string[]) =>
  `${deps.length ? `depends_on = [${deps.map((d) => `"${d}"`).join(', ')}]\n` : ''}step {
  name    = "go"
  agent   = "exec"
  forward = ["sh", "-c", "echo +${name} >> $TRACE"]
  reverse = ["sh", "-c", "echo -${name} >> $TRACE"]
  env     = { TRACE = "${trace.file}" }
}
`;

describe('orbit unwind with dependents', () => {
  it('refuses with E_HAS_DEPENDENTS (exit 1) naming them; --with-dependents unwinds them first', async () => {
    repo = new ConfigRepo();
    const trace = new Trace();
    repo.commit({
      'services/db/deploy.hcl': service(trace, 'db', []),
      'services/api/deploy.hcl': service(trace, 'api', ['db']),
    });
    expect((await orbit(['reconcile', '--repo', repo.dir])).code).toBe(0);
    expect(trace.next()).toEqual(['+db', '+api']);

    const refused = await orbit(['unwind', 'db', '--repo', repo.dir]);
    expect(refused.code).toBe(1);
    // One line, no stack trace (the code, E_HAS_DEPENDENTS, is checked in test/engine/dependencies.test.ts).
    expect(refused.stderr).toBe(
      'orbit: db: api depends on it and was deployed after its current deployment; unwind it first, or run `orbit unwind db --with-dependents`\n',
    );

    const done = await orbit(['unwind', 'db', '--with-dependents', '--json', '--repo', repo.dir]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ deploy_id: 'db-1', status: 'unwound' });
    expect(trace.next()).toEqual(['-api', '-db']);
  });
});
