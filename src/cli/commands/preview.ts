import { resolve } from 'node:path';
import type { Command } from 'commander';
import { OrbitError } from '../../util/errors.js';
import { EXIT } from '../exit.js';
import { printJson } from '../format.js';
import { buildPreview } from '../../engine/preview.js';
import { previewMarkdown } from '../preview/markdown.js';
import { previewText } from '../preview/text.js';
import { postPreview } from '../preview/post.js';

interface PreviewFlags {
  repo: string;
  stateBranch: string;
  stateRepo?: string;
  json?: boolean;
  format: string;
  post?: string | true;
}

export function register(program: Command): void {
  program
    .command('preview')
    .description('what merging a range of config commits would do: deploys, unwinds, every agent invocation')
    .argument('<range>', 'BASE..HEAD (or BASE...HEAD from where they forked, or BASE alone for BASE..HEAD)')
    .option('--repo <dir>', 'config repository', '.')
    .option('--state-branch <name>', 'branch holding the activity log, read if present', 'orbit/state')
    .option('--state-repo <dir>', 'repository holding the state branch (default: the config repository)')
    .option('--format <format>', 'text or markdown (for a pull-request comment)', 'text')
    .option('--json', 'machine-readable output')
    .option(
      '--post [pr]',
      'also post the markdown preview as a comment on this GitHub pull request, updated in place (docs/notifications.md)',
    )
    .addHelpText(
      'after',
      `
Exit status: 0 when every commit of the range is valid, 1 when one has invalid configuration.

Examples:
  $ orbit preview main..my-branch
  $ orbit preview origin/main...HEAD --format markdown > preview.md   # in CI, post it on the PR`,
    )
    .action(async (range: string, opts: PreviewFlags) => {
      if (opts.format !== 'text' && opts.format !== 'markdown') {
        throw new OrbitError('E_BAD_FLAG', `--format must be text or markdown, got "${opts.format}"`, {
          flag: '--format',
        });
      }
      const preview = await buildPreview({
        repoDir: resolve(opts.repo),
        range,
        stateBranch: opts.stateBranch,
        stateDir: opts.stateRepo ? resolve(opts.stateRepo) : undefined,
      });
      if (opts.json) printJson(preview);
      else process.stdout.write(opts.format === 'markdown' ? previewMarkdown(preview) : previewText(preview));
      if (opts.post !== undefined) await postPreview(previewMarkdown(preview), opts.post);
      if (!preview.valid) process.exitCode = EXIT.failed;
    });
}
