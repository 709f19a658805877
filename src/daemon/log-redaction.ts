/**
 * What a logged URL may show: the path, the names of its query parameters, never their values
 * (`?token=…`, `?access_token=…`, a signature, anything), and no user or password of a remote.
 */
export function redactLoggedUrl(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  let text = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
  const q = text.indexOf('?');
  if (q < 0) return text;
  const hash = text.indexOf('#', q);
  const query = text.slice(q + 1, hash < 0 ? undefined : hash);
  const names = query
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=[redacted]`);
  text = `${text.slice(0, q)}?${names.join('&')}`;
  return text;
}
