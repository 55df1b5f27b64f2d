import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics';

/** Whose key set: the gateway's (TSS_JWKS_URL, TSS tokens) or the identity provider's (TSS_OIDC_JWKS_URL, staff sign-in). */
export type JwksName = 'gateway' | 'oidc';

/** What a `JwksKeySource` reports of its fetches. */
export interface JwksFetchObserver {
  fetched(): void;
  failed(error: unknown): void;
}

let available: Gauge<'service' | 'jwks'> | undefined;
const availableGauge = (): Gauge<'service' | 'jwks'> =>
  (available ??= new Gauge({
    name: 'tss_jwks_available',
    help: "1 when this service's last fetch of a JWKS gave it the key set, 0 when it failed (alert on it; readiness ignores it)",
    labelNames: ['service', 'jwks'],
    registers: [metricsRegistry()],
  }));

export interface JwksStatusOptions {
  service: string;
  jwks: JwksName;
  logger: Logger;
  /** From the injected clock: the outage's length in the line that ends it. */
  nowMs: () => number;
}

/**
 * The messages down an error's causes: fetch's "fetch failed" says nothing without its cause's
 * ECONNREFUSED. Read by shape, not `instanceof`: fetch's errors may come from another realm.
 */
const reasonOf = (error: unknown): string => {
  const messages: string[] = [];
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; depth += 1) {
    const { message, cause } = typeof current === 'object' ? (current as { message?: unknown; cause?: unknown }) : {};
    messages.push(typeof message === 'string' ? message : String(current));
    current = cause;
  }
  return messages.join(': ');
};

/**
 * Whether a service can fetch a JWKS, as its last fetch found. The keys are fetched when a token
 * needs one the copy lacks, and refreshed every 5 minutes while tokens arrive: a service that never
 * fetched them answers every request 503, one with a copy keeps verifying the keys it holds. Not a
 * readiness check: the gateway's JWKS is one dependency of every service, and a readiness that
 * followed it would take every pod out at once (docs/adr/0021, seventh session). An outage is one
 * warning when it starts, one line when it ends, and the `tss_jwks_available` gauge meanwhile.
 */
export class JwksStatus implements JwksFetchObserver {
  private downSinceMs?: number;
  private failures = 0;

  constructor(private readonly options: JwksStatusOptions) {}

  fetched(): void {
    const { service, jwks } = this.options;
    availableGauge().set({ service, jwks }, 1);
    if (this.downSinceMs === undefined) return;
    this.options.logger.info({ jwks, outage: 'ended', outageMs: this.options.nowMs() - this.downSinceMs, failedFetches: this.failures }, 'JWKS available again');
    this.downSinceMs = undefined;
  }

  failed(error: unknown): void {
    const { service, jwks } = this.options;
    availableGauge().set({ service, jwks }, 0);
    if (this.downSinceMs !== undefined) {
      this.failures += 1;
      return;
    }
    this.downSinceMs = this.options.nowMs();
    this.failures = 1;
    const reason = reasonOf(error);
    this.options.logger.warn(
      { jwks, outage: 'started' },
      `JWKS unavailable: ${reason}; a token signed with a key this service has not fetched gets a 503 until it is back (docs/operations.md#runbook-jwks-unavailable)`,
    );
  }
}
