import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

// An outside test found `/v1/tickets/` a 400 (the router matched `/v1/tickets/:id` with an empty
// id, which its schema refused) where `/v1/partners/` was a 404 (no route). One answer: 404.
describe('a trailing slash, or any empty path segment where a parameter goes, names nothing: 404', () => {
  let app: ServiceApp;
  const handled: string[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'paths', logger: pino({ level: 'silent' }) });
    const record = async (req: { url: string }) => {
      handled.push(req.url);
      return { ok: true };
    };
    app.get('/v1/things', record);
    app.get('/v1/things/:id', { schema: { params: Type.Object({ id: Type.String({ minLength: 1 }) }) } }, record);
    app.get('/v1/things/:id/parts', record);
    app.get('/v1/plain', record);
    app.get('/docs/*', record);
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['/v1/things/', '/v1/things//parts', '/v1/things/a/', '/v1/things/a/parts/', '/v1/plain/'])('GET %s is a 404 not-found problem, and no route runs', async (path) => {
    const before = handled.length;
    const response = await request(app.server).get(path);
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/not-found', status: 404, detail: `No route GET ${path}` });
    expect(handled.length).toBe(before);
  });

  it('the same paths without the slash are served, and a wildcard may be empty (/docs/)', async () => {
    for (const path of ['/v1/things', '/v1/things/a', '/v1/things/a/parts', '/v1/plain', '/docs/']) expect((await request(app.server).get(path)).status).toBe(200);
  });
});
