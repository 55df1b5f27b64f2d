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
