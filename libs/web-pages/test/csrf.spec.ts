import { csrfCookieHeader, CsrfTokens, newCsrfCookieValue, readCookie } from '../src';

const secret = Buffer.alloc(32, 7);
const now = new Date('2026-12-01T10:00:00Z');
const check = { form: 'reply', binding: 'link-1' };

describe('CsrfTokens', () => {
  const tokens = new CsrfTokens(secret);

  it('accepts the token it issued for the same form and binding', () => {
    expect(tokens.verify(check, tokens.issue(check, now), new Date(now.getTime() + 60_000))).toBeUndefined();
  });

  it('is a known-answer HMAC-SHA256 (format <seconds>.<base64url>)', () => {
    expect(tokens.issue(check, now)).toBe('1796119200.yi9Cl7ACdy0B2Xx8bCMh2wIjh6L00qo_CXIzuFTMw64');
    expect(tokens.issue(check, now)).toBe(tokens.issue(check, now));
  });

  it('refuses a missing, malformed or tampered token', () => {
    const token = tokens.issue(check, now);
    expect(tokens.verify(check, undefined, now)).toBe('missing');
    expect(tokens.verify(check, '', now)).toBe('missing');
    expect(tokens.verify(check, 'abc', now)).toBe('malformed');
    expect(tokens.verify(check, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, now)).toBe('mismatch');
    const [, mac] = token.split('.');
    expect(tokens.verify(check, `${Math.floor(now.getTime() / 1000) + 1}.${mac}`, now)).toBe('mismatch');
  });

  it('refuses a token of another form, another binding or another secret', () => {
    const token = tokens.issue(check, now);
    expect(tokens.verify({ form: 'reopen', binding: 'link-1' }, token, now)).toBe('mismatch');
    expect(tokens.verify({ form: 'reply', binding: 'link-2' }, token, now)).toBe('mismatch');
    expect(new CsrfTokens(Buffer.alloc(32, 8)).verify(check, token, now)).toBe('mismatch');
  });

  it('refuses a token older than its maximum age', () => {
    const short = new CsrfTokens(secret, 3_600_000);
    const token = short.issue(check, now);
    expect(short.verify(check, token, new Date(now.getTime() + 3_600_000))).toBeUndefined();
    expect(short.verify(check, token, new Date(now.getTime() + 3_600_001))).toBe('expired');
  });

  it('lasts 24 h by default, over WCAG 2.2.1’s 20 hours: a page opened in the evening is sent the next morning', () => {
    const token = tokens.issue(check, now);
    expect(tokens.verify(check, token, new Date(now.getTime() + 24 * 3_600_000))).toBeUndefined();
    expect(tokens.verify(check, token, new Date(now.getTime() + 24 * 3_600_000 + 1))).toBe('expired');
  });

  it('judges an authentic token past its age stale (the form again), and only a missing or foreign one refused', () => {
    const short = new CsrfTokens(secret, 3_600_000);
    const token = short.issue(check, now);
    const later = new Date(now.getTime() + 3_600_001);
    expect(short.judge(check, token, now)).toBe('good');
    expect(short.judge(check, token, later)).toBe('stale');
    expect(short.judge(check, undefined, later)).toBe('refused');
    expect(short.judge(check, 'abc', later)).toBe('refused');
    expect(short.judge({ form: 'reopen', binding: 'link-1' }, token, later)).toBe('refused');
    expect(new CsrfTokens(Buffer.alloc(32, 8), 3_600_000).judge(check, token, later)).toBe('refused');
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new CsrfTokens(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('the double-submit cookie', () => {
  it('is HttpOnly, SameSite=Strict, on the given path; Secure on request', () => {
    const value = newCsrfCookieValue();
    expect(value).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(csrfCookieHeader('tss_form', value, '/support', false)).toBe(`tss_form=${value}; Path=/support; HttpOnly; SameSite=Strict`);
    expect(csrfCookieHeader('tss_form', value, '/support', true)).toMatch(/; Secure$/);
  });

  it('is read back from a Cookie header, and only when it looks like ours', () => {
    const value = newCsrfCookieValue();
    expect(readCookie(`a=b; tss_form=${value}; c=d`, 'tss_form')).toBe(value);
    expect(readCookie('tss_form=<x>', 'tss_form')).toBeUndefined();
    expect(readCookie(undefined, 'tss_form')).toBeUndefined();
  });
});
