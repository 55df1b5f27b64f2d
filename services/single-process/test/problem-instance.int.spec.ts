import type { PlatformClient } from '@tss/runtime/testing';
import { MAX_URI_LENGTH, PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const NO_TICKET = '00000000-0000-4000-8000-000000000000';

// docs/problems.md: "`instance` is the request's path". The query may carry what is not the
// problem's to repeat (a search for a token someone pasted), and a rating link's token is a credential.
describe('a problem’s `instance` is the request’s path, never its query', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;
  let acme: { partnerId: string; token: string };

  beforeAll(async () => {
    platform = await startTestPlatform('problem_instance');
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Instances');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const expectProblem = (response: { status: number; headers: Record<string, string>; text: string; body: { instance?: string } }, status: number, instance: string | undefined) => {
    expect([response.status, response.headers['content-type']]).toEqual([status, expect.stringContaining(PROBLEM_CONTENT_TYPE)]);
    expect(response.body.instance).toBe(instance);
  };

  it('a refused query: the path alone, not the values the query carried', async () => {
    const response = await client.http().get('/v1/tickets?limit=0&q=secret-token-xyz').auth(acme.token, { type: 'bearer' });

    expectProblem(response, 400, '/v1/tickets');
    expect(response.text).not.toContain('secret-token-xyz');
  });

  it('a 414 for an over-long query echoes none of it; one for an over-long path or path parameter names no instance', async () => {
    const longQuery = await client.http().get(`/v1/tickets?q=${'x'.repeat(9_000)}`).auth(acme.token, { type: 'bearer' });
    const longPath = await client.http().get(`/v1/${'y'.repeat(MAX_URI_LENGTH)}`).auth(acme.token, { type: 'bearer' });
    const longParameter = await client.http().get(`/v1/tickets/${'z'.repeat(500)}`).auth(acme.token, { type: 'bearer' });

    expectProblem(longQuery, 414, '/v1/tickets');
    expectProblem(longPath, 414, undefined);
    expectProblem(longParameter, 414, undefined);
    expect([longQuery, longPath, longParameter].map((r) => r.text.length < 500)).toEqual([true, true, true]);
  });

  it('a path no route serves, and a problem of a route, name the path without the query', async () => {
    expectProblem(await client.http().get('/v1/nothing-here?token=abc').auth(acme.token, { type: 'bearer' }), 404, '/v1/nothing-here');
    expectProblem(await client.http().get(`/v1/tickets/${NO_TICKET}?token=abc`).auth(acme.token, { type: 'bearer' }), 404, `/v1/tickets/${NO_TICKET}`);
  });

  it('a rating link’s token is never echoed: its path is named as logs show it', async () => {
    const token = 'rl_not-a-real-link-but-a-credential-all-the-same';
    const read = await client.http().get(`/v1/ratings/${token}?lang=en`);
    const noRoute = await client.http().get(`/v1/ratings/${token}/more?lang=en`);

    expectProblem(read, read.status, '/v1/ratings/[redacted]');
    expect(read.status).toBeGreaterThanOrEqual(400);
    expectProblem(noRoute, 404, '/v1/ratings/[redacted]/more');
    expect([read.text, noRoute.text].filter((text) => text.includes(token))).toEqual([]);
  });

  it('the 409 kept for a retry whose answer showed a secret names the path, not the query of its request', async () => {
    const path = `/v1/partners/${acme.partnerId}/clients`;
    const post = () => client.http().post(`${path}?note=first-try`).auth(admin, { type: 'bearer' }).set('idempotency-key', 'instance-of-withheld').send({});

    const first = await post();
    const retry = await post();

    expect(first.status).toBe(201);
    expectProblem(retry, 409, path);
  });
});
