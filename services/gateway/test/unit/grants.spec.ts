import { grantScopes, isTokenRevoked, keysToRetire } from '../../src/domain/grants';

describe('grants', () => {
  it('RFC 6749 §3.3: no scope asked grants all allowed; asking beyond is invalid_scope', () => {
    expect(grantScopes(undefined, ['a', 'b'])).toEqual({ ok: true, scopes: ['a', 'b'] });
    expect(grantScopes(' b ', ['a', 'b'])).toEqual({ ok: true, scopes: ['b'] });
    expect(grantScopes('a c d', ['a', 'b'])).toEqual({ ok: false, invalid: ['c', 'd'] });
  });

  it('a token is revoked when its client is gone, disabled, or has moved to a newer token version', () => {
    expect(isTokenRevoked(null, 1)).toBe(true);
    expect(isTokenRevoked({ active: false, tokenVersion: 1 }, 1)).toBe(true);
    expect(isTokenRevoked({ active: true, tokenVersion: 2 }, 1)).toBe(true);
    expect(isTokenRevoked({ active: true, tokenVersion: 2 }, undefined)).toBe(true);
    expect(isTokenRevoked({ active: true, tokenVersion: 2 }, 2)).toBe(false);
  });

  it('a signing key retires once its successor has signed longer than a token lives', () => {
    const at = (iso: string) => new Date(iso);
    const keys = [
      { kid: 'k1', createdAt: at('2026-01-01T00:00:00Z') },
      { kid: 'k2', createdAt: at('2026-01-02T00:00:00Z') },
      { kid: 'k3', createdAt: at('2026-01-02T00:10:00Z') },
    ];
    const lifetimeMs = 15 * 60_000;
    expect(keysToRetire(keys, at('2026-01-02T00:12:00Z'), lifetimeMs)).toEqual([]);
    expect(keysToRetire(keys, at('2026-01-02T00:16:00Z'), lifetimeMs)).toEqual(['k1']);
    expect(keysToRetire(keys, at('2026-01-02T00:26:00Z'), lifetimeMs)).toEqual(['k1', 'k2']);
    expect(keysToRetire(keys.slice(2), at('2027-01-01T00:00:00Z'), lifetimeMs)).toEqual([]);
  });
});
