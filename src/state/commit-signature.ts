/**
 * The `gpgsig` header of a commit, as `git commit -S` writes it: the armored signature of the
 * commit without that header, inserted after the last header line, each continuation line
 * indented by one space.
 */
const HEADER = 'gpgsig';

/** Inserts the signature of `content` (a commit object's content, unsigned) as its gpgsig header. */
export function withSignature(content: Buffer, sign: (payload: Buffer) => string): Buffer {
  const end = content.indexOf('\n\n');
  if (end < 0) throw new Error('not a commit: no blank line after the headers');
  const lines = sign(content).replace(/\n+$/, '').split('\n');
  const header = `${HEADER} ${lines.join('\n ')}\n`;
  return Buffer.concat([
    content.subarray(0, end + 1),
    Buffer.from(header, 'utf8'),
    content.subarray(end + 1),
  ]);
}

/** The commit's gpgsig signature and the payload it signs (the commit without it); null when unsigned. */
export function splitSignature(content: Buffer): { signature: string; payload: Buffer } | null {
  const text = content.toString('utf8');
  const end = text.indexOf('\n\n');
  const headers = (end < 0 ? text : text.slice(0, end + 1)).split('\n');
  const kept: string[] = [];
  const sig: string[] = [];
  let inSig = false;
  let found = false;
  for (const line of headers.slice(0, -1)) {
    if (inSig && line.startsWith(' ')) {
      sig.push(line.slice(1));
      continue;
    }
    inSig = false;
    if (!found && line.startsWith(`${HEADER} `)) {
      inSig = found = true;
      sig.push(line.slice(HEADER.length + 1));
      continue;
    }
    kept.push(line);
  }
  if (!found) return null;
  const rest = end < 0 ? '' : text.slice(end + 1);
  return { signature: sig.join('\n') + '\n', payload: Buffer.from(kept.join('\n') + '\n' + rest, 'utf8') };
}
