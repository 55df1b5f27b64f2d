import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TokenVerifier } from '../src/auth/token-verifier';

const NOW = 1_800_000_000;
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = new Map<string, KeyObject>([['k1', es.publicKey]]);
const verifier = new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async (kid) => keys.get(kid) }, nowSeconds: () => NOW });

const claims = { sub: 'pc_1', kind: 'partner', partner_id: 'p1', scope: 'tickets:read tickets:write', jti: 'j1', iat: NOW, exp: NOW + 900 };
const sign = (payload: object = claims, options: jwt.SignOptions = {}, key: KeyObject | string = es.privateKey) =>
  jwt.sign(payload, key, { algorithm: 'ES256', keyid: 'k1', issuer: 'tss', audience: 'tss-api', ...options });

describe('access token verification', () => {
  it('accepts a valid token and maps its claims', async () => {
    const result = await verifier.verify(sign());
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ kind: 'partner', partnerId: 'p1', scopes: ['tickets:read', 'tickets:write'] }) });
  });

  const rejects: [string, () => string][] = [
    ['alg none', () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, iss: 'tss', aud: 'tss-api' })).toString('base64url')}.`],
    ['HS256 signed with the public key', () => jwt.sign({ ...claims }, es.publicKey.export({ format: 'pem', type: 'spki' }).toString(), { algorithm: 'HS256', keyid: 'k1', issuer: 'tss', audience: 'tss-api' })],
    ['expired beyond the 30 s tolerance', () => sign({ ...claims, iat: NOW - 1000, exp: NOW - 31 })],
    ['wrong audience', () => sign(claims, { audience: 'someone-else' })],
    ['wrong issuer', () => sign(claims, { issuer: 'evil' })],
    ['unknown kid', () => sign(claims, { keyid: 'k-unknown' })],
    ['signed by another key', () => sign(claims, {}, other.privateKey)],
    ['tampered payload', () => {
      const [h, , s] = sign().split('.');
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, partner_id: 'p2', iss: 'tss', aud: 'tss-api' })).toString('base64url')}.${s}`;
    }],
    ['no expiry', () => sign({ sub: 'pc_1', kind: 'partner', jti: 'j' })],
  ];

  it.each(rejects)('rejects a token with %s', async (_case, token) => {
    const result = await verifier.verify(token());
    expect(result.ok).toBe(false);
  });

  it('tolerates 30 s of clock skew, no more', async () => {
    expect((await verifier.verify(sign({ ...claims, exp: NOW - 29 }))).ok).toBe(true);
  });
});

// A partner sends one token with every request: its signature is checked once, and what can change
// (the key, the clock) is checked at every use (docs/adr/0086).
describe('access token verification: a token seen before', () => {
  let now = NOW;
  const ring = new Map<string, KeyObject>();
  const seeing = () => new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async (kid) => ring.get(kid) }, nowSeconds: () => now });
  let signatureChecks: jest.SpiedFunction<typeof jwt.verify>;

  beforeEach(() => {
    now = NOW;
    ring.clear();
    ring.set('k1', es.publicKey);
    signatureChecks = jest.spyOn(jwt, 'verify');
  });

  afterEach(() => signatureChecks.mockRestore());

  it('is accepted again without its signature checked again', async () => {
    const verifier = seeing();
    const token = sign();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toEqual(first);
    expect(second.ok).toBe(true);
    expect(signatureChecks).toHaveBeenCalledTimes(1);
  });

  it('is refused once it expired, with the reason a first check gives', async () => {
    const verifier = seeing();
    const token = sign({ ...claims, exp: NOW + 60 });
    expect((await verifier.verify(token)).ok).toBe(true);
    now = NOW + 60 + 29;
    expect((await verifier.verify(token)).ok).toBe(true); // within the 30 s tolerance
    now = NOW + 60 + 30;
    expect(await verifier.verify(token)).toEqual({ ok: false, error: { kind: 'invalid', reason: 'jwt expired' } });
    expect(await seeing().verify(token)).toEqual({ ok: false, error: { kind: 'invalid', reason: 'jwt expired' } });
  });

  it('is refused before its nbf, as a first check would, and accepted from then', async () => {
    const verifier = seeing();
    const token = sign({ ...claims, nbf: NOW + 100 });
    now = NOW + 70;
    expect((await verifier.verify(token)).ok).toBe(true); // nbf within the 30 s tolerance
    now = NOW;
    expect(await verifier.verify(token)).toEqual({ ok: false, error: { kind: 'invalid', reason: 'jwt not active' } });
  });

  it('is refused once its key was retired', async () => {
    const verifier = seeing();
    const token = sign();
    expect((await verifier.verify(token)).ok).toBe(true);
    ring.delete('k1');
    expect(await verifier.verify(token)).toEqual({ ok: false, error: { kind: 'invalid', reason: 'unknown signing key' } });
  });

  it('is checked afresh, and refused, when its kid names another key now', async () => {
    const verifier = seeing();
    const token = sign();
    expect((await verifier.verify(token)).ok).toBe(true);
    ring.set('k1', other.publicKey);
    expect(await verifier.verify(token)).toEqual({ ok: false, error: { kind: 'invalid', reason: 'invalid signature' } });
    ring.set('k1', es.publicKey);
    expect((await verifier.verify(token)).ok).toBe(true);
  });

  it('is still checked each time for revocation', async () => {
    let revoked = false;
    const verifier = new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: { getKey: async (kid) => ring.get(kid) }, nowSeconds: () => now, isRevoked: async () => revoked });
    const token = sign();
    expect((await verifier.verify(token)).ok).toBe(true);
    revoked = true;
    expect(await verifier.verify(token)).toEqual({ ok: false, error: { kind: 'revoked' } });
  });

  it('a refused token is never remembered: the same text is checked again', async () => {
    const verifier = seeing();
    const token = sign(claims, {}, other.privateKey);
    expect((await verifier.verify(token)).ok).toBe(false);
    expect((await verifier.verify(token)).ok).toBe(false);
    expect(signatureChecks).toHaveBeenCalledTimes(2);
  });
});
