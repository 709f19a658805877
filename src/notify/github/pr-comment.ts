/**
 * `orbit preview --post`: the preview as one pull-request comment, found again by a hidden marker
 * and updated in place, so a pull request carries one current preview and no pile of old ones.
 */
import { OrbitError } from '../../util/errors.js';
import type { GitHubRepo } from './client.js';

export const PREVIEW_MARKER = '<!-- orbit-preview -->';

export async function postPreviewComment(
  gh: GitHubRepo,
  pr: number,
  markdown: string,
): Promise<{ url: string; updated: boolean }> {
  const { octokit, owner, repo } = gh;
  const body = `${PREVIEW_MARKER}\n${markdown}`;
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: pr,
      per_page: 100,
    });
    const mine = comments.find((c) => c.body?.startsWith(PREVIEW_MARKER));
    if (mine) {
      const res = await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
      return { url: res.data.html_url, updated: true };
    }
    const res = await octokit.rest.issues.createComment({ owner, repo, issue_number: pr, body });
    return { url: res.data.html_url, updated: false };
  } catch (err) {
    const status = (err as { status?: number }).status ?? null;
    throw new OrbitError(
      'E_GITHUB_REQUEST',
      `posting the preview to pull request #${pr} failed${status ? `: GitHub answered ${status}` : ''}`,
      { status },
    );
  }
}
