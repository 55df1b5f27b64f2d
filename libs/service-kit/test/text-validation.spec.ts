import { Type } from '@sinclair/typebox';
import { Text, VisibleText } from '@tss/contracts';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { PROBLEM_CONTENT_TYPE } from '../src/problem';

// The text formats of libs/contracts as every service's edge checks them: `text` refuses what
// PostgreSQL cannot store, `visible-text` also refuses text that shows nothing; each failure is
// a 400 problem naming the field, in words that say which rule it broke.
describe('request validation of text: storable, and visible where something must be said', () => {
  let app: ServiceApp;
  const seen: unknown[] = [];

  beforeAll(async () => {
    app = await createServiceApp({ name: 'text-validation', logger: pino({ level: 'silent' }) });
    app.post(
      '/notes',
      {
        schema: {
          body: Type.Object(
            { body: VisibleText({ maxLength: 100 }), title: Type.Optional(VisibleText({ maxLength: 100 })), remark: Type.Optional(Text({ maxLength: 100 })) },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        seen.push(req.body);
        return { ok: true };
      },
    );
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const post = (body: unknown) => request(app.server).post('/notes').send(body as object);
  const BLANK = 'must contain a visible character, not only white space, zero-width, format or control characters';
  const UNSTORABLE = 'must not contain NUL (U+0000) or an unpaired UTF-16 surrogate';

  it.each([
    ['spaces', '   '],
    ['a zero-width space', '\u200b'],
    ['a byte order mark', '\ufeff'],
    ['white space and a word joiner', ' \t\u2060\n'],
  ])('%s in a required field or in an optional one given is a 400 problem naming the field, and the route does not run', async (_name, blank) => {
    const before = seen.length;
    for (const [body, pointer] of [
      [{ body: blank }, '/body'],
      [{ body: 'Said.', title: blank }, '/title'],
    ] as const) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer, message: BLANK })]);
    }
    expect(seen.length).toBe(before);
  });

  it('visible text with NUL or a lone surrogate is refused as unstorable, not as blank', async () => {
    for (const bad of ['before\u0000after', 'x\ud800']) {
      const response = await post({ body: bad });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([expect.objectContaining({ pointer: '/body', message: UNSTORABLE })]);
    }
  });

  it('text that says something is taken as sent, white space and all; a `Text` field may still be blank', async () => {
    const response = await post({ body: '  Still broken.\u200b ', title: '\ufeffTitle', remark: '   ' });
    expect(response.status).toBe(200);
    expect(seen.at(-1)).toEqual({ body: '  Still broken.\u200b ', title: '\ufeffTitle', remark: '   ' });
  });

  it('the OpenAPI document shows the format of each field', async () => {
    const document = app.swagger() as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, { format?: string }> } }> } } }> };
    const properties = document.paths['/notes'].post.requestBody.content['application/json'].schema.properties;
    expect(properties.body.format).toBe('visible-text');
    expect(properties.title.format).toBe('visible-text');
    expect(properties.remark.format).toBe('text');
  });
});
