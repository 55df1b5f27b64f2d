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
