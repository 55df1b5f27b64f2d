import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import { openKeyRing } from '@tss/gateway';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const decode = (token: string) => jwt.decode(token, { complete: true }) as { header: { kid: string; alg: string }; payload: Record<string, unknown> };

describe('gateway authentication and authorisation', () => {
  const clock = new TestClock('2026-04-01T12:00:00.000Z');
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;

  beforeAll(async () => {
    platform = await startTestPlatform('gateway_auth', { clock });
    client = platform.client;
    admin = await platform.adminToken();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const http = () => client.http();
  const signingKey = async () => {
    // Signing keys are stored wrapped (docs/adr/0014): read them the way the gateway does.
    const keys = await openKeyRing({ dataSource: platform.running.platform.host('gateway').dataSource, clock, logger: pino({ level: 'silent' }) });
    const { kid, privateKey } = await keys.signingKey();
    return { kid, key: privateKey };
  };
  const expectProblem = (response: { status: number; headers: Record<string, string>; body: { status?: number } }, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.status).toBe(status);
  };

  describe('POST /v1/auth/token (client credentials)', () => {
    it('issues a short-lived ES256 token with the claims services rely on, as form, JSON or Basic', async () => {
      const acme = await client.partner(admin, 'Acme Tokens');
      const asForm = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: acme.clientSecret });
      const asJson = await http().post('/v1/auth/token').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: acme.clientSecret });
      const asBasic = await http().post('/v1/auth/token').auth(acme.clientId, acme.clientSecret).type('form').send({ grant_type: 'client_credentials' });
      for (const response of [asForm, asJson, asBasic]) {
        expect(response.status).toBe(200);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
      }
      const { header, payload } = decode(asForm.body.access_token);
      expect(header.alg).toBe('ES256');
      expect(header.kid).toEqual(expect.any(String));
      expect(payload).toMatchObject({ iss: 'tss', aud: 'tss-api', sub: acme.clientId, kind: 'partner', partner_id: acme.partnerId, roles: [] });
      expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(900);
      expect(payload.jti).toEqual(expect.any(String));
      expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(['tickets:read', 'tickets:write']));
    });

    it('answers RFC 6749 errors inside problem documents', async () => {
      const acme = await client.partner(admin, 'Acme Errors');
      const wrongSecret = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: 'nope' });
      expectProblem(wrongSecret, 401);
      expect(wrongSecret.body.error).toBe('invalid_client');
      expect(wrongSecret.headers['www-authenticate']).toContain('Basic');
      const unknown = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'pc_nobody', client_secret: 'x' });
      expect(unknown.body.error).toBe('invalid_client');
      const scope = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: acme.clientSecret, scope: 'admin' });
      expectProblem(scope, 400);
      expect(scope.body.error).toBe('invalid_scope');
      const grant = await http().post('/v1/auth/token').type('form').send({ grant_type: 'password', client_id: acme.clientId, client_secret: acme.clientSecret });
      expect(grant.body.error).toBe('unsupported_grant_type');
      const missing = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials' });
      expect(missing.body.error).toBe('invalid_request');
    });
  });

  describe('bad tokens are 401 problem+json, one by one', () => {
    const claims = (partnerId: string) => ({ sub: 'pc_forged', kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write', jti: 'forged-1' });
    const cases: [string, (ctx: { partnerId: string; valid: string }) => Promise<string>][] = [
      ['alg none', async ({ partnerId }) => jwt.sign({ ...claims(partnerId), iss: 'tss', aud: 'tss-api', exp: 9_999_999_999 }, '', { algorithm: 'none' })],
      [
        'HS256 signed with the public key',
        async ({ partnerId }) => {
          const { kid, key } = await signingKey();
          const publicPem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
          return jwt.sign(claims(partnerId), publicPem, { algorithm: 'HS256', keyid: kid, issuer: 'tss', audience: 'tss-api', expiresIn: 600 });
        },
      ],
      [
        'expired',
        async ({ partnerId }) => {
          const { kid, key } = await signingKey();
          const now = Math.floor(clock.now().getTime() / 1000);
          return jwt.sign({ ...claims(partnerId), iat: now - 1000, exp: now - 60 }, key, { algorithm: 'ES256', keyid: kid, issuer: 'tss', audience: 'tss-api' });
        },
      ],
      ['wrong audience', async ({ partnerId }) => { const { kid, key } = await signingKey(); return jwt.sign(claims(partnerId), key, { algorithm: 'ES256', keyid: kid, issuer: 'tss', audience: 'other-api', expiresIn: 600 }); }],
      ['wrong issuer', async ({ partnerId }) => { const { kid, key } = await signingKey(); return jwt.sign(claims(partnerId), key, { algorithm: 'ES256', keyid: kid, issuer: 'evil', audience: 'tss-api', expiresIn: 600 }); }],
      ['unknown kid', async ({ partnerId }) => { const { key } = await signingKey(); return jwt.sign(claims(partnerId), key, { algorithm: 'ES256', keyid: 'no-such-kid', issuer: 'tss', audience: 'tss-api', expiresIn: 600 }); }],
      [
        'tampered payload',
        async ({ valid }) => {
          const [header, payload, signature] = valid.split('.');
          const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), partner_id: '00000000-0000-4000-8000-000000000000' };
          return `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
        },
      ],
    ];

    it.each(cases)('%s', async (_name, forge) => {
      const acme = await client.partner(admin, `Acme ${_name}`);
      expect((await http().get('/v1/tickets').auth(acme.token, { type: 'bearer' })).status).toBe(200);
      const forged = await forge({ partnerId: acme.partnerId, valid: acme.token });
      const response = await http().get('/v1/tickets').auth(forged, { type: 'bearer' });
      expectProblem(response, 401);
      expect(response.headers['www-authenticate']).toContain('invalid_token');
    });
  });

  it('missing scope or role is 403 problem+json', async () => {
    const acme = await client.partner(admin, 'Acme Scopes');
    const readOnly = await client.token(acme.clientId, acme.clientSecret, 'tickets:read');
    expectProblem(await http().post('/v1/tickets').auth(readOnly, { type: 'bearer' }).send(sampleTicket()), 403);
    expect((await http().get('/v1/tickets').auth(readOnly, { type: 'bearer' })).status).toBe(200);
    expectProblem(await http().post('/v1/partners').auth(acme.token, { type: 'bearer' }).send({ name: 'self-made' }), 403);
    const agent = await http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles: ['agent'], displayName: 'Dana', email: 'dana@support.example' });
    const agentToken = await client.token(agent.body.clientId, agent.body.clientSecret);
    expectProblem(await http().post('/v1/partners').auth(agentToken, { type: 'bearer' }).send({ name: 'x' }), 403);
    expectProblem(await http().post('/v1/auth/keys/rotate').auth(agentToken, { type: 'bearer' }), 403);
  });

  it('staff clients: created by an admin with roles, listed without secrets, announced as staff.created', async () => {
    const created = await http().post('/v1/clients').auth(admin, { type: 'bearer' }).send({ roles: ['team_lead', 'quality'], displayName: 'Lee Lead', email: 'lee@support.example' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'staff', roles: ['team_lead', 'quality'], clientSecret: expect.any(String) });
    const token = decode(await client.token(created.body.clientId, created.body.clientSecret)).payload;
    expect(token).toMatchObject({ kind: 'staff', roles: ['team_lead', 'quality'] });
    expect(String(token.scope).split(' ')).toEqual(expect.arrayContaining(['escalations:manage', 'reports:read']));
    const listed = await http().get('/v1/clients').auth(admin, { type: 'bearer' });
    const mine = listed.body.items.find((c: { clientId: string }) => c.clientId === created.body.clientId);
    expect(mine).toMatchObject({ displayName: 'Lee Lead', email: 'lee@support.example', active: true });
    expect(JSON.stringify(listed.body)).not.toMatch(/secret|scrypt/i);
    const events = await platform.query<{ event: { data: unknown } }>('gateway', "SELECT event FROM gateway.outbox WHERE event_type = 'staff.created' AND message_key = $1", [created.body.clientId]);
    expect(events[0].event.data).toMatchObject({ staffId: created.body.clientId, roles: ['team_lead', 'quality'], active: true });
  });

  it('disabling a client revokes its tokens at once; rotating a secret retires the old secret and tokens', async () => {
    const acme = await client.partner(admin, 'Acme Revocation');
    const second = await http().post(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' });
    const secondToken = await client.token(second.body.clientId, second.body.clientSecret);

    const rotated = await http().post(`/v1/partners/${acme.partnerId}/clients/${second.body.clientId}/rotate`).auth(admin, { type: 'bearer' });
    expect(rotated.status).toBe(200);
    expectProblem(await http().get('/v1/tickets').auth(secondToken, { type: 'bearer' }), 401);
    const oldSecret = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: second.body.clientId, client_secret: second.body.clientSecret });
    expect(oldSecret.body.error).toBe('invalid_client');
    const fresh = await client.token(second.body.clientId, rotated.body.clientSecret);
    expect((await http().get('/v1/tickets').auth(fresh, { type: 'bearer' })).status).toBe(200);

    expect((await http().delete(`/v1/partners/${acme.partnerId}/clients/${acme.clientId}`).auth(admin, { type: 'bearer' })).status).toBe(204);
    expectProblem(await http().get('/v1/tickets').auth(acme.token, { type: 'bearer' }), 401);
    const again = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: acme.clientSecret });
    expect(again.body.error).toBe('invalid_client');
    expect((await http().get('/v1/tickets').auth(fresh, { type: 'bearer' })).status).toBe(200); // the other client is untouched
    const list = await http().get(`/v1/partners/${acme.partnerId}/clients`).auth(admin, { type: 'bearer' });
    expect(list.body.items.find((c: { clientId: string }) => c.clientId === acme.clientId)).toMatchObject({ active: false, disabledAt: expect.any(String) });
  });

  it('requester tokens see only their requester’s tickets', async () => {
    const acme = await client.partner(admin, 'Acme Requesters');
    const mint = (requesterId: string) => http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).send({ requesterId });
    const ann = (await mint('cust-ann')).body.access_token as string;
    const bob = (await mint('cust-bob')).body.access_token as string;
    expect(decode(ann).payload).toMatchObject({ kind: 'requester', partner_id: acme.partnerId, requester_id: 'cust-ann' });

    const filed = await http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'someone-else' } }));
    expect(filed.status).toBe(201);
    expect((await http().get(`/v1/tickets/${filed.body.id}`).auth(ann, { type: 'bearer' })).status).toBe(200);
    expectProblem(await http().get(`/v1/tickets/${filed.body.id}`).auth(bob, { type: 'bearer' }), 404);
    expect((await http().get('/v1/tickets').auth(bob, { type: 'bearer' })).body.items).toEqual([]);
    expect((await http().get(`/v1/tickets/${filed.body.id}`).auth(acme.token, { type: 'bearer' })).status).toBe(200);
    expectProblem(await http().post('/v1/auth/requester-token').auth(ann, { type: 'bearer' }).send({ requesterId: 'cust-eve' }), 403);
  });

  it('the requester-token route takes JSON only: a form body is a 415, as on every other JSON route', async () => {
    const acme = await client.partner(admin, 'Acme Form Requester');
    const form = await http().post('/v1/auth/requester-token').auth(acme.token, { type: 'bearer' }).type('form').send({ requesterId: 'cust-form' });
    expectProblem(form, 415);
    expect(form.body.type).toBe('https://tss.dev/problems/unsupported-media-type');
    // The token endpoint still reads its RFC 6749 form.
    const token = await http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: acme.clientSecret });
    expect(token.status).toBe(200);
  });

  it('JWKS rotation keeps two keys active at once, then retires the old one', async () => {
    const acme = await client.partner(admin, 'Acme Rotation');
    const before = (await http().get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
    const rotation = await http().post('/v1/auth/keys/rotate').auth(admin, { type: 'bearer' });
    expect(rotation.status).toBe(200);
    const jwks = (await http().get('/.well-known/jwks.json')).body.keys;
    expect(jwks.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([...before, rotation.body.kid]));
    expect(jwks.length).toBeGreaterThanOrEqual(2);
    for (const key of jwks) expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(JSON.stringify(jwks)).not.toContain('"d"');

    // A token signed before the rotation still verifies; new tokens use the new key.
    expect(decode(acme.token).header.kid).not.toBe(rotation.body.kid);
    expect((await http().get('/v1/tickets').auth(acme.token, { type: 'bearer' })).status).toBe(200);
    // A new key signs only once its pre-publication window has passed (verifiers' caches know it).
    clock.advanceMs(10 * 60_000);
    const fresh = await client.token(acme.clientId, acme.clientSecret);
    expect(decode(fresh).header.kid).toBe(rotation.body.kid);

    // Once no token signed by the old key can be alive, the next rotation retires it.
    clock.advanceMs(16 * 60_000);
    const next = await http().post('/v1/auth/keys/rotate').auth(await platform.adminToken(), { type: 'bearer' });
    const after = (await http().get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
    expect(after).toEqual(expect.arrayContaining([rotation.body.kid, next.body.kid]));
    for (const old of before) expect(after).not.toContain(old);
    admin = await platform.adminToken();
  });
});
