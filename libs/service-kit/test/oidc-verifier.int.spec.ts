import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { ConfigError } from '../src/config';
import { withStaffSingleSignOn } from '../src/auth/oidc-verifier';
import type { AccessTokenVerifier } from '../src/auth/token-verifier';
import { ok } from '../src/result';

// A stand-in identity provider: a real HTTP server on 127.0.0.1 publishing a JWKS.
const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ISSUER = 'https://login.example.test/realms/support';

describe('staff single sign-on (OpenID Connect)', () => {
  let server: Server;
  let jwksUrl: string;
  let jwksRequests = 0;
  const nowMs = () => 1_900_000_000_000;
  const tss: AccessTokenVerifier = { verify: async () => ok({ kind: 'partner', subject: 'tss', tokenId: 't', roles: [], scopes: [] }) };

  beforeAll(async () => {
    server = createServer((_request, response) => {
      jwksRequests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const verifier = () =>
    withStaffSingleSignOn(tss, { TSS_OIDC_ISSUER: ISSUER, TSS_OIDC_AUDIENCE: 'tss-staff', TSS_OIDC_JWKS_URL: jwksUrl, TSS_OIDC_ROLES_CLAIM: 'realm_access.roles' }, nowMs);
  const idpToken = (claims: object, options: jwt.SignOptions = {}) =>
    jwt.sign({ sub: 'u-42', realm_access: { roles: ['agent', 'superuser'] }, ...claims }, idp.privateKey, {
      algorithm: 'RS256',
      keyid: 'idp-1',
      issuer: ISSUER,
      audience: 'tss-staff',
      ...options,
    });
  const at = (seconds: number) => ({ iat: seconds, exp: seconds + 300 });

  it('accepts the provider’s token as staff, with roles from the configured claim', async () => {
    const result = await verifier().verify(idpToken(at(nowMs() / 1000)));
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ kind: 'staff', subject: `${ISSUER}|u-42`, roles: ['agent'], scopes: expect.arrayContaining(['queue:read', 'tickets:read']) }),
    });
    expect(jwksRequests).toBeGreaterThanOrEqual(1);
  });

  it('refuses the provider’s token for another audience, or expired', async () => {
    expect((await verifier().verify(idpToken(at(nowMs() / 1000), { audience: 'someone-else' }))).ok).toBe(false);
    expect((await verifier().verify(idpToken(at(nowMs() / 1000 - 10_000)))).ok).toBe(false);
  });

  it('sends every other issuer to the TSS verifier', async () => {
    const other = jwt.sign({ sub: 'x' }, 'k', { issuer: 'tss' });
    expect(await verifier().verify(other)).toEqual(ok(expect.objectContaining({ subject: 'tss' })));
  });

  it('takes all three settings or none', () => {
    expect(withStaffSingleSignOn(tss, { TSS_OIDC_ROLES_CLAIM: 'roles' }, nowMs)).toBe(tss);
    expect(() => withStaffSingleSignOn(tss, { TSS_OIDC_ISSUER: ISSUER, TSS_OIDC_ROLES_CLAIM: 'roles' }, nowMs)).toThrow(ConfigError);
  });
});
