/**
 * When each signing key is published, signs and retires (docs/adr/0012, 0014). A key is in the
 * JWKS from `createdAt` and signs from `signsFrom`: in between, every verifier's JWKS cache has
 * expired at least once, so no verifier meets a token whose key it has not fetched.
 */
export interface ScheduledKey {
  kid: string;
  createdAt: Date;
  signsFrom: Date;
}

const bySigningStart = <K extends ScheduledKey>(keys: readonly K[]): K[] =>
  [...keys].sort((a, b) => a.signsFrom.getTime() - b.signsFrom.getTime() || a.createdAt.getTime() - b.createdAt.getTime());

/** The key that signs at `now`: of those whose pre-publication is over, the one that started last. */
export const signingKeyAt = <K extends ScheduledKey>(keys: readonly K[], now: Date): K | undefined =>
  bySigningStart(keys.filter((k) => k.signsFrom.getTime() <= now.getTime())).at(-1);

/** A new key is due when the newest one (signing or still pre-published) is `maxAgeMs` old: one rotation at a time. */
export const rotationDue = (keys: readonly ScheduledKey[], now: Date, maxAgeMs: number): boolean => {
  const newestMs = Math.max(...keys.map((k) => k.createdAt.getTime()));
  return keys.length === 0 || now.getTime() - newestMs >= maxAgeMs;
};

/** A key retires once its successor has signed for longer than a token lives (plus skew): no live token needs it. */
export const keysToRetire = (keys: readonly ScheduledKey[], now: Date, tokenLifetimeMs: number): string[] => {
  const ordered = bySigningStart(keys);
  return ordered.filter((_key, i) => i < ordered.length - 1 && now.getTime() - ordered[i + 1].signsFrom.getTime() > tokenLifetimeMs).map((k) => k.kid);
};
