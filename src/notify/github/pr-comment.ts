/**
 * `orbit preview --post`: the preview as one pull-request comment, found again by a hidden marker
 * and updated in place, so a pull request carries one current preview and no pile of old ones.
 * Only a comment Orbit's own identity wrote is updated: anyone can paste the marker into a
 * comment, and a preview kept in someone else's comment is one they can edit afterwards.
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
    const login = await ownLogin(gh);
    const mine = comments.find(
      (c) =>
        c.body?.startsWith(PREVIEW_MARKER) &&
        // An installation token cannot read /user: its comments are the app's bot's.
        (login !== null ? c.user?.login === login : c.user?.type === 'Bot'),
    );
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

async function ownLogin(gh: GitHubRepo): Promise<string | null> {
  try {
    return (await gh.octokit.rest.users.getAuthenticated()).data.login;
  } catch {
    return null;
  }
}
