/**
 * Issue #11: an attempt that fails is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
 * (8 attempts over ~28 h), each wait with ±10 % jitter so a recovering receiver is not hit by
 * every retry at once. A `Retry-After` on 429/503 may lengthen the scheduled wait, never shorten
 * it (a receiver in a short maintenance answering `Retry-After: 7` would otherwise spend all 8
 * attempts within a minute and lose the event), and is bounded by the longest step, so a receiver
 * cannot park a delivery forever.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
export const JITTER_RATIO = 0.1;
/** An endpoint whose every attempt failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3_600_000;
const MAX_RETRY_AFTER_MS = 10 * 3_600_000;

export type AttemptOutcome =
  | { kind: 'succeeded'; statusCode: number }
  | { kind: 'failed'; statusCode?: number; retryAfterMs?: number; error: string };

/** The wait before the next attempt after `attempts` failed ones, or undefined when they are spent. `random` ∈ [0, 1). */
export const nextRetryDelayMs = (attempts: number, outcome: { retryAfterMs?: number }, random: number): number | undefined => {
  if (attempts >= MAX_ATTEMPTS) return undefined;
  const scheduled = Math.round(RETRY_SCHEDULE_MS[attempts - 1] * (1 + JITTER_RATIO * (2 * random - 1)));
  if (outcome.retryAfterMs === undefined) return scheduled;
  return Math.max(Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS), scheduled);
};

/**
 * RFC 9110 §10.2.3: `Retry-After` is delay-seconds or an HTTP-date; honoured on 429 and 503 only.
 * Returns milliseconds from `now`, or undefined when absent or unreadable.
 */
export const parseRetryAfterMs = (statusCode: number, header: string | undefined, now: Date): number | undefined => {
  if ((statusCode !== 429 && statusCode !== 503) || !header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
};

/** True when an endpoint failing since `failingSince` has failed every attempt for 5 days by `now`. */
export const shouldDisable = (failingSince: Date | null, now: Date): boolean =>
  failingSince !== null && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS;
