import { grantScopes, isTokenRevoked } from '../../src/domain/grants';

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
});
