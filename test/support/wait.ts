/**
 * Waits for something to happen (a positive signal), checking every 20 ms, and fails naming it
 * after `timeoutMs`. Never for something not to happen: for that, wait for the signal that the
 * work was handled, then assert.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
