import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { MAX_URI_LENGTH, PROBLEM_CONTENT_TYPE, type OpenApiDocument } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

type Operation = { operationId?: string; tags?: string[]; security?: Record<string, string[]>[]; parameters?: { in: string }[]; requestBody?: unknown; responses?: Record<string, unknown> };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, path, operation: item[method] as Operation })),
  );
/** The operations (by operationId) that do not list every one of `statuses`. */
const missing = (operations: { operation: Operation }[], ...statuses: string[]) =>
  operations.filter((o) => statuses.some((s) => !o.operation.responses?.[s])).map((o) => `${o.operation.operationId} lacks ${statuses.filter((s) => !o.operation.responses?.[s]).join(',')}`);

// DESIGN "Edge input": every status a route can answer is in the OpenAPI document.
describe('the OpenAPI document lists every status a route can answer, and the routes answer them as problems', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { token: string };
  let admin: string;
  let operations: ReturnType<typeof operationsOf>;

  beforeAll(async () => {
    platform = await startTestPlatform('openapi_statuses');
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Statuses');
    operations = operationsOf((await client.http().get('/openapi.json')).body);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const expectProblem = (response: { status: number; headers: Record<string, string>; body: { status?: number; detail?: string } }, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.status).toBe(status);
  };

  it('every operation lists 414 (URI too long), 431 (request line and headers too large) and 503 (dependency down, draining); every one but the probes 429', () => {
    expect(operations.length).toBeGreaterThan(10);
    expect(missing(operations, '414', '431', '503')).toEqual([]);
    expect(missing(operations.filter((o) => !o.operation.tags?.includes('health')), '429')).toEqual([]);
  });

  it('every operation that takes a body lists 400, 413 and 415; every one with a path parameter lists 404', () => {
    const withBody = operations.filter((o) => ['post', 'put', 'patch'].includes(o.method));
    const withPathParameter = operations.filter((o) => o.path.includes('{'));

    expect(withBody.map((o) => o.operation.operationId)).toEqual(expect.arrayContaining(['fileTicket', 'createPartner', 'issueToken']));
    expect(missing(withBody, '400', '413', '415')).toEqual([]);
    expect(withPathParameter.map((o) => o.operation.operationId)).toEqual(expect.arrayContaining(['getTicket', 'getTicketSla', 'disablePartnerClient']));
    expect(missing(withPathParameter, '404')).toEqual([]);
  });

  it('every state-changing operation lists 412: If-Match and If-None-Match are evaluated on each (RFC 9110 §13.2, docs/adr/0029)', () => {
    const changing = operations.filter((o) => ['post', 'put', 'patch', 'delete'].includes(o.method));
    expect(changing.map((o) => o.operation.operationId)).toEqual(expect.arrayContaining(['updatePartner', 'updateWebhookEndpoint', 'postMessage', 'changeTicket']));
    expect(missing(changing, '412')).toEqual([]);
  });

  it('every operation that needs a token declares bearer authentication and lists 401 and 403', () => {
    const authenticated = operations.filter((o) => o.operation.security?.some((s) => 'bearerAuth' in s));
    expect(authenticated.map((o) => o.operation.operationId)).toEqual(expect.arrayContaining(['fileTicket', 'getTicketSla', 'createPartner', 'createStaffClient']));
    expect(missing(authenticated, '401', '403')).toEqual([]);
  });

  it('the bearer requirement names the scope or role the route’s access rule asks for', () => {
    const securityOf = (id: string) => operations.find((o) => o.operation.operationId === id)?.operation.security;

    expect(securityOf('fileTicket')).toEqual([{ bearerAuth: ['tickets:write'] }]);
    expect(securityOf('getTicketSla')).toEqual([{ bearerAuth: ['tickets:read'] }]);
    expect(securityOf('createPartner')).toEqual([{ bearerAuth: ['admin'] }]);
  });

  it('a body of another media type is a 415 problem', async () => {
    expectProblem(await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('content-type', 'text/plain').send('reader crashes'), 415);
  });

  it('a body over the limit is a 413 problem', async () => {
    const huge = sampleTicket({ description: 'x'.repeat(1_100_000) });
    expectProblem(await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(huge), 413);
  });

  it('an over-long request target, or an over-long path parameter, is a 414 problem', async () => {
    expectProblem(await client.http().get(`/v1/tickets?limit=1&${'x'.repeat(MAX_URI_LENGTH)}`).auth(acme.token, { type: 'bearer' }), 414);
    expectProblem(await client.http().get(`/v1/tickets/${'a'.repeat(500)}/sla`).auth(acme.token, { type: 'bearer' }), 414);
  });

  it('a path parameter as long as its schema admits reaches the route: 200 characters is a 404, not a 414', async () => {
    const response = await client.http().delete(`/v1/clients/sc_${'c'.repeat(197)}`).auth(admin, { type: 'bearer' });
    expectProblem(response, 404);
    expect(response.body.detail).toBe('No such active staff client.');
  });

  it('a malformed URL is a 400 problem', async () => {
    expectProblem(await client.http().get('/v1/tickets/%E0%A4%A/sla').auth(acme.token, { type: 'bearer' }), 400);
  });
});
