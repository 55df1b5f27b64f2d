import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import pino from 'pino';
import { createServiceApp, loadConfig, type ServiceApp } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { EdgeConfigSchema, installEdgeProtection } from '../src/http/edge-protection';
import { snapshotRateLimitStore } from '../src/http/rate-limit-store';

const RATE_LIMIT_MAX = 20;

/**
 * The edge alone, in front of one route, with a fresh in-memory limiter. Authentication runs before
 * the limiter and awaits one lookup that concurrent requests share (the signing key, a client's
 * revocation state on a cold cache): here that lookup settles once `burstSize` requests wait on it,
 * so they all reach the limiter in the same turn, as a burst on a fresh start does.
 */
const freshEdge = async (burstSize: number): Promise<{ app: ServiceApp; url: string }> => {
  const app = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  let arrived = 0;
  let settle!: () => void;
  const sharedLookup = new Promise<void>((resolve) => (settle = resolve));
  app.addHook('onRequest', async () => {
    arrived += 1;
    if (arrived === burstSize) settle();
    await sharedLookup;
  });
  await installEdgeProtection(app, loadConfig(EdgeConfigSchema, { TSS_RATE_LIMIT_MAX: String(RATE_LIMIT_MAX) }));
  app.get('/v1/ping', { config: { public: true } }, async () => ({ ok: true }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
};

/** `count` requests at once, on connections of their own, as a client's burst comes. */
const burst = (url: string, count: number) =>
  Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${url}/v1/ping`, { headers: { connection: 'close' } });
      await response.arrayBuffer();
      return { status: response.status, remaining: response.headers.get('ratelimit-remaining') };
    }),
  );

// Outside testing: a burst over the limit on a fresh start was refused whole (every request read the
// store's one shared counter after all of them had counted), and the allowed ones of any concurrent
// burst all reported the same RateLimit-Remaining.
describe('rate limit under a concurrent burst (in-memory store, docs/adr/0011)', () => {
  let edge: { app: ServiceApp; url: string } | undefined;
  afterEach(async () => {
    await edge?.app.close();
  });

  it('a burst larger than the limit on a fresh limiter lets exactly the limit through', async () => {
    edge = await freshEdge(RATE_LIMIT_MAX + 15);
    const answers = await burst(edge.url, RATE_LIMIT_MAX + 15);

    expect(answers.filter((a) => a.status === 200)).toHaveLength(RATE_LIMIT_MAX);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15);
  });

  it('each allowed request of a burst reports what was left after it: distinct, from max - 1 down to 0', async () => {
    edge = await freshEdge(RATE_LIMIT_MAX);
    const answers = await burst(edge.url, RATE_LIMIT_MAX);

    const remaining = answers.map((a) => Number(a.remaining)).sort((a, b) => b - a);
    expect(remaining).toEqual(Array.from({ length: RATE_LIMIT_MAX }, (_, i) => RATE_LIMIT_MAX - 1 - i));
  });
});

describe('snapshotRateLimitStore: a fixed window per key, each answer its own', () => {
  const WINDOW_MS = 60_000;
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const count = (store: FastifyRateLimitStore, key: string) => {
    let answer: { current: number; ttl: number } | undefined;
    store.incr(key, (_error, result) => (answer = result), WINDOW_MS, 10);
    return answer;
  };

  it('an answer handed out is not changed by the counts after it', () => {
    const Store = snapshotRateLimitStore(clock);
    const store = new Store({});
    const first = count(store, 'client:a');
    count(store, 'client:a');

    expect(first).toEqual({ current: 1, ttl: WINDOW_MS });
  });

  it('the window starts at its first request and ends WINDOW_MS later, per key', () => {
    const Store = snapshotRateLimitStore(clock);
    const store = new Store({});
    count(store, 'client:a');
    clock.advanceMs(20_000);
    expect(count(store, 'client:a')).toEqual({ current: 2, ttl: 40_000 });
    expect(count(store, 'client:b')).toEqual({ current: 1, ttl: WINDOW_MS });
    clock.advanceMs(40_000);
    expect(count(store, 'client:a')).toEqual({ current: 1, ttl: WINDOW_MS });
  });

  it('past its most keys, the least recently counted key is forgotten', () => {
    const Store = snapshotRateLimitStore(clock, 2);
    const store = new Store({});
    count(store, 'one');
    count(store, 'two');
    count(store, 'one');
    count(store, 'three');

    expect(count(store, 'one')).toMatchObject({ current: 3 });
    expect(count(store, 'two')).toMatchObject({ current: 1 });
  });

  it('refuses the settings it does not implement rather than ignoring them', () => {
    const Store = snapshotRateLimitStore(clock);
    expect(() => new Store({ continueExceeding: true })).toThrow(/not supported/);
  });
});
