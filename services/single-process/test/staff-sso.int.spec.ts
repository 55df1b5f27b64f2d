import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { TestClock } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// The company's identity provider, stood in for by a JWKS served on 127.0.0.1.
const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ISSUER = 'https://sso.example.test';

describe('staff single sign-on through the platform', () => {
  const clock = new TestClock('2026-05-05T10:00:00.000Z');
  let jwks: Server;
  let platform: TestPlatform;

  beforeAll(async () => {
    jwks = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'sso-1', alg: 'RS256' }] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    platform = await startTestPlatform('staff_sso', {
      clock,
      oidc: {
        TSS_OIDC_ISSUER: ISSUER,
        TSS_OIDC_AUDIENCE: 'tss',
        TSS_OIDC_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
        TSS_OIDC_ROLES_CLAIM: 'groups',
      },
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  const ssoToken = (groups: string[]) => {
    const now = Math.floor(clock.now().getTime() / 1000);
    return jwt.sign({ sub: 'employee-7', groups, iat: now, exp: now + 300 }, idp.privateKey, { algorithm: 'RS256', keyid: 'sso-1', issuer: ISSUER, audience: 'tss' });
  };

  it('an admin signed in through the identity provider manages partners; an agent is refused', async () => {
    const { client } = platform;
    const admin = await client.http().get('/v1/partners').auth(ssoToken(['admin']), { type: 'bearer' });
    expect(admin.status).toBe(200);
    const agent = await client.http().get('/v1/partners').auth(ssoToken(['agent', 'not-a-tss-role']), { type: 'bearer' });
    expect(agent.status).toBe(403);
    const forgedIssuer = jwt.sign({ sub: 'x', groups: ['admin'] }, idp.privateKey, { algorithm: 'RS256', keyid: 'sso-1', issuer: 'https://evil.test', audience: 'tss', expiresIn: 300 });
    expect((await client.http().get('/v1/partners').auth(forgedIssuer, { type: 'bearer' })).status).toBe(401);
  });
});
