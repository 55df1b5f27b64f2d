import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { loadConfig, PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { SingleProcessEnv } from '../src/single-process.config';
import { startSingleProcessPlatform, type RunningPlatform } from '../src/single-process-platform';

const RATE_LIMIT_MAX = 5;
const BODY_LIMIT_BYTES = 4096;
const ALLOWED_ORIGIN = 'https://support.example.com';

/** The whole platform with its edge configured as `npm start` would be by these variables. */
const startPlatform = async (label: string, env: Record<string, string>): Promise<{ db: TestDatabase; running: RunningPlatform; client: PlatformClient }> => {
  const db = await createTestDatabase(label);
  const running = await startSingleProcessPlatform({
    databaseUrl: db.url,
    clock: new TestClock('2026-02-02T08:00:00.000Z'),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    env: {},
    issuer: 'tss',
    audience: 'tss-api',
    edge: loadConfig(SingleProcessEnv, env),
  });
  return { db, running, client: new PlatformClient(running.platform.app.server) };
};

describe('edge protection, single-process mode: defaults with a small rate limit', () => {
  let db: TestDatabase;
  let running: RunningPlatform;
  let client: PlatformClient;
  let acme: { token: string };
  let rival: { token: string };

  // Unauthenticated requests share the caller's address budget of 5: the three token requests here and the docs test's two.
  beforeAll(async () => {
    ({ db, running, client } = await startPlatform('edge_protection', {
      TSS_RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
      TSS_RATE_LIMIT_WINDOW_MS: '600000',
      TSS_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    }));
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    acme = await client.partner(admin, 'Acme Busy');
    rival = await client.partner(admin, 'Rival Calm');
  });

  afterAll(async () => {
    await running?.platform.stop();
    await db?.drop();
  });

  it('a client over its limit gets 429 problem+json with Retry-After and RateLimit-* headers; another client is unaffected', async () => {
    for (let sent = 1; sent <= RATE_LIMIT_MAX; sent += 1) {
      const allowed = await client.http().get('/v1/tickets').auth(acme.token, { type: 'bearer' });
      expect(allowed.status).toBe(200);
      expect(allowed.headers['ratelimit-limit']).toBe(String(RATE_LIMIT_MAX));
      expect(allowed.headers['ratelimit-remaining']).toBe(String(RATE_LIMIT_MAX - sent));
    }

    const refused = await client.http().get('/v1/tickets').auth(acme.token, { type: 'bearer' });
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(refused.body).toMatchObject({ type: 'https://tss.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, instance: '/v1/tickets' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit-limit']).toBe(String(RATE_LIMIT_MAX));
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);

    const other = await client.http().get('/v1/tickets').auth(rival.token, { type: 'bearer' });
    expect(other.status).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe(String(RATE_LIMIT_MAX - 1));
  });

  it('health and readiness are never rate-limited', async () => {
    for (let sent = 0; sent <= RATE_LIMIT_MAX; sent += 1) {
      expect((await client.http().get('/healthz')).status).toBe(200);
      expect((await client.http().get('/readyz')).status).toBe(200);
    }
  });

  it('answers with helmet’s security headers and, by default, no CORS headers', async () => {
    const response = await client.http().get('/healthz').set('origin', ALLOWED_ORIGIN);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await client.http().options('/v1/tickets').set('origin', ALLOWED_ORIGIN).set('access-control-request-method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a body over the limit is a 413 problem and files nothing', async () => {
    const response = await client
      .http()
      .post('/v1/tickets')
      .auth(rival.token, { type: 'bearer' })
      .send(sampleTicket({ description: 'x'.repeat(BODY_LIMIT_BYTES) }));
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ status: 413, title: 'Content Too Large' });
    const list = await client.http().get('/v1/tickets').auth(rival.token, { type: 'bearer' });
    expect(list.body.items).toEqual([]);
  });

  it('the docs UI still loads: its page and scripts are same-origin, which the CSP allows', async () => {
    const page = await client.http().get('/docs/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // No inline script (it would need 'unsafe-inline'): every <script> loads a relative URL.
    const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map((m) => /src="([^"]+)"/.exec(m[1])?.[1]);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((src) => src !== undefined && src.startsWith('./'))).toBe(true);

    const initializer = await client.http().get(`/docs/${scripts.find((src) => src?.includes('swagger-initializer'))!.slice(2)}`);
    expect(initializer.status).toBe(200);
  });
});

