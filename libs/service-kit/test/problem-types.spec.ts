import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { FAILURES, PROBLEM_CONTENT_TYPE } from '../src/problem';

const BODY_LIMIT_BYTES = 1024;
const problem = (slug: string) => `https://tss.dev/problems/${slug}`;

// An outside test found fastify's error codes as problem types (…/ctp_body_too_large,
// …/ctp_invalid_media_type, …/ctp_invalid_json_body, …/bad_url) beside our own
// (…/payload-too-large for a too-long multipart field): one problem, two types.
describe('problem types: fastify’s client errors answer in the API’s vocabulary, never by fastify’s codes', () => {
  let app: ServiceApp;

  beforeAll(async () => {
    app = await createServiceApp({ name: 'problems', logger: pino({ level: 'silent' }), bodyLimitBytes: BODY_LIMIT_BYTES });
    app.post('/things/:id', { schema: { params: Type.Object({ id: Type.String() }), body: Type.Object({ name: Type.String() }) } }, async () => ({ ok: true }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const post = () => request(app.server).post('/things/1');
  const expectProblem = (response: request.Response, status: number, slug: string) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: problem(slug), status });
  };

  it('a JSON body over the limit is payload-too-large, the type a too-long multipart field gets', async () => {
    expectProblem(await post().send({ name: 'x'.repeat(BODY_LIMIT_BYTES) }), 413, FAILURES.payload_too_large.slug);
    expect(FAILURES.payload_too_large.slug).toBe('payload-too-large');
  });

  it('a body of a media type the route does not read is unsupported-media-type', async () => {
    expectProblem(await post().type('form').send('name=x'), 415, 'unsupported-media-type');
  });

  it('JSON that does not parse, or no JSON at all, is malformed-json', async () => {
    expectProblem(await post().set('content-type', 'application/json').send('{"name": '), 400, 'malformed-json');
    expectProblem(await post().set('content-type', 'application/json').send(''), 400, 'malformed-json');
  });

  it('a path whose percent-encoding is broken is bad-request', async () => {
    expectProblem(await request(app.server).post('/things/%E0%A4%A').send({ name: 'x' }), 400, 'bad-request');
  });

  it('no answer’s type is a framework code (FST_ERR_…, ctp_…, bad_url)', async () => {
    const answers = await Promise.all([
      post().send({ name: 'x'.repeat(BODY_LIMIT_BYTES) }),
      post().type('form').send('name=x'),
      post().set('content-type', 'application/json').send('{'),
      post().set('content-type', 'application/json').send(''),
      request(app.server).post('/things/%E0%A4%A').send({ name: 'x' }),
    ]);
    for (const answer of answers) expect(answer.body.type).toMatch(/^https:\/\/tss\.dev\/problems\/[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
