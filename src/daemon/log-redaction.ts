import { marker, maskUrlCredentials } from '../util/secrets.js';

/**
 * What a logged URL may show: the path, the names of its query parameters, never their values
 * (`?token=(sensitive:token)`, a signature, anything), and no user or password of a remote.
 */
export function redactLoggedUrl(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  let text = maskUrlCredentials(url);
  const q = text.indexOf('?');
  if (q < 0) return text;
  const hash = text.indexOf('#', q);
  const query = text.slice(q + 1, hash < 0 ? undefined : hash);
  const names = query
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]}=${marker(pair.split('=')[0]!)}`);
  text = `${text.slice(0, q)}?${names.join('&')}`;
  return text;
}
