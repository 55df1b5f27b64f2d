import type { PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

const TICKET = '00000000-0000-4000-8000-000000000000';
const allowOf = (response: { headers: Record<string, string> }): string[] => (response.headers.allow ?? '').split(/\s*,\s*/).filter(Boolean).sort();

// RFC 9110 §15.5.6: a method the target resource does not take is a 405 whose Allow lists the
// methods it does take; a 404 says the path names nothing (docs/problems.md, `method-not-allowed`).
describe('a method a path does not take: 405 with Allow, not 404', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { token: string };

  beforeAll(async () => {
    platform = await startTestPlatform('method_not_allowed');
    client = platform.client;
    acme = await client.partner(await platform.adminToken(), 'Acme Methods');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const expectProblem = (response: { status: number; headers: Record<string, string>; body: { type?: string; status?: number } }, status: number, type: string) => {
    expect([response.status, response.headers['content-type'], response.body.type, response.body.status]).toEqual([
      status,
      expect.stringContaining(PROBLEM_CONTENT_TYPE),
      `https://tss.dev/problems/${type}`,
      status,
    ]);
  };

  it('DELETE of a ticket is a 405 problem whose Allow names what the path takes, with a token or without', async () => {
    const withToken = await client.http().delete(`/v1/tickets/${TICKET}`).auth(acme.token, { type: 'bearer' });
    const without = await client.http().delete(`/v1/tickets/${TICKET}`);

    expectProblem(withToken, 405, 'method-not-allowed');
    expect(allowOf(withToken)).toEqual(['GET', 'HEAD', 'OPTIONS', 'PATCH']);
    expect(withToken.body).toMatchObject({ detail: expect.stringContaining('DELETE'), instance: `/v1/tickets/${TICKET}` });
    expectProblem(without, 405, 'method-not-allowed');
    expect(allowOf(without)).toEqual(allowOf(withToken));
  });

  it('on a collection, an action and the document alike', async () => {
    const collection = await client.http().put('/v1/tickets').auth(acme.token, { type: 'bearer' }).send({});
    const action = await client.http().get(`/v1/tickets/${TICKET}/reopen`).auth(acme.token, { type: 'bearer' });
    const document = await client.http().post('/openapi.json').send({});

    expect([collection.status, action.status, document.status]).toEqual([405, 405, 405]);
    expect([allowOf(collection), allowOf(action), allowOf(document)]).toEqual([
      ['GET', 'HEAD', 'OPTIONS', 'POST'],
      ['OPTIONS', 'POST'],
      ['GET', 'HEAD', 'OPTIONS'],
    ]);
  });

  it('a path no route serves, or one with an empty segment, is still a 404 without Allow', async () => {
    const unknown = await client.http().delete('/v1/nothing-here').auth(acme.token, { type: 'bearer' });
    const trailing = await client.http().delete('/v1/tickets/').auth(acme.token, { type: 'bearer' });

    for (const response of [unknown, trailing]) {
      expectProblem(response, 404, 'not-found');
      expect(response.headers.allow).toBeUndefined();
    }
  });

  it('OPTIONS answers 204 with Allow on a path some route serves, without a token; 404 on one none does', async () => {
    const options = await client.http().options(`/v1/tickets/${TICKET}`);
    const unknown = await client.http().options('/v1/nothing-here');

    expect([options.status, options.text]).toEqual([204, '']);
    expect(allowOf(options)).toEqual(['GET', 'HEAD', 'OPTIONS', 'PATCH']);
    expectProblem(unknown, 404, 'not-found');
  });
});
