// The benchmarks' clock and figures: wall-clock milliseconds, a sleep, nearest-rank percentiles.

/** Wall-clock milliseconds without Date.now (the lint rule keeps that for the injected Clock). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentiles, in the values' unit, to a tenth. */
export const percentiles = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
  const round = (v: number) => Number(v.toFixed(1));
  return { count: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] ?? NaN) };
};
