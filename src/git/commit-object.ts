/**
 * Parses a raw commit object (what `cat-file --batch` returns). The headers end at the first
 * blank line and the message is everything after it, so nothing a message says can be taken for
 * a header, a field or another commit.
 */
import { OrbitError } from '../util/errors.js';

export interface CommitObject {
  tree: string;
  parents: string[];
  /** `Name <email>`, as `%an <%ae>` prints it. */
  author: string;
  /** Author date in strict ISO 8601 with the author's offset, as `%aI` prints it. */
  authorTime: string;
  /** The first paragraph, its lines joined by spaces (`%s`). */
  subject: string;
  /** The rest of the message, trimmed (`%b`). */
  body: string;
}

export function parseCommit(oid: string, raw: Buffer): CommitObject {
  const text = raw.toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const message = end < 0 ? '' : text.slice(end + 2);
  let tree = '';
  const parents: string[] = [];
  let authorLine = '';
  for (const line of head.split('\n')) {
    // Continuation lines (a signature's) start with a space and belong to the header above.
    if (line.startsWith(' ')) continue;
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') tree = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') authorLine = value;
  }
  if (!/^[0-9a-f]{40,64}$/.test(tree)) {
    throw new OrbitError('E_GIT_BAD_OBJECT', `commit ${oid} has no tree`, { oid });
  }
  const { author, authorTime } = parseIdent(authorLine);
  const [subject, body] = splitMessage(message);
  return { tree, parents, author, authorTime, subject, body };
}

function parseIdent(line: string): { author: string; authorTime: string } {
  const m = /^(.*)<([^<>]*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(line);
  if (!m) return { author: line.trim(), authorTime: '' };
  const [, name = '', email = '', seconds = '0', sign = '+', hh = '00', mm = '00'] = m;
  const offsetMin = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
  const local = new Date((Number(seconds) + offsetMin * 60) * 1000).toISOString().slice(0, 19);
  return { author: `${name.trim()} <${email}>`, authorTime: `${local}${sign}${hh}:${mm}` };
}

function splitMessage(message: string): [string, string] {
  const lines = message.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const subject: string[] = [];
  for (; i < lines.length && lines[i]!.trim() !== ''; i++) subject.push(lines[i]!.trim());
  return [subject.join(' '), lines.slice(i).join('\n').trim()];
}
