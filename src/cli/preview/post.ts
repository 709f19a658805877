/**
 * `orbit preview --post [PR]`: the pull request is the flag's number, else `ORBIT_GITHUB_PR`, else
 * the one GitHub Actions names in `GITHUB_REF` (`refs/pull/<n>/merge`); the repository and
 * credentials come from the environment (src/notify/github/client.ts).
 */
import { githubFromEnv } from '../../notify/github/client.js';
import { postPreviewComment } from '../../notify/github/pr-comment.js';
import { OrbitError } from '../../util/errors.js';

export async function postPreview(
  markdown: string,
  flag: string | true,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const given =
    flag === true ? env.ORBIT_GITHUB_PR || /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1] : flag;
  const pr = Number(given);
  if (!given || !Number.isInteger(pr) || pr <= 0)
    throw new OrbitError(
      'E_GITHUB_SETUP',
      `--post needs a pull request number (--post 12, ORBIT_GITHUB_PR or GITHUB_REF), got ${JSON.stringify(given ?? null)}`,
      { flag: '--post' },
    );
  const gh = githubFromEnv(env);
  if (!gh)
    throw new OrbitError(
      'E_GITHUB_SETUP',
      '--post needs ORBIT_GITHUB_REPOSITORY (owner/name) and ORBIT_GITHUB_TOKEN or GitHub App credentials',
      { flag: '--post' },
    );
  const { url, updated } = await postPreviewComment(gh, pr, markdown);
  process.stderr.write(`orbit: preview ${updated ? 'updated' : 'posted'} on pull request #${pr}: ${url}\n`);
}
