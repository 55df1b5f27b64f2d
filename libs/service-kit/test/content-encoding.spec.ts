import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { answerFrameworkErrorsUnder, PROBLEM_CONTENT_TYPE } from '../src/problem';

// An outside test: a gzipped JSON body with `Content-Encoding: gzip` was read as identity (400
// invalid-utf-8), and `Content-Encoding: br` on a plain body was filed (201). RFC 9110 §8.4.1: a
// server that does not accept a content coding answers 415. Nothing is ever inflated.
describe('a request body in a content coding other than identity is a 415', () => {
  let app: ServiceApp;
  let url: string;
  const received: unknown[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'content-encoding', logger: pino({ level: 'silent' }) });
    app.post('/things', { schema: { body: Type.Object({ name: Type.String() }) } }, async (req) => {
      received.push(req.body);
      return { ok: true };
    });
    app.get('/things', async () => ({ items: [] }));
    // A page area (a person's form: docs/rating.md, docs/support-site.md) answers its refusals with its pages.
    answerFrameworkErrorsUnder(app, '/rate', (error, _request, reply) => reply.code(error.statusCode ?? 404).type('text/html').send(`<p>plain page ${error.statusCode}</p>`));
    app.post('/rate/:token', async (req) => {
      received.push(req.body);
      return 'rated';
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app.close();
  });

  const JSON_BODY = '{"name":"x"}';
  const post = (contentEncoding: string, body: Buffer | string) =>
    request(app.server).post('/things').set('content-type', 'application/json').set('content-encoding', contentEncoding).send(body);

  it.each([
    ['gzip, its body gzipped', 'gzip', gzipSync(JSON_BODY)],
    ['br, its body plain', 'br', JSON_BODY],
    ['deflate', 'deflate', JSON_BODY],
    ['GZIP in capitals', 'GZIP', gzipSync(JSON_BODY)],
    ['a list ending in gzip', 'identity, gzip', gzipSync(JSON_BODY)],
    ['an unknown coding', 'x-custom', JSON_BODY],
  ])('%s is a 415 unsupported-media-type with Accept-Encoding: identity, and the route never runs', async (_case, contentEncoding, body) => {
    const before = received.length;
    const response = await post(contentEncoding, body);
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers['accept-encoding']).toBe('identity');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/unsupported-media-type', status: 415, detail: expect.stringContaining('Content-Encoding') });
    expect(received.length).toBe(before);
  });

  it('a chunked body with a content coding is refused too', async () => {
    const answer = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: (JSON.parse(Buffer.concat(parts).toString()) as { type: string }).type }));
      });
      req.on('error', reject);
      req.end(gzipSync(JSON_BODY));
    });
    expect(answer).toEqual({ status: 415, type: 'https://tss.dev/problems/unsupported-media-type' });
  });

  it('a form under a page area (answerFrameworkErrorsUnder) is refused by the area: its plain 415 page, Accept-Encoding: identity, not problem+json', async () => {
    const before = received.length;
    const response = await request(app.server).post('/rate/a-link').set('content-type', 'application/x-www-form-urlencoded').set('content-encoding', 'gzip').send(gzipSync('score=5'));
    expect([response.status, response.headers['content-type'], response.text]).toEqual([415, expect.stringContaining('text/html'), '<p>plain page 415</p>']);
    expect(response.headers['accept-encoding']).toBe('identity');
    expect(received.length).toBe(before);
  });

  it.each([['identity'], ['Identity'], ['']])('Content-Encoding %p is the body as sent', async (contentEncoding) => {
    const response = await post(contentEncoding, JSON_BODY);
    expect(response.status).toBe(200);
    expect(received.at(-1)).toEqual({ name: 'x' });
  });

  it('a request without a body is not judged by its Content-Encoding', async () => {
    expect((await request(app.server).get('/things').set('content-encoding', 'gzip')).status).toBe(200);
  });
});
