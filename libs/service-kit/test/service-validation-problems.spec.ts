import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { MAX_LISTED_VALIDATION_ERRORS, PROBLEM_CONTENT_TYPE, sendFailure } from '../src/problem';

// An outside test: a roster of 1,000 bad shifts answered a 400 of 307,507 bytes (2,000 `errors`, no
// `errorCount`, a detail of 115,000 characters). A validation problem a service builds itself is bounded
// as the schema's is (docs/adr/0036, "a validation problem stays small").
describe('a validation problem a service builds is bounded as a schema’s is', () => {
  let app: ServiceApp;

  const manyErrors = (count: number) =>
    Array.from({ length: count }, (_, n) => ({ in: 'body', pointer: `/shifts/${n}/timeZone`, message: `unknown time zone "${'Mars/Base'.repeat(90)}"` }));

  beforeAll(async () => {
    app = await createServiceApp({ name: 'service-validation', logger: pino({ level: 'silent' }) });
    app.get('/many', async (_request, reply) => {
      const errors = manyErrors(2_000);
      return sendFailure(reply, { kind: 'validation', detail: `Invalid roster: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`, extensions: { errors } });
    });
    app.get('/one', async (_request, reply) =>
      sendFailure(reply, { kind: 'validation', detail: 'status: unknown value "a"', extensions: { errors: [{ in: 'querystring', pointer: '/status', message: 'unknown value "a"' }] } }),
    );
    app.get('/counted', async (_request, reply) =>
      sendFailure(reply, { kind: 'validation', detail: 'twelve', extensions: { errorCount: 12, errors: manyErrors(10) } }),
    );
    app.get('/unprocessable', async (_request, reply) =>
      sendFailure(reply, { kind: 'unprocessable', detail: 'label holds a secret', extensions: { errors: [{ in: 'body', pointer: '/label', message: 'must not hold access particulars' }] } }),
    );
    app.get('/plain', async (_request, reply) => sendFailure(reply, { kind: 'conflict', detail: 'x'.repeat(800) }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('lists the first 10 errors, counts them all in errorCount, and keeps detail and every member short', async () => {
    const response = await request(app.server).get('/many');
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.text.length).toBeLessThan(10_000);
    expect(response.body.errorCount).toBe(2_000);
    expect(response.body.errors).toHaveLength(MAX_LISTED_VALIDATION_ERRORS);
    expect(response.body.errors[0]).toMatchObject({ in: 'body', pointer: '/shifts/0/timeZone', message: expect.stringContaining('unknown time zone') });
    expect(response.body.detail.length).toBeLessThanOrEqual(501);
    expect(response.body.detail).toMatch(/^Invalid roster: \/shifts\/0\/timeZone/);
    for (const error of response.body.errors as Record<string, string>[]) for (const value of Object.values(error)) expect(value.length).toBeLessThanOrEqual(501);
  });

  it('a single error is counted too: errorCount 1', async () => {
    const response = await request(app.server).get('/one');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/validation', errorCount: 1, errors: [{ in: 'querystring', pointer: '/status' }] });
  });

  it('a count the service gives (it listed fewer than it found) stands', async () => {
    expect((await request(app.server).get('/counted')).body).toMatchObject({ errorCount: 12 });
  });

  it('every problem with `errors` counts them, whatever its kind', async () => {
    expect((await request(app.server).get('/unprocessable')).body).toMatchObject({ status: 422, errorCount: 1 });
  });

  it('a problem without `errors` is left as it is: no errorCount, its detail whole', async () => {
    const body = (await request(app.server).get('/plain')).body;
    expect(body).not.toHaveProperty('errorCount');
    expect(body.detail).toHaveLength(800);
  });
});
