import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { createServiceApp, installAuthentication, LocalKeyWrapper, PROBLEM_CONTENT_TYPE, TokenVerifier, type ServiceApp } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { hashClientSecret, UNKNOWN_CLIENT_SECRET_HASH, verifyClientSecret } from '../src/domain/client-secret';
import { authRoutes } from '../src/http/auth.routes';
import { ApiClientEntity } from '../src/store/gateway.entities';
import { KeyRing } from '../src/store/key-ring';
import { SigningKeyStore } from '../src/store/signing-key.store';

const PRE_PUBLISH_MS = 600_000;
const basic = (raw: string) => `Basic ${Buffer.from(raw).toString('base64')}`;
const kidOf = (token: string) => (jwt.decode(token, { complete: true }) as { header: { kid: string } }).header.kid;

/**
 * The token endpoint against real PostgreSQL, with the secret check, the key store and the
 * master key wrapped in counters: what each request costs is asserted, not timed.
 */
describe('POST /v1/auth/token', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  const wrapper = new LocalKeyWrapper([{ id: 'k1', key: randomBytes(32) }]);
  const secretChecks: string[] = [];
  const countingVerifier = async (secret: string, stored: string) => {
    secretChecks.push(stored);
    return verifyClientSecret(secret, stored);
  };
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: SigningKeyStore;
  let keys: KeyRing;
  let app: ServiceApp;
  const client = { clientId: 'pc_token_test', secret: 'a-correct-client-secret-of-length' };

  beforeAll(async () => {
    db = await createTestDatabase('gateway_token_endpoint');
    dataSource = createServiceDataSource({ url: db.url, schema: 'gateway', entities: gatewayService.entities, poolSize: 3 });
    await dataSource.initialize();
    // The signing key was made by an earlier process: this one must unwrap it.
    await new KeyRing(new SigningKeyStore(dataSource), clock, { wrapper, prePublishMs: PRE_PUBLISH_MS }).ensureKey();
    const repo = dataSource.getRepository(ApiClientEntity);
    const row = { kind: 'staff' as const, partnerId: null, roles: ['agent' as const], displayName: null, email: null, createdAt: clock.now(), tokenVersion: 1, disabledAt: null };
    await repo.insert({ ...row, clientId: client.clientId, secretHash: await hashClientSecret(client.secret), active: true });
    await repo.insert({ ...row, clientId: 'pc_disabled', secretHash: await hashClientSecret(client.secret), active: false });

    store = new SigningKeyStore(dataSource);
    keys = new KeyRing(store, clock, { wrapper, prePublishMs: PRE_PUBLISH_MS });
    app = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
    installAuthentication(app, new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: keys.published, nowSeconds: () => Math.floor(clock.now().getTime() / 1000) }));
    await app.register(authRoutes({ dataSource, keys, clock, settings: { issuer: 'tss', audience: 'tss-api' }, maxKeyAgeMs: 30 * 24 * 3_600_000, verifySecret: countingVerifier }));
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  beforeEach(() => {
    secretChecks.length = 0;
    jest.restoreAllMocks();
  });

  const tokenRequest = (form: Record<string, string>, authorization?: string) => {
    const call = request(app.server).post('/v1/auth/token').type('form');
    if (authorization) call.set('authorization', authorization);
    return call.send(form);
  };

  it('an unknown client id, a disabled client and a wrong secret all cost one scrypt check and get the same answer', async () => {
    const unknown = await tokenRequest({ grant_type: 'client_credentials', client_id: 'pc_nobody', client_secret: client.secret });
    const disabled = await tokenRequest({ grant_type: 'client_credentials', client_id: 'pc_disabled', client_secret: client.secret });
    const wrong = await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'not-the-secret' });

    // The unknown and the disabled client are checked against the dummy hash, with the same parameters as real ones.
    expect(secretChecks).toEqual([UNKNOWN_CLIENT_SECRET_HASH, UNKNOWN_CLIENT_SECRET_HASH, expect.stringMatching(/^scrypt\$16384\$8\$1\$/)]);
    expect(UNKNOWN_CLIENT_SECRET_HASH).toMatch(/^scrypt\$16384\$8\$1\$/);
    for (const response of [unknown, disabled, wrong]) {
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body).toMatchObject({ error: 'invalid_client', error_description: 'Client authentication failed.' });
    }
  });

  it('the dummy hash matches no secret', async () => {
    for (const secret of ['', 'x', client.secret]) expect(await verifyClientSecret(secret, UNKNOWN_CLIENT_SECRET_HASH)).toBe(false);
  });

  it.each([
    ['bad percent-encoding', basic('pc_token_test:%zz')],
    ['bad percent-encoding in the id', basic('%E0%A4%A:secret')],
    ['no colon', basic('pc_token_test')],
    ['not base64', 'Basic ***not-base64***'],
    ['base64 of the wrong length', 'Basic cGNfdG9rZW4'],
    ['not UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')}`],
    ['no client id', basic(':secret')],
  ])('malformed Basic credentials (%s) are a 400 invalid_client problem, never a 500', async (_case, authorization) => {
    const response = await tokenRequest({ grant_type: 'client_credentials' }, authorization);

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ status: 400, error: 'invalid_client', type: 'https://tss.dev/problems/oauth/invalid_client' });
    expect(secretChecks).toEqual([]);
  });

  it('well-formed Basic credentials, percent-encoded, still authenticate', async () => {
    const response = await tokenRequest({ grant_type: 'client_credentials' }, basic(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`));

    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
  });

  it.each([
    ['a secret in the body as well', { client_secret: client.secret }],
    ['a wrong secret in the body as well', { client_secret: 'not-the-secret' }],
    ['another client id in the body', { client_id: 'pc_disabled', client_secret: client.secret }],
  ])('Basic credentials with %s: one authentication method per request (RFC 6749 §2.3), a 400 invalid_request', async (_case, body) => {
    const response = await tokenRequest({ grant_type: 'client_credentials', ...body }, basic(`${client.clientId}:${client.secret}`));

    expect(response.status).toBe(400);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({ error: 'invalid_request', type: 'https://tss.dev/problems/oauth/invalid_request' });
    expect(response.body.access_token).toBeUndefined();
    expect(secretChecks).toEqual([]);
  });

  it('Basic credentials with the same client id repeated in the body still authenticate', async () => {
    const response = await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId }, basic(`${client.clientId}:${client.secret}`));

    expect(response.status).toBe(200);
  });

  it.each([
    ['a JSON array', 'application/json', '[1]', 400],
    ['JSON null', 'application/json', 'null', 400],
    ['a number as the secret', 'application/json', JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 123 }), 400],
    ['malformed JSON', 'application/json', '{"grant_type":', 400],
    ['a NUL in the client id', 'application/json', JSON.stringify({ grant_type: 'client_credentials', client_id: 'pc\u0000x', client_secret: 'x' }), 400],
    ['a text/plain body', 'text/plain', 'grant_type=client_credentials', 415],
  ])('a body the endpoint cannot read (%s) is refused as an OAuth error too: `invalid_request`, never cached', async (_case, contentType, body, status) => {
    const response = await request(app.server).post('/v1/auth/token').set('content-type', contentType).send(body);

    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({ status, error: 'invalid_request', error_description: expect.any(String) });
    expect(secretChecks).toEqual([]);
  });

  // RFC 6749 §5.2: a missing required parameter is invalid_request; unsupported_grant_type is for a grant type sent and not supported.
  it.each([
    ['a form without grant_type', 'application/x-www-form-urlencoded', `client_id=${client.clientId}&client_secret=${client.secret}`],
    ['an empty JSON object', 'application/json', '{}'],
    ['JSON credentials without grant_type', 'application/json', JSON.stringify({ client_id: client.clientId, client_secret: client.secret })],
  ])('a request without grant_type (%s) is a 400 invalid_request, not unsupported_grant_type', async (_case, contentType, body) => {
    const response = await request(app.server).post('/v1/auth/token').set('content-type', contentType).send(body);

    expect(response.status).toBe(400);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/oauth/invalid_request', error: 'invalid_request', error_description: expect.stringContaining('grant_type') });
    expect(secretChecks).toEqual([]);
  });

  it('a grant_type sent and not supported is still unsupported_grant_type', async () => {
    const response = await tokenRequest({ grant_type: 'password', client_id: client.clientId, client_secret: client.secret });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/oauth/unsupported_grant_type', error: 'unsupported_grant_type' });
  });

  it.each([
    ['__proto__', '{"grant_type":"client_credentials","client_id":"pc_token_test","client_secret":"x","__proto__":{"scope":"admin"}}'],
    ['constructor.prototype', '{"grant_type":"client_credentials","constructor":{"prototype":{"scope":"admin"}}}'],
  ])('a JSON body with a reserved key (%s) is an invalid_request that says so, not a syntax error', async (_case, body) => {
    const response = await request(app.server).post('/v1/auth/token').set('content-type', 'application/json').send(body);

    expect(response.status).toBe(400);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/bad-request', error: 'invalid_request', error_description: expect.stringContaining('reserved key') });
    expect(secretChecks).toEqual([]);
  });

  it('token requests neither read key rows nor unwrap or generate keys each time: the signing key is cached', async () => {
    const reads = jest.spyOn(store, 'active');
    const inserts = jest.spyOn(store, 'insert');
    const unwraps = jest.spyOn(wrapper, 'unwrap');
    const retirements = jest.spyOn(store, 'retire');
    clock.advanceMs(60_000); // whatever the earlier tests cached has expired

    const kids = new Set<string>();
    for (let i = 0; i < 30; i++) {
      clock.advanceMs(100);
      const response = await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret });
      expect(response.status).toBe(200);
      kids.add(kidOf(response.body.access_token));
    }

    expect(kids.size).toBe(1);
    expect(reads).toHaveBeenCalledTimes(1); // 3 s of requests: one cached list
    expect(unwraps.mock.calls.length).toBeLessThanOrEqual(1); // once per process and key, if this test is the first to sign
    expect(inserts).not.toHaveBeenCalled();
    expect(retirements).not.toHaveBeenCalled();
  });

  it('concurrent token requests that find the key too old make one new key between them', async () => {
    const before = (await keys.jwks()).keys.length;
    const ring = new KeyRing(store, clock, { wrapper, prePublishMs: PRE_PUBLISH_MS });
    clock.advanceMs(60_000);

    await Promise.all(Array.from({ length: 8 }, () => ring.rotateIfOlderThan(30_000)));

    keys.published.invalidate();
    expect((await keys.jwks()).keys.length).toBe(before + 1);
  });

  it('a rotation invalidates the cached signing key: the new key signs once its pre-publication is over, without a restart', async () => {
    const before = kidOf((await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret })).body.access_token);
    const { kid, signsFrom } = await keys.rotate();

    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, kid]));
    const during = kidOf((await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret })).body.access_token);
    expect(during).toBe(before);
    expect(signsFrom.getTime() - clock.now().getTime()).toBe(PRE_PUBLISH_MS);

    clock.advanceMs(PRE_PUBLISH_MS);
    const after = kidOf((await tokenRequest({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret })).body.access_token);
    expect(after).toBe(kid);
  });
});
