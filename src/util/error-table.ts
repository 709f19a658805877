/**
 * docs/errors.md as text, from the registry: what `npm run docs:errors` writes and what a test
 * compares the committed file with. Pure; the caller formats it with prettier.
 */
import { ERROR_CODES, type ErrorKind } from './error-codes.js';

const SECTIONS: { kind: ErrorKind; title: string; intro: string }[] = [
  {
    kind: 'config',
    title: 'Configuration',
    intro:
      '`orbit validate`, `orbit plan` and a deployment print these as `file:line:col: message [CODE]`;\n' +
      'the error that carries them is `E_CONFIG_INVALID` (`data.diagnostics`). Found while rendering\n' +
      "a step, they are recorded as the step's error and the deployment fails.",
  },
  {
    kind: 'step',
    title: 'Step errors',
    intro:
      "Recorded in the log as a failed step's `error.code` (`orbit show`); the deployment fails and\n" +
      'its applied steps are unwound. The HTTP status is never sent: these are not request errors.',
  },
  {
    kind: 'usage',
    title: 'Usage',
    intro: 'A malformed command or request, or a service, deployment or revision that does not exist.',
  },
  {
    kind: 'refused',
    title: 'Refused',
    intro: 'A well-formed request that Orbit will not carry out.',
  },
  {
    kind: 'environment',
    title: 'Orbit could not run',
    intro: 'The repository, the state branch, its lock, git, the daemon, or a bug in Orbit.',
  },
];

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function errorTableMarkdown(): string {
  const out = [
    '# Error codes',
    '',
    '<!-- Generated from src/util/error-codes.ts by `npm run docs:errors`; edit that file, not this one. -->',
    '',
    'Every error Orbit raises or records has a stable code; match on the code, not the message.',
    "The CLI prints `orbit: <message>` on stderr and exits with the code's exit code: 0 success,",
    '1 a deployment failed or a config commit was rejected, 2 a usage error, 3 Orbit itself could not',
    'run. The daemon answers `{"error": {"code": "E_...", "message": "...", "data": {...}}}` with the',
    "code's HTTP status (`data` only below 500); any error without a code is `E_INTERNAL`.",
    '',
  ];
  for (const s of SECTIONS) {
    out.push(
      `## ${s.title}`,
      '',
      s.intro,
      '',
      '| code | exit | HTTP | meaning |',
      '| --- | --- | --- | --- |',
    );
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      if (info.kind === s.kind)
        out.push(`| \`${code}\` | ${info.exit} | ${info.http} | ${cell(info.meaning)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
