import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * CSRF protection for the pages' forms (docs/adr/0037): a synchronizer token that is an HMAC of
 * the form's name, what the form is bound to and when it was issued, so the server keeps no state.
 *
 * - A form reached through a secret (a support-site link, a survey token) binds to that secret's
 *   id: only someone who could open the page can post it.
 * - A form anyone may open (a new request) binds to a random cookie the page sets (`SameSite=Strict;
 *   HttpOnly`): the signed double-submit pattern of OWASP's cheat sheet. A cross-site page can
 *   neither read the cookie nor forge the HMAC.
 *
 * Token: `<issuedAt seconds>.<base64url mac>`. Older than `maxAgeMs` (default 24 h): `expired`.
 * An expired token is still one we issued for this form and binding, so the page answers it with
 * the form again, what was typed kept and a fresh token (`judge`: `stale`); only a token that is
 * missing or not ours is refused (docs/adr/0045, addendum of the seventh session; WCAG 2.2.1).
 */
export type CsrfProblem = 'missing' | 'malformed' | 'mismatch' | 'expired';

/**
 * How a page answers a posted form: `good`; `stale`, a token we issued for this form and binding
 * but too old (the form again with what was typed, a fresh token, nothing done); `refused`, a token
 * missing, malformed or not ours for this form and binding (the 403 page, nothing done).
 */
export type CsrfVerdict = 'good' | 'stale' | 'refused';

export interface CsrfCheck {
  /** The form, e.g. `reply`, `reopen`, `new-request`: a token for one form is refused by another. */
  form: string;
  /** What the form is bound to: a link id, or `cookie:<value>`. */
  binding: string;
}

export const CSRF_FIELD = '_csrf';
/** Over 20 h (WCAG 2.2.1's 20-hour exception): a page opened in the evening is sent the next morning at once. */
export const CSRF_DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

export class CsrfTokens {
  /** `secret`: at least 32 bytes, shared by every replica that renders or checks the forms. */
  constructor(
    private readonly secret: Buffer,
    private readonly maxAgeMs: number = CSRF_DEFAULT_MAX_AGE_MS,
  ) {
    if (secret.length < 32) throw new Error(`a CSRF secret needs at least 32 bytes, got ${secret.length}`);
  }

  issue(check: CsrfCheck, now: Date): string {
    const issuedAt = Math.floor(now.getTime() / 1000);
    return `${issuedAt}.${this.mac(check, issuedAt)}`;
  }

  /** Undefined when the token is good for this form and binding now, else the reason. */
  verify(check: CsrfCheck, token: unknown, now: Date): CsrfProblem | undefined {
    if (typeof token !== 'string' || token === '') return 'missing';
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return 'malformed';
    const issuedAt = Number(match[1]);
    const expected = Buffer.from(this.mac(check, issuedAt));
    const given = Buffer.from(match[2]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'mismatch';
    const ageMs = now.getTime() - issuedAt * 1000;
    if (ageMs > this.maxAgeMs || ageMs < -60_000) return 'expired';
    return undefined;
  }

  /** `verify` as the page acts on it: an authentic token past its age is `stale`, not `refused`. */
  judge(check: CsrfCheck, token: unknown, now: Date): CsrfVerdict {
    const problem = this.verify(check, token, now);
    return problem === undefined ? 'good' : problem === 'expired' ? 'stale' : 'refused';
  }

  private mac(check: CsrfCheck, issuedAt: number): string {
    // Lengths first, so no choice of form and binding can collide with another.
    return createHmac('sha256', this.secret).update(`csrf/v1|${check.form.length}:${check.form}|${check.binding.length}:${check.binding}|${issuedAt}`).digest('base64url');
  }
}

/** A fresh value for a double-submit cookie. */
export const newCsrfCookieValue = (): string => randomBytes(18).toString('base64url');

/** `Set-Cookie` for the double-submit cookie: script-proof, same-site only, scoped to the site's path. */
export const csrfCookieHeader = (name: string, value: string, path: string, secure: boolean): string =>
  `${name}=${value}; Path=${path}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;

/** A cookie's value from a `Cookie` header, when it is a token we could have set. */
export const readCookie = (cookieHeader: string | undefined, name: string): string | undefined => {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      const value = rest.join('=');
      return /^[A-Za-z0-9_-]{16,64}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
};
