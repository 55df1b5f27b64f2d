import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '@tss/service-kit';

/** Keys remembered at most, the least recently counted forgotten first: the library's own default (`cache`). */
export const RATE_LIMIT_MAX_KEYS = 5000;

/** One key's fixed window: never changed in place, so an answer already handed out stays as it was. */
interface CountedWindow {
  readonly count: number;
  readonly startedAtMs: number;
}

type Answer = (error: Error | null, result?: { current: number; ttl: number }) => void;
/** A setting of those the plugin constructs a store with (its own, or a route's merged with them). */
const isOn = (settings: object, name: 'continueExceeding' | 'exponentialBackoff'): boolean => Reflect.get(settings, name) === true;

/**
 * The rate limiter's in-memory counters (no Redis), a fixed window per key as @fastify/rate-limit's
 * own LocalStore counts them, but answering each call with a copy. LocalStore (11.2.0, the latest)
 * hands every caller its one mutable counter, and the plugin reads it after an `await`: requests
 * of a burst that reach the limiter in one turn (all waiting on one authentication lookup, as on a
 * fresh start) all read the count of the last one. Over the limit, every one of them was refused,
 * and the allowed ones of any burst reported one RateLimit-Remaining between them (docs/adr/0011).
 * `continueExceeding` and `exponentialBackoff` are not supported: the edge uses neither.
 */
export const snapshotRateLimitStore = (clock: Clock, maxKeys = RATE_LIMIT_MAX_KEYS): FastifyRateLimitStoreCtor =>
  class SnapshotRateLimitStore implements FastifyRateLimitStore {
    private readonly windows = new Map<string, CountedWindow>();

    constructor(settings: object) {
      if (isOn(settings, 'continueExceeding') || isOn(settings, 'exponentialBackoff')) throw new Error('snapshotRateLimitStore counts a plain fixed window: continueExceeding and exponentialBackoff are not supported');
    }

    incr(key: string, answer: Answer, timeWindowMs: number): void {
      const nowMs = clock.now().getTime();
      const open = this.windows.get(key);
      const counted: CountedWindow = open && open.startedAtMs + timeWindowMs > nowMs ? { count: open.count + 1, startedAtMs: open.startedAtMs } : { count: 1, startedAtMs: nowMs };
      // Re-inserted, so the Map's order is the order keys were last counted in.
      this.windows.delete(key);
      this.windows.set(key, counted);
      if (this.windows.size > maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      answer(null, { current: counted.count, ttl: counted.startedAtMs + timeWindowMs - nowMs });
    }

    /** The count without counting (`createRateLimit` with `increment: false`). */
    read(key: string, answer: Answer, timeWindowMs: number): void {
      const nowMs = clock.now().getTime();
      const open = this.windows.get(key);
      if (!open || open.startedAtMs + timeWindowMs <= nowMs) return answer(null, { current: 0, ttl: 0 });
      answer(null, { current: open.count, ttl: open.startedAtMs + timeWindowMs - nowMs });
    }

    /** A route with a limit of its own counts apart. */
    child(routeOptions: object): FastifyRateLimitStore {
      return new SnapshotRateLimitStore(routeOptions);
    }
  };
