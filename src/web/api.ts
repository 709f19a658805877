/**
 * The API as the page calls it: the token from the login form (sessionStorage, this tab only) in
 * an Authorization header on every request, the live stream included (fetch, not EventSource,
 * which cannot send the header; see docs/dashboard.md).
 */
const KEY = 'orbit-token';

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (t: string): void => sessionStorage.setItem(KEY, t),
  clear: (): void => sessionStorage.removeItem(KEY),
};

/** An API error as the daemon sent it: its stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token.get() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok)
    throw new ApiError(
      res.status,
      json?.error?.code ?? 'E_DAEMON_ERROR',
      json?.error?.message ?? res.statusText,
    );
  return json as T;
}

export interface LiveEvent {
  kind: string;
  service: string;
  deployment: string | null;
  step: string | null;
  time: string;
}

/**
 * Reads `GET /api/events` until it ends, calling `onEvent` per entry; resolves when the stream
 * closes, rejects when it cannot open (the caller says so and reconnects).
 */
export async function stream(
  onOpen: () => void,
  onEvent: (e: LiveEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch('/api/events', {
    headers: { authorization: `Bearer ${token.get() ?? ''}` },
    signal,
  });
  if (!res.ok || !res.body)
    throw new ApiError(res.status, 'E_DAEMON_ERROR', `the event stream answered ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = frame
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (data) onEvent(JSON.parse(data) as LiveEvent);
    }
  }
}
