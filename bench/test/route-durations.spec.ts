import { routeDurationsBetween, type RouteDurations } from '../support/processes';

const reading = (count: number, sumS: number, cumulative: number[]): RouteDurations => ({
  count,
  sumS,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, Infinity].map((bound, i) => [bound, cumulative[i]]),
});

describe("a route's request durations between two readings of its histogram", () => {
  it('counts only the requests in between, with their mean and the buckets their median and p99 fall under', () => {
    // Before: 10 requests, all within 5 ms. In between: 100 more, 60 within 10 ms, 99 within 50 ms, all within 100 ms.
    const before = reading(10, 0.02, [10, 10, 10, 10, 10, 10]);
    const after = reading(110, 0.02 + 1.5, [10, 70, 90, 109, 110, 110]);
    expect(routeDurationsBetween(before, after)).toEqual({ count: 100, meanMs: 15, p50UnderMs: 10, p99UnderMs: 50 });
  });

  it('leaves a percentile past the last finite bound, and every figure of no request, undefined', () => {
    const before = reading(0, 0, [0, 0, 0, 0, 0, 0]);
    expect(routeDurationsBetween(before, reading(4, 2, [1, 1, 1, 1, 1, 4]))).toEqual({ count: 4, meanMs: 500, p50UnderMs: undefined, p99UnderMs: undefined });
    expect(routeDurationsBetween(before, before)).toEqual({ count: 0, meanMs: undefined, p50UnderMs: undefined, p99UnderMs: undefined });
  });
});
