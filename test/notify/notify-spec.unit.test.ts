/** `notify` blocks: what loads, and every bad one a validate error at its file:line:col. */
import { describe, expect, it } from 'vitest';
import { loadServiceFromSources, repoSettingsFromSource } from '../../src/config/load.js';
import { renderMessage } from '../../src/config/notify-spec.js';
import { ConfigError } from '../../src/util/errors.js';

const DEPLOY = 'step {\n  name    = "a"\n  agent   = "exec"\n  forward = ["true"]\n}\n';

async function problems(orbitHcl: string, deploy = DEPLOY): Promise<string[]> {
  try {
    await loadServiceFromSources({ orbit: orbitHcl, deploy }, 'web');
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
  }
}

describe('notify blocks', () => {
  it('loads every target type from orbit.hcl and deploy.hcl, with its defaults', async () => {
    const settings = await repoSettingsFromSource(`
notify "chat" {
  type   = "slack"
  url    = "https://hooks.slack.com/services/T/B/x"
  events = ["failed", "waiting-approval"]
}
notify "audit" {
  type       = "webhook"
  url        = "https://audit.example.com/orbit"
  secret_env = "AUDIT_KEY"
  services   = ["api-*", "web"]
  message    = "\${event.service} \${event.version} \${upper(event.event)}"
}`);
    expect(settings.notify.map((n) => [n.name, n.type, n.url, n.events.length, n.services])).toEqual([
      ['chat', 'slack', 'https://hooks.slack.com/services/T/B/x', 2, ['*']],
      ['audit', 'webhook', 'https://audit.example.com/orbit', 9, ['api-*', 'web']],
    ]);
    const fields = {
      event: 'failed' as const,
      service: 'web',
      deployment: 'web-3',
      version: '1.2',
      commit: 'abc',
      author: 'Ann',
      step: 's',
      reason: '',
      error: '',
      link: '',
      time: '',
    };
    expect(renderMessage(settings.notify[1]!.message!, fields)).toBe('web 1.2 FAILED');
    const spec = await loadServiceFromSources(
      { deploy: `${DEPLOY}notify "pager" {\n  type    = "exec"\n  command = ["page", "--team", "web"]\n}\n` },
      'web',
    );
    expect(spec.notify).toMatchObject([
      { name: 'pager', type: 'exec', command: ['page', '--team', 'web'], services: ['web'] },
    ]);
  });

  it('reports a bad url, type, event or command at its position', async () => {
    expect(
      await problems(`notify "a" {
  type = "webhook"
  url  = "not a url"
}
notify "b" {
  type = "email"
  url  = "https://x.example.com"
}
notify "c" {
  type   = "slack"
  url    = "ftp://x.example.com/"
  events = ["faild"]
}
notify "d" {
  type    = "exec"
  command = []
}
notify "e" {
  type = "webhook"
  url  = "https://user:pw@x.example.com/"
}`),
    ).toEqual([
      'orbit.hcl:3:11 E_NOTIFY_TARGET notify "a": url "not a url" is not a valid URL',
      'orbit.hcl:6:11 E_NOTIFY_TARGET notify "b": type must be one of "webhook", "slack", "exec"',
      'orbit.hcl:11:13 E_NOTIFY_TARGET notify "c": url must be http:// or https://',
      'orbit.hcl:12:12 E_NOTIFY_TARGET notify "c": unknown event "faild"; did you mean "failed"?',
      'orbit.hcl:16:13 E_NOTIFY_TARGET notify "d": command must be a non-empty list of strings (an argv)',
      'orbit.hcl:20:11 E_NOTIFY_TARGET notify "e": url must not carry credentials (user:password@)',
    ]);
  });

  it('reports a template that references what an event does not have, or that cannot render', async () => {
    expect(
      await problems(`notify "a" {
  type    = "webhook"
  url     = "https://x.example.com"
  message = "\${event.servce} by \${var.who}"
}
notify "b" {
  type    = "webhook"
  url     = "https://x.example.com"
  message = "\${event.service[0]}"
}
notify "c" {
  type    = "webhook"
  url     = "https://x.example.com"
  message = ["not", "text"]
}`),
    ).toEqual([
      expect.stringMatching(
        /^orbit\.hcl:4:16 E_UNKNOWN_REFERENCE unknown reference "event\.servce"; did you mean "service"\?/,
      ),
      expect.stringMatching(
        /^orbit\.hcl:4:\d+ E_UNKNOWN_REFERENCE unknown reference "var": a notify message can use event\.<field> only/,
      ),
      expect.stringMatching(/^orbit\.hcl:9:\d+ E_EVAL_\w+ /),
      expect.stringMatching(/^orbit\.hcl:14:\d+ E_EVAL_TYPE a notify message must be a string/),
    ]);
  });

  it('refuses a missing target, a duplicate name, and services in a deploy.hcl block', async () => {
    expect(
      await problems(
        `notify "a" { type = "slack" }
notify "a" {
  type = "webhook"
  url  = "https://x.example.com"
}
notify "b" {
  url = "https://x.example.com"
  secret_env = "x-y"
}`,
        `${DEPLOY}notify "own" {
  type     = "webhook"
  url      = "https://x.example.com"
  services = ["*"]
}
`,
      ),
    ).toEqual([
      'orbit.hcl:1:1 E_NOTIFY_TARGET notify "a": a slack target needs url = "https://..."',
      'orbit.hcl:2:1 E_DUPLICATE_NOTIFY notify "a" is defined twice',
      'orbit.hcl:6:1 E_NOTIFY_TARGET notify "b": type is required (webhook, slack, exec)',
      'orbit.hcl:8:17 E_NOTIFY_TARGET notify "b": secret_env must name an environment variable (the key itself stays out of git)',
      `services/web/deploy.hcl:9:3 E_NOTIFY_TARGET notify "own": a notify block in web's deploy.hcl is for that service: drop "services"`,
    ]);
  });
});
