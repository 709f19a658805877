import { parseHttpRequest, statusExpected } from './http-request.js';
import { marker } from '../util/secrets.js';
import { DEFAULT_LOG_CAP, OutputBuffer, mask } from './output-buffer.js';
import { AgentErrorCode, TIMEOUT_EXIT_CODE, failedResult } from './result.js';
import type { Agent, AgentContext, AgentResult, Invocation } from './types.js';

export interface HttpAgentOptions {
  logCap?: number;
  /** Largest response body given back as the `body` output. */
  maxBodyOutput?: number;
}

/** Header values never written to the log, whatever they hold. */
const REDACTED_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token)$/i;

/**
 * `http`: one request per action (chat notifications, Marathon/Singularity-style APIs). Outputs:
 * `status` and, when the response body is at most `maxBodyOutput` bytes, `body`.
 */
export class HttpAgent implements Agent {
  readonly kind = 'http';
  private readonly logCap: number;
  private readonly maxBodyOutput: number;

  constructor(opts: HttpAgentOptions = {}) {
    this.logCap = opts.logCap ?? DEFAULT_LOG_CAP;
    this.maxBodyOutput = opts.maxBodyOutput ?? 64 * 1024;
  }

  async run(inv: Invocation, ctx: AgentContext): Promise<AgentResult> {
    const startedAt = Date.now();
    const parsed = parseHttpRequest(inv.action, inv.args, inv.params);
    if (!parsed.ok)
      return failedResult(AgentErrorCode.Params, parsed.message, startedAt, { log: parsed.message });
    const req = parsed.value;
    const timeoutMs = req.timeoutMs ?? inv.timeoutMs;
    const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
    const signal = ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;

    const log = new OutputBuffer(this.logCap);
    log.write(`> ${req.method} ${req.url}\n`);
    for (const [k, v] of Object.entries(req.headers))
      log.write(`> ${k}: ${REDACTED_HEADERS.test(k) ? marker(k.toLowerCase()) : v}\n`);
    const done = (r: Omit<AgentResult, 'log' | 'durationMs'>): AgentResult => {
      const text = log.text(ctx.secrets);
      ctx.onOutput?.(text);
      return { ...r, log: text, durationMs: Date.now() - startedAt };
    };

    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal,
        redirect: 'follow',
      });
      log.write(`< ${res.status} ${res.statusText}\n`);
      res.headers.forEach((v, k) =>
        log.write(`< ${k}: ${REDACTED_HEADERS.test(k) ? marker(k.toLowerCase()) : v}\n`),
      );
      log.write('\n');
      // Read the body through the capped buffer: a huge response costs the cap, not its size.
      const small: Buffer[] = [];
      let size = 0;
      if (res.body) {
        const reader = res.body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          const buf = Buffer.from(r.value);
          log.write(buf);
          size += buf.length;
          if (size <= this.maxBodyOutput) small.push(buf);
        }
      }
      const outputs: Record<string, string> = { status: String(res.status) };
      if (size <= this.maxBodyOutput) outputs.body = mask(Buffer.concat(small).toString('utf8'), ctx.secrets);
      if (!statusExpected(res.status, req.expect)) {
        return done({
          exitCode: 1,
          outputs,
          error: {
            code: AgentErrorCode.HttpStatus,
            message: `${req.method} ${mask(req.url, ctx.secrets)} answered ${res.status}`,
          },
        });
      }
      return done({ exitCode: 0, outputs });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (timeout.aborted) {
        log.write(`\n[orbit: no complete answer within ${timeoutMs} ms]\n`);
        return done({
          exitCode: TIMEOUT_EXIT_CODE,
          outputs: {},
          error: { code: AgentErrorCode.Timeout, message: `timed out after ${timeoutMs} ms` },
        });
      }
      if (ctx.signal?.aborted)
        return done({
          exitCode: 130,
          outputs: {},
          error: { code: AgentErrorCode.Aborted, message: 'stopped: aborted' },
        });
      const message = mask(
        `${e.message}${e.cause?.code ? ` (${e.cause.code})` : e.cause?.message ? ` (${e.cause.message})` : ''}`,
        ctx.secrets,
      );
      log.write(`\n[orbit: request failed: ${message}]\n`);
      return done({ exitCode: 1, outputs: {}, error: { code: AgentErrorCode.HttpRequest, message } });
    }
  }
}
