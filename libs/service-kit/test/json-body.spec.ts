import { Type } from '@sinclair/typebox';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

// RFC 8259 section 8.1: JSON exchanged between systems is UTF-8. An outside test sent
// `application/json; charset=latin1` (and utf-16): accepted, and its bytes read as UTF-8.
describe('JSON bodies are UTF-8: a body declaring another charset is a 415', () => {
  let app: ServiceApp;
  const received: unknown[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'json-body', logger: pino({ level: 'silent' }) });
    app.post('/things', { schema: { body: Type.Object({ name: Type.String() }) } }, async (req) => {
      received.push(req.body);
      return { ok: true };
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  // superagent would send a Buffer given for JSON as JSON text; its serializer hands it on as it is.
  const bytesAsIs = (bytes: Buffer): string => bytes as unknown as string;
  const post = (contentType: string, body: Buffer) => request(app.server).post('/things').set('content-type', contentType).serialize(bytesAsIs).send(body);

  it.each(['latin1', 'ISO-8859-1', 'utf-16', '"utf-16le"', 'us-ascii'])('charset=%s is a 415 unsupported-media-type, and the route never runs', async (charset) => {
    const before = received.length;
    const response = await post(`application/json; charset=${charset}`, Buffer.from('{"name":"caf\xe9"}', 'latin1'));
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/unsupported-media-type', status: 415, detail: expect.stringContaining('UTF-8') });
    expect(received.length).toBe(before);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"', 'application/json; charset=utf8'])(
    '%s is read as UTF-8',
    async (contentType) => {
      const response = await post(contentType, Buffer.from('{"name":"café"}', 'utf8'));
      expect(response.status).toBe(200);
      expect(received.at(-1)).toEqual({ name: 'café' });
    },
  );
});

// An outside test: `{"__proto__":{"x":1}}` is valid JSON, refused rightly (prototype poisoning), but
// as `malformed-json` "Body is not valid JSON", which sent its author looking for a syntax error.
describe('a JSON body with a reserved key is refused as such, not as malformed JSON', () => {
  let app: ServiceApp;
  const received: unknown[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'json-reserved-keys', logger: pino({ level: 'silent' }) });
    app.post('/things', async (req) => {
      received.push(req.body);
      return { ok: true };
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const post = (body: string) => request(app.server).post('/things').set('content-type', 'application/json').send(body);

  it.each([
    ['__proto__ at the top', '{"__proto__":{"isAdmin":true}}'],
    ['__proto__ deep inside', '{"name":"x","nested":[{"ok":1},{"__proto__":{"polluted":1}}]}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"isAdmin":true}}}'],
    ['__proto__ with a BOM before the document', '\ufeff{"__proto__":{}}'],
  ])('%s is a 400 bad-request that names the reserved key, and the route never runs', async (_case, body) => {
    const before = received.length;
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/bad-request', status: 400, detail: expect.stringContaining('__proto__') });
    expect(response.body.detail).toContain('reserved key');
    expect(received.length).toBe(before);
  });

  it('JSON that does not parse is malformed-json still', async () => {
    expect((await post('{"__proto__":')).body).toMatchObject({ type: 'https://tss.dev/problems/malformed-json', status: 400 });
  });

  it('a constructor without a prototype, or a key that only mentions one, is an ordinary body', async () => {
    expect((await post('{"constructor":{"name":"x"},"proto":1,"__proto":2}')).status).toBe(200);
    expect(received.at(-1)).toEqual({ constructor: { name: 'x' }, proto: 1, __proto: 2 });
  });
});
