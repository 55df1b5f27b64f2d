import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

// Issue #9 "Bad input", as the malformed-request fuzzing (services/single-process/test/fuzz) found it:
// wrong types in a JSON body were coerced and stored, `limit=Infinity` and `urn:uuid:…` ids
// reached SQL as 500s, a query with invalid UTF-8 answered 200, and an unknown field was not named.
describe('request validation: parameters are coerced from text, JSON bodies are not, and what SQL cannot read is a 400', () => {
  let app: ServiceApp;
  const seen: unknown[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'validation', logger: pino({ level: 'silent' }) });
    app.post(
      '/things/:id',
      {
        schema: {
          params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), q: Type.Optional(Type.String()) }),
          headers: Type.Object({ 'X-Fuzz-Tag': Type.Optional(Type.String({ maxLength: 5 })) }),
          body: Type.Object({ name: Type.String(), count: Type.Optional(Type.Integer()), tags: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false }),
        },
      },
      async (req) => {
        seen.push({ params: req.params, query: req.query, body: req.body });
        return { ok: true };
      },
    );
    app.post('/nested', { schema: { body: Type.Object({ owner: Type.Object({ 'e~mail/work': Type.String() }) }) } }, async () => ({ ok: true }));
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const post = (path: string, body: unknown) => request(app.server).post(path).send(body as object);
  const ID = '6f1c2a5e-9b3d-4c7e-8a1f-0b2c3d4e5f60';
  const expectNamed = (response: request.Response, part: string, pointer: string, extra: Record<string, unknown> = {}) => {
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ in: part, pointer, ...extra })]));
  };

  it('a number, a boolean or a one-item array for a string field of a JSON body is a 400 naming it, not coerced', async () => {
    const before = seen.length;
    expectNamed(await post(`/things/${ID}`, { name: 42 }), 'body', '/name');
    expectNamed(await post(`/things/${ID}`, { name: true }), 'body', '/name');
    expectNamed(await post(`/things/${ID}`, { name: ['x'] }), 'body', '/name');
    expectNamed(await post(`/things/${ID}`, { name: 'x', count: '3' }), 'body', '/count');
    expectNamed(await post(`/things/${ID}`, { name: 'x', tags: 'one' }), 'body', '/tags');
    expect(seen.length).toBe(before);
  });

  it('path, query and headers are still read from text into their types, with defaults', async () => {
    const response = await post(`/things/${ID}?limit=7`, { name: 'x' }).set('x-fuzz-tag', 'ab');
    expect(response.status).toBe(200);
    expect(seen.at(-1)).toEqual({ params: { id: ID }, query: { limit: 7 }, body: { name: 'x' } });
    expect((await post(`/things/${ID}`, { name: 'x' })).status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ query: { limit: 50 } });
  });

  it('a header schema with upper-case names still checks the header', async () => {
    expectNamed(await post(`/things/${ID}`, { name: 'x' }).set('x-fuzz-tag', 'longer than five'), 'headers', '/x-fuzz-tag');
  });

  it.each(['Infinity', '-Infinity', '1e400'])('limit=%s coerces to a number no column holds: a 400 naming the parameter', async (limit) => {
    const before = seen.length;
    expectNamed(await post(`/things/${ID}?limit=${limit}`, { name: 'x' }), 'querystring', '/limit');
    expect(seen.length).toBe(before);
  });

  // ajv coerces with Number(), which reads hexadecimal, a plus sign, white space and exponents.
  it.each(['0x10', '+5', '%205', '5%20', '1e1', '0b11', '5.0', '', '٥'])('limit=%s is not plain decimal digits: a 400 naming the parameter', async (limit) => {
    const before = seen.length;
    const response = await post(`/things/${ID}?limit=${limit}`, { name: 'x' });
    expectNamed(response, 'querystring', '/limit', { message: 'must be an integer written in decimal digits' });
    expect(seen.length).toBe(before);
  });

  it('limit=007 and limit=200 are decimal digits: read as 7 and 200', async () => {
    expect((await post(`/things/${ID}?limit=007`, { name: 'x' })).status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ query: { limit: 7 } });
    expect((await post(`/things/${ID}?limit=200`, { name: 'x' })).status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ query: { limit: 200 } });
  });

  it('a number no column holds in a JSON body is a 400 too (1e400 parses as Infinity)', async () => {
    const response = await request(app.server).post(`/things/${ID}`).set('content-type', 'application/json').send('{"name":"x","count":1e400}');
    expectNamed(response, 'body', '/count');
  });

  it('a urn:uuid, which ajv-formats admits and PostgreSQL does not, is not a uuid', async () => {
    expectNamed(await post(`/things/urn:uuid:${ID}`, { name: 'x' }), 'params', '/id');
  });

  // An agent's day (2026-12-05, fifth session): a filing without `product` answered `"pointer":"/"`.
  it('a missing required member is pointed at itself, as RFC 6901 writes its name', async () => {
    const before = seen.length;
    expectNamed(await post(`/things/${ID}`, { count: 1 }), 'body', '/name', { missingProperty: 'name' });
    expectNamed(await post('/nested', { owner: {} }), 'body', '/owner/e~0mail~1work', { missingProperty: 'e~mail/work' });
    expectNamed(await post('/nested', {}), 'body', '/owner', { missingProperty: 'owner' });
    expect(seen.length).toBe(before);
  });

  it('an unknown body property is named by additionalProperty', async () => {
    expectNamed(await post(`/things/${ID}`, { name: 'x', colour: 'red' }), 'body', '/', { additionalProperty: 'colour' });
  });

  it.each(['q=%FF', 'q=%ED%A0%80', 'q=%E0%A4%A', 'q=caf%C3'])('a query that is not percent-encoded UTF-8 (%s) is a 400 naming the parameter', async (query) => {
    const before = seen.length;
    const response = await post(`/things/${ID}?${query}`, { name: 'x' });
    expectNamed(response, 'querystring', '/q');
    expect(response.body.type).toBe('https://tss.dev/problems/validation');
    expect(seen.length).toBe(before);
  });

  it('a query of valid escapes (UTF-8, +, %2B) is read as sent', async () => {
    expect((await post(`/things/${ID}?q=caf%C3%A9+%2B1`, { name: 'x' })).status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ query: { q: 'café +1' } });
  });
  // An outside test: a body whose every byte was an unknown field answered 153 MB for 1 MB sent.
  it('a body with thousands of errors answers a problem of a few KB: the first 10 errors and their count', async () => {
    const fields = Object.fromEntries(Array.from({ length: 2_000 }, (_, n) => [`field-${n}-${'x'.repeat(300)}`, n]));
    const response = await post(`/things/${ID}`, { name: 'x', ...fields });
    expectNamed(response, 'body', '/');
    expect(response.body.errorCount).toBe(2_000);
    expect(response.body.errors).toHaveLength(10);
    expect(response.body.detail).toMatch(/and 1990 more$/);
    expect(response.text.length).toBeLessThan(4_096);
  });

  it('a query with hundreds of badly encoded parameters names the first 10', async () => {
    const query = Array.from({ length: 300 }, (_, n) => `p${n}=%FF`).join('&');
    const response = await post(`/things/${ID}?${query}`, { name: 'x' });
    expectNamed(response, 'querystring', '/p0');
    expect(response.body).toMatchObject({ errorCount: 300 });
    expect(response.body.errors).toHaveLength(10);
    expect(response.text.length).toBeLessThan(4_096);
  });
});
