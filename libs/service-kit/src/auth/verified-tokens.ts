import type { KeyObject } from 'node:crypto';
import type { JwtPayload } from 'jsonwebtoken';

/** A token whose signature, issuer and audience were checked: what it said, and the key it was checked with. */
export interface VerifiedToken {
  claims: JwtPayload & { sub: string };
  kid: string;
  key: KeyObject;
}

/**
 * Tokens remembered at most. A partner's platform reuses its token for its 15 minutes, so the live
 * set is one or a few a client; past this, the least recently used is forgotten. About 2 KB each.
 */
export const VERIFIED_TOKENS_MAX = 1_000;

/**
 * Tokens whose signature was already checked, by their exact text (docs/adr/0086). Checking an
 * ES256 signature costs about 0.1 ms of CPU, on every request of every service a request crosses;
 * the same text with the same key can only check the same way. What changes with time is not kept
 * here: the caller checks the key is still the source's and the token still within its lifetime
 * (`isCurrent`) at each use, and the revocation check runs on every request as before.
 */
export class VerifiedTokens {
  private readonly byText = new Map<string, VerifiedToken>();

  constructor(private readonly max = VERIFIED_TOKENS_MAX) {}

  get size(): number {
    return this.byText.size;
  }

  /** The token's earlier check, made the most recently used; undefined when not remembered. */
  recall(token: string): VerifiedToken | undefined {
    const known = this.byText.get(token);
    if (!known) return undefined;
    this.byText.delete(token);
    this.byText.set(token, known);
    return known;
  }

  remember(token: string, verified: VerifiedToken): void {
    this.byText.delete(token);
    if (this.byText.size >= this.max) this.byText.delete(this.byText.keys().next().value as string);
    this.byText.set(token, verified);
  }

  forget(token: string): void {
    this.byText.delete(token);
  }
}

/**
 * Whether a remembered check still holds at `nowSeconds`: the key source still gives the same key
 * for its kid (a retired or replaced key ends it), and the token is within its lifetime as
 * jsonwebtoken counts it (`exp` passed once `now >= exp + tolerance`, `nbf` not yet while
 * `nbf > now + tolerance`). When it does not hold, the caller checks the token afresh, which
 * refuses it with jsonwebtoken's own reason.
 */
export const isCurrent = (verified: VerifiedToken, currentKey: KeyObject | undefined, nowSeconds: number, toleranceSeconds: number): boolean => {
  if (!currentKey || !(currentKey === verified.key || currentKey.equals(verified.key))) return false;
  const { exp, nbf } = verified.claims;
  if (typeof exp !== 'number' || nowSeconds >= exp + toleranceSeconds) return false;
  return !(typeof nbf === 'number' && nbf > nowSeconds + toleranceSeconds);
};
