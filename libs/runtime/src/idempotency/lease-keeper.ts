import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '@tss/service-kit';
import { renewedLeaseUntil } from './idempotency-rules';
import type { HeldKey, IdempotencyStore } from './idempotency.store';

export interface LeaseKeeping {
  store: IdempotencyStore;
  clock: Clock;
  log: FastifyBaseLogger;
  leaseMs: number;
  renewEveryMs: number;
  maxHoldMs: number;
}

/**
 * Renews a held key's short lease while its request runs, so only a dead holder's claim lapses
 * (docs/adr/0028, fifth session): one UPDATE every `renewEveryMs`, and only for requests that run
 * that long. A real-time interval, and after every move of a test clock. Returns the stop function,
 * called once the answer is known.
 */
export const keepLease = (key: HeldKey, claimedAt: Date, options: LeaseKeeping): (() => void) => {
  const { store, clock, log, leaseMs, maxHoldMs } = options;
  let stopped = false;
  let renewing = false;
  const stop = () => {
    stopped = true;
    clearInterval(timer);
    stopFollowingClock?.();
  };
  const renew = async () => {
    if (stopped || renewing) return;
    const leaseUntil = renewedLeaseUntil(claimedAt, clock.now(), leaseMs, maxHoldMs);
    if (leaseUntil === undefined) {
      log.warn({ idempotencyKey: key.id }, 'a request has held its idempotency key too long; its lease is no longer renewed');
      return stop();
    }
    renewing = true;
    try {
      // Not ours any more: answered, released, or taken over after a renewal failed for too long.
      if (!(await store.renew(key, leaseUntil))) stop();
    } catch (error) {
      // The database is away: the lease runs out unless a later renewal gets through.
      log.warn({ err: error, idempotencyKey: key.id }, 'could not renew the lease of an idempotency key');
    } finally {
      renewing = false;
    }
  };
  const timer = setInterval(() => void renew(), options.renewEveryMs);
  timer.unref();
  const stopFollowingClock = clock.onMove?.(() => void renew());
  return stop;
};
