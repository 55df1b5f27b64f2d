// Load at a fixed rate, open loop: the benchmarks' schedule for "N a second" (intake's and memory's
// half-rate runs, ack, kafka-e2e). The i-th call is due at start + i / rate whatever the earlier
// calls are doing, and a request's latency counts from when it was due, so a server (or this
// process) falling behind shows in the figures instead of slowing the load down (coordinated
// omission). autocannon's `overallRate` is neither: each connection sends its share of a second
// back to back when the second starts, then waits for the next, and its correction records a
// response of L ms as L samples 1 ms apart (docs/adr/0077).
import { Agent, request } from 'undici';
import type { LoadFigures } from './ticket-load';
import { percentiles, sleep } from './timing';

/** A call that started this much after it was due counts as a late start: the load generator itself fell behind. */
export const LATE_START_MS = 100;

export interface ScheduleClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: ScheduleClock = { now: () => performance.now(), sleep };

/**
 * Calls `fire` `rate` times a second for `durationS`, the i-th at `start + i * 1000 / rate` (`due`,
 * on `clock.now()`'s scale), without waiting for earlier calls: slow answers never delay the next
 * call. Resolves once every call has settled, with how many were made and how many started more
 * than LATE_START_MS after they were due.
 */
export const atFixedRate = async (
  rate: number,
  durationS: number,
  fire: (i: number, due: number) => Promise<void>,
  clock: ScheduleClock = realClock,
): Promise<{ total: number; lateStarts: number }> => {
  const total = Math.round(rate * durationS);
  const started = clock.now();
  const inFlight: Promise<void>[] = [];
  let lateStarts = 0;
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - clock.now();
    if (wait > 1) await clock.sleep(wait);
    if (clock.now() - due > LATE_START_MS) lateStarts += 1;
    inFlight.push(fire(i, due));
  }
  await Promise.all(inFlight);
  return { total, lateStarts };
};

/**
 * `body` POSTed to `url` `ratePerSecond` times a second for `durationS` over at most `connections`
 * kept-alive connections (a request due while every connection is busy waits for one, and that
 * wait counts). `latencyMs` runs from when each request was due to its whole answer; `serviceMs`
 * from when it was handed to the connection pool, for comparison.
 */
export const postAtFixedRate = async (
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { connections: number; durationS: number; ratePerSecond: number },
): Promise<LoadFigures & { lateStarts: number; serviceMs: ReturnType<typeof percentiles> }> => {
  const agent = new Agent({ connections: options.connections, pipelining: 1 });
  const fromDue: number[] = [];
  const fromSend: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  try {
    const { lateStarts } = await atFixedRate(options.ratePerSecond, options.durationS, async (_i, due) => {
      const sent = performance.now();
      try {
        const response = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...headers }, body });
        await response.body.dump();
        const done = performance.now();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          ok += 1;
          fromDue.push(done - due);
          fromSend.push(done - sent);
        } else non2xx += 1;
      } catch {
        errors += 1;
      }
    });
    const elapsedS = (performance.now() - started) / 1000;
    const latency = percentiles(fromDue);
    return {
      requestsPerSecond: Math.round(ok / elapsedS),
      ok,
      non2xx,
      errors,
      latencyMs: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max },
      lateStarts,
      serviceMs: percentiles(fromSend),
    };
  } finally {
    await agent.close();
  }
};
