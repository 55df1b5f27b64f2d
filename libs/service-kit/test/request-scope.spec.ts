import pino from 'pino';
import request from 'supertest';
import { installAuthentication } from '../src/auth/authenticate';
import type { Principal } from '../src/auth/principal';
import type { AccessTokenVerifier } from '../src/auth/token-verifier';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { scopeOf, type AccessRule } from '../src/http/scope';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';
import { err, ok } from '../src/result';

const principal = (kind: Principal['kind'], extra: Partial<Principal> = {}): Principal => ({ kind, subject: `${kind}-1`, tokenId: 'j1', roles: [], scopes: [], ...extra });

// Bearer tokens by name: the test is about what happens after verification.
const TOKENS: Record<string, Principal> = {
  partner: principal('partner', { partnerId: 'p-1', scopes: ['tickets:read'] }),
  'partner-without-partner': principal('partner', { scopes: ['tickets:read'] }),
  'partner-read-nothing': principal('partner', { partnerId: 'p-1', scopes: [] }),
  requester: principal('requester', { partnerId: 'p-1', requesterId: 'cust-1', scopes: ['tickets:read'] }),
  'requester-without-requester': principal('requester', { partnerId: 'p-1', scopes: ['tickets:read'] }),
  agent: principal('staff', { roles: ['agent'], scopes: ['tickets:read'] }),
  admin: principal('staff', { roles: ['admin'], scopes: ['admin'] }),
};
const verifier: AccessTokenVerifier = {
  verify: async (token) => (token && TOKENS[token] ? ok(TOKENS[token]) : err({ kind: token ? 'invalid' : 'missing', reason: 'unknown' } as const)),
};

const TICKETS: AccessRule = { kinds: ['partner', 'requester'], scopes: ['tickets:read'] };
const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };

describe('the request scope: one access check at the edge yields a typed scope', () => {
  let app: ServiceApp;
  let handled = 0;

  beforeAll(async () => {
    app = await createServiceApp({ name: 'scoped', logger: pino({ level: 'silent' }) });
    installAuthentication(app, verifier);
    app.get('/tickets', { config: { access: TICKETS } }, async (req) => {
      handled += 1;
      return scopeOf(req, 'partner', 'requester');
    });
    app.post('/partners', { config: { access: ADMIN } }, async (req) => {
      handled += 1;
      return scopeOf(req, 'staff');
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string, token: string) => request(app.server).get(path).auth(token, { type: 'bearer' });
  const expectForbidden = async (response: request.Response, detail: RegExp) => {
    expect(response.status).toBe(403);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: expect.stringMatching(detail) });
  };

  it('a partner token gets a partner scope with its partner id', async () => {
    const response = await get('/tickets', 'partner');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kind: 'partner', partnerId: 'p-1' });
  });

  it('a requester token gets a requester scope with its partner and requester ids', async () => {
    const response = await get('/tickets', 'requester');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kind: 'requester', partnerId: 'p-1', requesterId: 'cust-1' });
  });

  it('a staff token gets a staff scope with its id and roles', async () => {
    const response = await request(app.server).post('/partners').auth('admin', { type: 'bearer' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kind: 'staff', staffId: 'staff-1', roles: ['admin'] });
  });

  it('a partner token without the partner the route needs is a 403 problem, and the handler never runs', async () => {
    const before = handled;
    await expectForbidden(await get('/tickets', 'partner-without-partner'), /names no partner/);
    await expectForbidden(await get('/tickets', 'requester-without-requester'), /names no partner and requester/);
    expect(handled).toBe(before);
  });

  it('a token of a kind the route does not admit, or without its scope or role, is a 403 problem', async () => {
    const before = handled;
    await expectForbidden(await get('/tickets', 'agent'), /not open to staff tokens/);
    await expectForbidden(await get('/tickets', 'partner-read-nothing'), /does not allow/);
    await expectForbidden(await request(app.server).post('/partners').auth('agent', { type: 'bearer' }).send({}), /does not allow/);
    await expectForbidden(await request(app.server).post('/partners').auth('partner', { type: 'bearer' }).send({}), /not open to partner tokens/);
    expect(handled).toBe(before);
  });

  it('no token is still a 401 problem before any access check', async () => {
    const response = await request(app.server).get('/tickets');
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
  });
});