describe('edge protection, single-process mode: requests without a valid token are limited by address', () => {
  let db: TestDatabase;
  let running: RunningPlatform;
  let client: PlatformClient;
  let acme: { token: string };

  // Each test calls from an address of its own: the ingress (this test's 127.0.0.1) is trusted.
  const from = (address: string) => ({
    get: (path: string) => client.http().get(path).set('x-forwarded-for', address),
  });

  beforeAll(async () => {
    ({ db, running, client } = await startPlatform('edge_protection_unauthenticated', {
      TSS_RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
      TSS_RATE_LIMIT_WINDOW_MS: '600000',
      TSS_TRUST_PROXY: '127.0.0.1',
    }));
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    acme = await client.partner(admin, 'Acme Limited');
  });

  afterAll(async () => {
    await running?.platform.stop();
    await db?.drop();
  });

  it('ADR 0011: requests with no token count against the address; over the limit they get 429, not 401', async () => {
    for (let sent = 1; sent <= RATE_LIMIT_MAX; sent += 1) {
      const refused = await from('203.0.113.10').get('/v1/tickets');
      expect(refused.status).toBe(401);
      expect(refused.headers['ratelimit-remaining']).toBe(String(RATE_LIMIT_MAX - sent));
    }
    const limited = await from('203.0.113.10').get('/v1/tickets');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(limited.body).toMatchObject({ type: 'https://tss.dev/problems/rate-limited', status: 429 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The address's budget is spent for its public routes too.
    expect((await from('203.0.113.10').get('/.well-known/jwks.json')).status).toBe(429);
  });

  it('ADR 0011: forged or garbage tokens count against the address as well', async () => {
    for (let sent = 1; sent <= RATE_LIMIT_MAX; sent += 1) {
      const bearer = sent % 2 === 0 ? 'garbage' : 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
      expect((await from('203.0.113.11').get('/v1/tickets').auth(bearer, { type: 'bearer' })).status).toBe(401);
    }
    expect((await from('203.0.113.11').get('/v1/tickets').auth('garbage', { type: 'bearer' })).status).toBe(429);
    expect((await from('203.0.113.11').get('/v1/tickets')).status).toBe(429);
  });

  it('a valid token from an address whose unauthenticated budget is spent is limited by its client, not the address', async () => {
    const allowed = await from('203.0.113.10').get('/v1/tickets').auth(acme.token, { type: 'bearer' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['ratelimit-remaining']).toBe(String(RATE_LIMIT_MAX - 1));
  });
});

describe('edge protection, single-process mode: the support site’s requesters each have a budget (docs/adr/0011 addendum)', () => {
  const SITE_LIMIT = 20;
  let db: TestDatabase;
  let running: RunningPlatform;
  let client: PlatformClient;

  beforeAll(async () => {
    ({ db, running, client } = await startPlatform('edge_protection_site', {
      TSS_RATE_LIMIT_MAX: String(SITE_LIMIT),
      TSS_RATE_LIMIT_WINDOW_MS: '600000',
      TSS_TRUST_PROXY: '127.0.0.1',
    }));
  });

  afterAll(async () => {
    await running?.platform.stop();
    await db?.drop();
  });

  /** A ticket of `requesterId` and the path of its site link (the site calls intake with a token for that requester). */
  const linkFor = async (partnerToken: string, requesterId: string): Promise<string> => {
    const filed = await client.http().post('/v1/tickets').auth(partnerToken, { type: 'bearer' }).send(sampleTicket({ requester: { id: requesterId, email: `${requesterId}@client.example` } }));
    expect(filed.status).toBe(201);
    const minted = await waitFor('the site to know the ticket', async () => {
      const answer = await client.http().post(`/v1/tickets/${filed.body.id}/site-links`).auth(partnerToken, { type: 'bearer' });
      return answer.status === 503 ? undefined : answer;
    });
    expect(minted.status).toBe(201);
    return new URL(minted.body.url as string).pathname;
  };

  it('one requester spending their budget gets the plain “too many requests” page; another requester of the partner still opens theirs', async () => {
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Site Limited');
    const ann = await linkFor(acme.token, 'cust-ann');
    const bob = await linkFor(acme.token, 'cust-bob');

    // Each view is one request by address and a few by Ann's token inside; hers run out first.
    const views: { status: number; type: string; text: string }[] = [];
    for (let view = 0; view < SITE_LIMIT && views.every((v) => v.status === 200); view += 1) {
      const page = await client.http().get(ann).set('x-forwarded-for', '198.51.100.7');
      views.push({ status: page.status, type: page.headers['content-type'] as string, text: page.text });
    }
    const last = views[views.length - 1];
    expect(views.length).toBeGreaterThan(1);
    expect(last).toMatchObject({ status: 429, type: expect.stringContaining('text/html') });
    expect(last.text).toContain('Too many requests');

    const bobs = await client.http().get(bob).set('x-forwarded-for', '198.51.100.8');
    expect(bobs.status).toBe(200);
    expect(bobs.headers['content-type']).toContain('text/html');
  });

  it("one visitor posting a partner's public form again and again spends their own budget: another visitor still files theirs", async () => {
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Public Form');
    await client.http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
    const action = `/support/new?partner=${acme.partnerId}`;
    const formFor = async (address: string) => {
      const form = await client.http().get(action).set('x-forwarded-for', address);
      expect(form.status).toBe(200);
      const cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? [])[0].split(';')[0];
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
      return { cookie, csrf };
    };
    const post = (address: string, form: { cookie: string; csrf: string }, description: string) =>
      client.http().post(action).set('x-forwarded-for', address).set('cookie', form.cookie).type('form').send({ _csrf: form.csrf, product: 'reader', productVersion: '1.0', description });

    // The flooder reuses one rendered form from another address: each post files a request until their own address is spent.
    const flooder = await formFor('198.51.100.30');
    const answers: { status: number; type: string; text: string; retryAfter?: string }[] = [];
    for (let n = 0; n <= SITE_LIMIT && answers.every((a) => a.status === 201); n += 1) {
      const posted = await post('198.51.100.31', flooder, `Flood ${n}`);
      answers.push({ status: posted.status, type: posted.headers['content-type'] as string, text: posted.text, retryAfter: posted.headers['retry-after'] as string | undefined });
    }
    const last = answers[answers.length - 1];
    expect(answers.length).toBe(SITE_LIMIT + 1);
    expect(last).toMatchObject({ status: 429, type: expect.stringContaining('text/html'), retryAfter: expect.stringMatching(/^\d+$/) });
    expect(last.text).toContain('Too many requests');

    const visitor = await formFor('198.51.100.32');
    const filed = await post('198.51.100.32', visitor, 'My own request.');
    expect(filed.status).toBe(201);
    expect(filed.text).toMatch(/<strong class="reference">TSS-/);
  });
});

describe('edge protection, single-process mode: CORS for configured origins', () => {
  let db: TestDatabase;
  let running: RunningPlatform;
  let client: PlatformClient;

  beforeAll(async () => {
    ({ db, running, client } = await startPlatform('edge_protection_cors', { TSS_CORS_ORIGINS: `${ALLOWED_ORIGIN}, https://desk.example.com` }));
  });

  afterAll(async () => {
    await running?.platform.stop();
    await db?.drop();
  });

  it('an allowed origin gets Access-Control-Allow-Origin and the rate-limit headers exposed; another origin does not', async () => {
    const allowed = await client.http().get('/healthz').set('origin', ALLOWED_ORIGIN);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.vary).toMatch(/origin/i);
    expect(allowed.headers['access-control-expose-headers']).toContain('ratelimit-remaining');
    expect(allowed.headers['access-control-expose-headers']).toContain('etag'); // agents' PATCH needs it for If-Match
    expect(allowed.headers['access-control-expose-headers']).toContain('idempotent-replayed');

    const other = await client.http().get('/healthz').set('origin', 'https://elsewhere.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a 401 still carries the CORS and security headers, so a browser can read it', async () => {
    const refused = await client.http().get('/v1/tickets').set('origin', ALLOWED_ORIGIN);
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a preflight is answered without a token', async () => {
    const preflight = await client
      .http()
      .options('/v1/tickets')
      .set('origin', ALLOWED_ORIGIN)
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization, content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
  });

  it('an OPTIONS that is no preflight is answered as without CORS: 204 with Allow; a 405’s Allow is exposed to scripts', async () => {
    const plain = await client.http().options('/v1/tickets');
    const fromOrigin = await client.http().options('/v1/tickets').set('origin', ALLOWED_ORIGIN);
    const refused = await client.http().delete('/v1/tickets').set('origin', ALLOWED_ORIGIN);

    expect([plain.status, plain.headers.allow, plain.text]).toEqual([204, 'GET, HEAD, POST, OPTIONS', '']);
    expect([fromOrigin.status, fromOrigin.headers.allow]).toEqual([204, 'GET, HEAD, POST, OPTIONS']);
    expect([refused.status, refused.headers.allow]).toEqual([405, 'GET, HEAD, POST, OPTIONS']);
    expect(String(refused.headers['access-control-expose-headers']).split(/\s*,\s*/)).toContain('allow');
  });

  it('a browser may send If-Match and If-None-Match: a preflight for an agent’s PATCH allows them', async () => {
    const preflight = await client
      .http()
      .options('/v1/tickets/TSS-00000-0000X')
      .set('origin', ALLOWED_ORIGIN)
      .set('access-control-request-method', 'PATCH')
      .set('access-control-request-headers', 'authorization, content-type, if-match');
    const allowed = String(preflight.headers['access-control-allow-headers']).split(/\s*,\s*/);

    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');
    expect(allowed).toEqual(expect.arrayContaining(['if-match', 'if-none-match']));
  });

  it('every request header the OpenAPI document takes is allowed, and every response header it describes is exposed', async () => {
    type Operation = { parameters?: { in: string; name: string }[]; responses?: Record<string, { headers?: Record<string, unknown> }> };
    const document = (await client.http().get('/openapi.json')).body as { paths: Record<string, Record<string, Operation>>; components: { headers: Record<string, unknown> } };
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    // The mail provider's call (POST /v1/inbound/email) carries its shared secret; no browser makes it.
    const serverToServer = new Set(['x-tss-inbound-secret']);
    const requestHeaders = new Set(
      operations.flatMap((o) => (o.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())).filter((name) => !serverToServer.has(name)),
    );
    // Headers the browser itself obeys (an attachment's `nosniff`): no script needs to read them. And
    // the CORS-safelisted response headers (Fetch standard), which every script reads without them.
    const forTheBrowser = new Set(['x-content-type-options', 'content-security-policy', 'cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma']);
    const responseHeaders = new Set(
      [...Object.keys(document.components.headers), ...operations.flatMap((o) => Object.values(o.responses ?? {}).flatMap((r) => Object.keys(r.headers ?? {})))]
        .map((name) => name.toLowerCase())
        .filter((name) => !forTheBrowser.has(name)),
    );
    const preflight = await client
      .http()
      .options('/v1/tickets')
      .set('origin', ALLOWED_ORIGIN)
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', [...requestHeaders].join(', '));
    const allowed = String(preflight.headers['access-control-allow-headers']).split(/\s*,\s*/);
    // A 401 names the scheme it wants in WWW-Authenticate (RFC 9110 §11.6.1): a script reads it too.
    const refused = await client.http().get('/v1/tickets').set('origin', ALLOWED_ORIGIN);
    const exposed = String(refused.headers['access-control-expose-headers']).split(/\s*,\s*/);

    expect([...requestHeaders]).toEqual(expect.arrayContaining(['if-match', 'if-none-match', 'idempotency-key']));
    expect([...requestHeaders].filter((name) => !allowed.includes(name))).toEqual([]);
    expect([...responseHeaders]).toEqual(expect.arrayContaining(['etag', 'location', 'retry-after', 'idempotent-replayed', 'content-disposition']));
    expect([...responseHeaders, 'www-authenticate'].filter((name) => !exposed.includes(name))).toEqual([]);
  });
});
