import { generateKeyPairSync } from 'node:crypto';
import { isCurrent, VerifiedTokens, type VerifiedToken } from '../src/auth/verified-tokens';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const checked = (sub: string, claims: object = {}): VerifiedToken => ({ claims: { sub, exp: 1_000, ...claims }, kid: 'k1', key });

describe('tokens already checked', () => {
  it('forgets the least recently used beyond its size', () => {
    const tokens = new VerifiedTokens(2);
    tokens.remember('a', checked('a'));
    tokens.remember('b', checked('b'));
    expect(tokens.recall('a')?.claims.sub).toBe('a'); // a is now the most recently used
    tokens.remember('c', checked('c'));
    expect(tokens.size).toBe(2);
    expect(tokens.recall('b')).toBeUndefined();
    expect(tokens.recall('a')?.claims.sub).toBe('a');
    expect(tokens.recall('c')?.claims.sub).toBe('c');
  });

  it('holds while the key is the same (the same object or an equal one) and the token within its lifetime', () => {
    expect(isCurrent(checked('a'), key, 900, 30)).toBe(true);
    expect(isCurrent(checked('a'), otherKey, 900, 30)).toBe(false);
    expect(isCurrent(checked('a'), undefined, 900, 30)).toBe(false);
    const copy = { ...checked('a'), key: structuredClone(key) }; // a JWKS refetch's new object for the same key
    expect(isCurrent(copy, key, 900, 30)).toBe(true);
  });

  it('counts exp and nbf as jsonwebtoken does, with the tolerance', () => {
    expect(isCurrent(checked('a'), key, 1_029, 30)).toBe(true);
    expect(isCurrent(checked('a'), key, 1_030, 30)).toBe(false);
    expect(isCurrent(checked('a', { nbf: 500 }), key, 470, 30)).toBe(true);
    expect(isCurrent(checked('a', { nbf: 500 }), key, 469, 30)).toBe(false);
    expect(isCurrent(checked('a', { exp: undefined }), key, 0, 30)).toBe(false);
  });
});
