import { Agent, request } from 'undici';
import type { LookupFunction } from 'node:net';
import { cutText } from '@tss/contracts';
import { parseRetryAfterMs } from '../domain/webhook-schedule';
import type { SendOutcome } from '../use-cases/record-webhook-attempt';
import { checkedAddress, type ResolvedAddress, type SsrfOptions } from './ssrf-guard';

export interface WebhookRequest {
  url: string;
  messageId: string;
  timestampSeconds: number;
  signature: string;
  body: string;
}

export interface SenderOptions extends SsrfOptions {
  /** Whole attempt, connect to last body byte (issue #11: 10 s). */
  timeoutMs: number;
  now: () => Date;
  /** Kept-alive connections to checked addresses (absent: one connection per attempt). */
  agents?: WebhookAgents;
}

/**
 * Kept-alive connections, one pool per origin and checked address (issue #15: a connection per
 * attempt cost a TCP handshake and a close per delivery). Every attempt still resolves and checks
 * the host first (SSRF); it reuses a pool only when the check answered the very address that pool
 * connects to, so a host that now resolves elsewhere gets a new pool, never the old connection.
 * The least recently used pools beyond `max` are closed.
 */
export class WebhookAgents {
  private readonly pools = new Map<string, Agent>();

  constructor(private readonly options: { timeoutMs: number; max?: number; keepAliveMs?: number }) {}

  agentFor(url: string, target: ResolvedAddress): Agent {
    const key = `${new URL(url).origin}|${target.family}|${target.address}`;
    const found = this.pools.get(key);
    if (found) {
      this.pools.delete(key); // re-inserted last: the most recently used
      this.pools.set(key, found);
      return found;
    }
    const { timeoutMs } = this.options;
    const agent = new Agent({
      connect: { lookup: pinnedLookup(target), timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: this.options.keepAliveMs ?? 30_000,
    });
    this.pools.set(key, agent);
    while (this.pools.size > (this.options.max ?? 256)) {
      const [oldestKey, oldest] = this.pools.entries().next().value as [string, Agent];
      this.pools.delete(oldestKey);
      void oldest.close().catch(() => undefined); // lets its requests in flight finish
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(agents.map((agent) => agent.close().catch(() => undefined)));
  }
}

/** A lookup that answers only the address already checked: the socket connects there, whatever DNS says now. */
const pinnedLookup = (target: ResolvedAddress): LookupFunction => (_hostname, options, callback) => {
  if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
  else callback(null, target.address, target.family);
};

const MAX_ERROR_CHARS = 500;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * One attempt: POST the CloudEvent with the Standard Webhooks headers to the checked address.
 * Redirects are not followed (undici's `request` follows none): a 3xx is a failed attempt.
 */
export const sendWebhook = async (req: WebhookRequest, options: SenderOptions): Promise<SendOutcome> => {
  const started = performance.now();
  const latencyMs = () => performance.now() - started;
  const target = await checkedAddress(req.url, options);
  if (!target.ok) return { latencyMs: latencyMs(), error: `refused: ${target.error.reason}`, errorDetail: target.error.detail, errorKind: 'refused' };
  const pooled = options.agents?.agentFor(req.url, target.value);
  const agent = pooled ?? new Agent({ connect: { lookup: pinnedLookup(target.value), timeout: options.timeoutMs }, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await request(req.url, {
      method: 'POST',
      dispatcher: agent,
      signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'TSS-Webhooks/1',
        'webhook-id': req.messageId,
        'webhook-timestamp': String(req.timestampSeconds),
        'webhook-signature': req.signature,
      },
      body: req.body,
    });
    // The receiver's answer is not kept: reading it whole would let a receiver make us buffer anything.
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const retryAfter = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfterMs(response.statusCode, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, options.now());
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return {
      statusCode: response.statusCode,
      latencyMs: latencyMs(),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(ok ? {} : { error: `HTTP ${response.statusCode}`, errorKind: 'status' as const }),
    };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const timedOut = signal.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code));
    const message = timedOut ? `timed out after ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    return { latencyMs: latencyMs(), error: cutText(message, MAX_ERROR_CHARS), errorKind: timedOut ? 'timeout' : 'network' };
  } finally {
    if (!pooled) await agent.destroy().catch(() => undefined);
  }
};
