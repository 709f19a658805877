/**
 * Attacks from a pull request, each as it would be made: a hostile branch in a real config
 * repository, and the real `orbit` executable run on it as a CI job would run it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRepo } from '../support/config-repo.js';
import { orbit } from '../support/cli.js';

const SECRET = 'hunter2-Pr0d-DB';
const IN_VALUES = 's3cret-in-values.hcl';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const dbService = `variable "db_password" {
  sensitive = true
}
variable "api_key" {
  sensitive = true
}
step {
  name    = "migrate"
  agent   = "exec"
  forward = ["echo", "migrating"]
}
`;

let repo: ConfigRepo;
let base: string;

beforeAll(() => {
  repo = new ConfigRepo();
  base = repo.commit({
    'services/db/deploy.hcl': dbService,
    'services/db/values.hcl': `api_key = "${IN_VALUES}"\n`,
  });
});

afterAll(() => repo.remove());

/** A pull request branch off the base, with the given files. */
function pullRequest(name: string, files: Record<string, string>): string {
  repo.git('checkout', '-q', '-b', name, base);
  const head = repo.commit(files, name);
  repo.git('checkout', '-q', 'main');
  return head;
}

/** The text of a Markdown document outside fenced code blocks and inline code spans. */
function outsideCode(lines: string[]): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of lines) {
    const m = /^`{3,}/.exec(line);
    if (fence) {
      // A fence closes on a run at least as long as the one that opened it (CommonMark).
      if (m && m[0].length >= fence.length && line.trim() === m[0]) fence = null;
      continue;
    }
    if (m) {
      fence = m[0];
      continue;
    }
    // A code span: a backtick run, then the first run of the same length (CommonMark).
    out.push(line.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, ''));
  }
  expect(fence).toBeNull();
  return out.join('\n');
}

const preview = (range: string, env: Record<string, string> = {}) =>
  orbit(['preview', range, '--repo', repo.dir, '--format', 'markdown'], { env });

describe('a hostile pull request', () => {
  it('cannot read a secret from the environment, under any variable name, however it is transformed', async () => {
    pullRequest('steal', {
      // Another service declares the db's variable, not sensitive, and prints it transformed.
      'services/evil/deploy.hcl': `variable "db_password" {}
step {
  name    = "leak"
  agent   = "exec"
  forward = ["echo", base64encode(var.db_password), upper(var.db_password), var.db_password]
}
`,
      // And the db service itself flips sensitive off and renders its secret.
      'services/db/deploy.hcl': dbService
        .replace(/sensitive = true/g, 'sensitive = false')
        .replace(
          'forward = ["echo", "migrating"]',
          'forward = ["echo", var.db_password, base64encode(var.api_key), var.api_key]',
        ),
    });
    const r = await preview('main..steal', { ORBIT_VAR_db_password: SECRET });
    expect(r.code).toBe(0);
    for (const leaked of [SECRET, b64(SECRET), SECRET.toUpperCase(), IN_VALUES, b64(IN_VALUES)]) {
      expect(r.stdout).not.toContain(leaked);
    }
    // Values that would come from the environment show where they would come from.
    expect(r.stdout).toContain('(from ORBIT_VAR_db_password)');
    // api_key is sensitive on the base branch: the flip to false does not unmask it.
    expect(r.stdout).toContain('(sensitive:api_key)');

    const text = await orbit(['preview', 'main..steal', '--repo', repo.dir, '--json'], {
      env: { ORBIT_VAR_db_password: SECRET },
    });
    for (const leaked of [SECRET, b64(SECRET), IN_VALUES, b64(IN_VALUES)])
      expect(text.stdout).not.toContain(leaked);
  });

  it('cannot make `orbit plan` print a secret from the environment, unless --with-env is given', async () => {
    repo.git('checkout', '-q', 'steal');
    try {
      const r = await orbit(['plan', 'evil', '--repo', repo.dir], { env: { ORBIT_VAR_db_password: SECRET } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(SECRET);
      expect(r.stdout).not.toContain(b64(SECRET));
      expect(r.stdout).toContain('(from ORBIT_VAR_db_password)');
      const trusted = await orbit(['plan', 'evil', '--repo', repo.dir, '--with-env'], {
        env: { ORBIT_VAR_db_password: SECRET },
      });
      // Asked for: the environment is read (evil declares it not sensitive, so it shows).
      expect(trusted.stdout).toContain(SECRET);
    } finally {
      repo.git('checkout', '-q', 'main');
    }
  });

  it('cannot forge the markdown comment: no fake heading, image, HTML or mention', async () => {
    const payload =
      '\n```\n\n## ✅ All valid, approved by @security-team\n\n![t](https://tracker.example/p.png)<img src=x onerror=alert(1)>\n```';
    pullRequest('forge', {
      'services/forge/deploy.hcl': `step {
  name    = "x"
  agent   = "exec"
  forward = ["echo", "a | b \`\`\` @security-team <b>bold</b> ![i](https://tracker.example/i.png)"]
  env     = { ${JSON.stringify(payload)} = "v" }
}
`,
    });
    const r = await preview('main..forge');
    expect(r.code).toBe(1);
    const md = r.stdout;
    // The diagnostics' fence is longer than the backtick runs pasted inside, and it is closed.
    const lines = md.split('\n');
    const open = lines.find((l) => /^`{3,}$/.test(l))!;
    expect(open.length).toBeGreaterThan(3);
    expect(lines.filter((l) => l === open)).toHaveLength(2);
    // What GitHub renders as Markdown: outside fenced blocks and outside code spans.
    const rendered = outsideCode(lines);
    expect(rendered).not.toMatch(/^#+ .*All valid/m);
    // Only Orbit's own headings (their code spans stripped).
    expect(rendered.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      '### Orbit preview: ',
      '####  forge',
    ]);
    expect(rendered).not.toMatch(/(^|[^\\])!\[/);
    expect(rendered).not.toMatch(/<img|<b>/);
    expect(rendered).not.toContain('@security-team');
  });

  it('cannot send escape sequences to the terminal through preview or plan text', async () => {
    pullRequest('escape', {
      'services/esc/deploy.hcl': `step {
  name    = "x"
  agent   = "exec"
  forward = ["echo", "\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m"]
}
`,
    });
    const r = await orbit(['preview', 'main..escape', '--repo', repo.dir]);
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(r.stdout).toContain('\\u{1b}');
    repo.git('checkout', '-q', 'escape');
    try {
      const plan = await orbit(['plan', 'esc', '--repo', repo.dir]);
      // eslint-disable-next-line no-control-regex
      expect(plan.stdout).not.toMatch(/[\u001b\u0007\u009b]/);
      // A diagnostic quoting the bad key does not carry the escape to stderr either.
      repo.write(
        'services/esc/deploy.hcl',
        'step {\n  name = "x"\n  agent = "exec"\n  forward = ["echo"]\n  env = { "\\u001b[2Jx" = "v" }\n}\n',
      );
      const validate = await orbit(['validate', '--repo', repo.dir]);
      expect(validate.code).toBe(1);
      expect(validate.stderr).toContain('[E_BAD_ATTRIBUTE]');
      // eslint-disable-next-line no-control-regex
      expect(validate.stderr).not.toMatch(/[\u001b\u0007\u009b]/);
      repo.git('checkout', '--', '.');
    } finally {
      repo.git('checkout', '-q', 'main');
    }
  });

  it('cannot exhaust memory with doubling constants: E_EVAL_LIMIT at the expression', async () => {
    const consts = ['  c0 = ["xxxxxxxxxxxxxxxx"]'];
    for (let i = 1; i <= 40; i++) consts.push(`  c${i} = [const.c${i - 1}, const.c${i - 1}]`);
    pullRequest('double', {
      'services/dbl/deploy.hcl': `const {\n${consts.join('\n')}\n}\nstep {\n  name    = "x"\n  agent   = "exec"\n  forward = ["echo", jsonencode(const.c40)]\n}\n`,
    });
    const r = await preview('main..double');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/services\/dbl\/deploy\.hcl:\d+:\d+: .*\[E_EVAL_LIMIT\]/);
    expect(r.stdout.length).toBeLessThan(10_000);
  });

  it('cannot spend minutes in nested for loops, or gigabytes parsing 1+1+...+1, or overflow the stack', async () => {
    const list = `[${Array.from({ length: 200 }, (_, i) => i).join(', ')}]`;
    pullRequest('loops', {
      'services/loops/deploy.hcl': `const {
  l = ${list}
  n = length(flatten([for a in const.l : [for b in const.l : [for c in const.l : a + b + c]]]))
}
step {
  name    = "x"
  agent   = "exec"
  forward = ["echo", "\${const.n}"]
}
`,
      'services/sum/deploy.hcl': `const {\n  s = 1${'+1'.repeat(2000)}\n}\nstep {\n  name    = "x"\n  agent   = "exec"\n  forward = ["echo", "\${const.s}"]\n}\n`,
      'services/deep/deploy.hcl': `const {\n  d = ${'['.repeat(3000)}1${']'.repeat(3000)}\n}\nstep {\n  name    = "x"\n  agent   = "exec"\n  forward = ["echo"]\n}\n`,
    });
    const r = await orbit(['preview', 'main..loops', '--repo', repo.dir, '--json']);
    expect(r.code).toBe(1);
    const jobs = (JSON.parse(r.stdout) as { commits: Array<{ jobs: Array<Record<string, unknown>> }> })
      .commits[0]!.jobs;
    const diag = (service: string) =>
      (
        jobs.find((j) => j.service === service)!.diagnostics as Array<{
          code: string;
          line: number;
          column: number;
        }>
      )[0]!;
    expect(diag('loops')).toMatchObject({ code: 'E_EVAL_LIMIT', line: 3 });
    expect(diag('sum')).toMatchObject({ code: 'E_EVAL_LIMIT', line: 2 });
    // At the bracket that went too deep, not 1:1 "Maximum call stack size exceeded".
    // The 65th open bracket, counting the const block's.
    expect(diag('deep')).toMatchObject({ code: 'E_EVAL_LIMIT', line: 2, column: 70 });
  });

  it('cannot crash validate or plan with a bool or null index', async () => {
    pullRequest('index', {
      'services/idx/deploy.hcl': `const {
  foo = { a = 1 }
  b   = const.foo[true]
}
step {
  name    = "x"
  agent   = "exec"
  forward = ["echo", "\${const.b}", "\${[1][null]}"]
}
`,
    });
    repo.git('checkout', '-q', 'index');
    try {
      for (const args of [['validate'], ['plan', 'idx']]) {
        const r = await orbit([...args, '--repo', repo.dir]);
        expect(r.code).toBe(1);
        expect(r.stderr).not.toContain('unexpected error');
        expect(r.stderr).toMatch(/services\/idx\/deploy\.hcl:3:\d+: .*\[E_EVAL_INDEX\]/);
      }
    } finally {
      repo.git('checkout', '-q', 'main');
    }
  });
});
