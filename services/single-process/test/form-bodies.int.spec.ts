import type { AddressInfo } from 'node:net';
import { pngBytes } from '@tss/blob-storage/testing';
import { defaultEdgeConfig } from '@tss/gateway';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { sendStalledRequest, TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { csrfOf } from './support/site-forms';

// Multipart and urlencoded bodies on every route that takes them (docs/adr/0063): a body that is
// not well-formed, text that is not UTF-8 or not storable, and an upload that stalls are each a 4xx
// (problem+json on the API, the form again on the support site) and store nothing.
const UPLOAD_TIMEOUT_MS = 1_000;
const BOUNDARY = 'tss-test-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** A multipart body by hand: `parts` as [header lines, content]; `close` false leaves out the closing boundary. */
const multipartBody = (parts: [string[], Buffer | string][], close = true): Buffer =>
  Buffer.concat([
    ...parts.flatMap(([headers, content]) => [Buffer.from(`--${BOUNDARY}\r\n${headers.join('\r\n')}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n')]),
    Buffer.from(close ? `--${BOUNDARY}--\r\n` : ''),
  ]);
const textPart = (name: string, value: Buffer | string, contentType?: string): [string[], Buffer | string] => [
  [`Content-Disposition: form-data; name="${name}"`, ...(contentType ? [`Content-Type: ${contentType}`] : [])],
  value,
];
const filePart = (bytes: Buffer): [string[], Buffer] => [['Content-Disposition: form-data; name="file"; filename="screen.png"', 'Content-Type: image/png'], bytes];

/** The bytes as they are: supertest would otherwise serialise a Buffer. */
const bytesAsIs = (bytes: Buffer): string => bytes as unknown as string;
const INVALID_UTF8 = Buffer.from([0x61, 0xc0, 0xaf, 0x20, 0xed, 0xa0, 0x80, 0x62]); // an overlong "/" and an encoded surrogate

describe('multipart and form bodies: malformed input is a 4xx and stores nothing (docs/adr/0063)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string };
  let ann: string;
  let ticketId: string;
  let link: string;
  let port: number;
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();

  beforeAll(async () => {
    platform = await startTestPlatform('form_bodies', { clock, edge: { ...defaultEdgeConfig(), TSS_UPLOAD_TIMEOUT_MS: UPLOAD_TIMEOUT_MS } });
    // The site calls intake over the app's own address once it listens (upstream/intake-api.ts).
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    port = (platform.running.platform.app.server.address() as AddressInfo).port;
    client = platform.client;
    const admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Forms');
    await http().patch(`/v1/partners/${acme.partnerId}`).auth(admin, { type: 'bearer' }).send({ siteEnabled: true }).expect(200);
    ann = await client.requester(acme.token, 'cust-ann');
    const filed = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { id: 'cust-ann', email: 'ann@example.com' } }));
    expect(filed.status).toBe(201);
    ticketId = filed.body.id;
    link = await waitFor('a site link', async () => {
      const response = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(acme.token, { type: 'bearer' });
      return response.status === 201 ? new URL((response.body as { url: string }).url).pathname : undefined;
    });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const count = async (table: string): Promise<number> => (await platform.query<{ n: number }>('ticket-intake', `SELECT count(*)::int AS n FROM ticket_intake.${table}`))[0].n;
  /** What an upload or a form could have stored: tickets, messages, attachments. */
  const stored = async () => ({ tickets: await count('tickets'), messages: await count('messages'), attachments: await count('attachments') });
  const postBytes = (path: string, contentType: string, body: Buffer, token?: string) => {
    const request = http().post(path).set('content-type', contentType).serialize(bytesAsIs);
    return (token ? request.auth(token, { type: 'bearer' }) : request).send(body);
  };
  const replyCsrf = async () => csrfOf((await http().get(link)).text, `${link}/reply`);
  const errorSummary = (page: string): string[] => [...page.matchAll(/<li><a href="#(\w+)">([^<]*)<\/a><\/li>/g)].map((m) => `${m[1]}: ${m[2]}`);
  const expectPage = (response: { status: number; headers: Record<string, string> }, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  };

  /** The public form's page and cookie, and a post of `fields` (urlencoded, as given) with its CSRF token first. */
  const newRequestForm = async (language?: string) => {
    const action = `/support/new?partner=${acme.partnerId}`;
    const form = await http().get(action).set('accept-language', language ?? 'en');
    const cookie = ([] as string[]).concat(form.headers['set-cookie'] ?? [])[0].split(';')[0];
    const csrf = csrfOf(form.text, action);
    return {
      post: (encodedFields: string | Buffer) =>
        http()
          .post(action)
          .set('cookie', cookie)
          .set('content-type', 'application/x-www-form-urlencoded')
          .serialize(bytesAsIs)
          .send(Buffer.concat([Buffer.from(`_csrf=${encodeURIComponent(csrf)}&`), Buffer.from(encodedFields)])),
    };
  };
  const REQUIRED = 'product=reader&productVersion=1.0';

  describe('a multipart body that is not well-formed: 400 on every route that takes multipart', () => {
    const malformed: [string, string, Buffer][] = [
      ['no closing boundary', MULTIPART, multipartBody([filePart(pngBytes())], false)],
      ['no boundary parameter', 'multipart/form-data', multipartBody([filePart(pngBytes())])],
      ['another boundary', 'multipart/form-data; boundary=not-the-one', multipartBody([filePart(pngBytes())])],
      ['garbage', MULTIPART, Buffer.from('\u0000\u00ff garbage, not a form \r\n--')],
    ];

    it.each(malformed)('%s: the API answers a 400 problem on attachments and on messages', async (_label, contentType, body) => {
      const before = await stored();
      for (const path of [`/v1/tickets/${ticketId}/attachments`, `/v1/tickets/${ticketId}/messages`]) {
        const response = await postBytes(path, contentType, body, ann);
        expect([path, response.status]).toEqual([path, 400]);
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(response.body).toMatchObject({ status: 400, detail: 'The multipart/form-data body cannot be read.' });
      }
      expect(await stored()).toEqual(before);
    });

    it.each(malformed)('%s: the site’s reply and reopen forms come back with the form’s error (400 page)', async (_label, contentType, body) => {
      const before = await stored();
      const reply = await postBytes(`${link}/reply`, contentType, body);
      expectPage(reply, 400);
      expect(errorSummary(reply.text)).toEqual(['text: The form could not be read. Reload the page and send it again']);
      const reopen = await postBytes(`${link}/reopen`, contentType, body);
      expectPage(reopen, 400);
      expect(await stored()).toEqual(before);
    });
  });

  describe('text that is not UTF-8 is refused, never stored with replacement characters', () => {
    it('a multipart message whose text is not UTF-8 is a 400 invalid-utf-8 problem naming the field', async () => {
      const before = await stored();
      const response = await postBytes(`/v1/tickets/${ticketId}/messages`, MULTIPART, multipartBody([textPart('body', INVALID_UTF8), filePart(pngBytes())]), ann);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/invalid-utf-8', errors: [{ in: 'body', pointer: '/body' }] });
      expect(await stored()).toEqual(before);
    });

    it('multipart text that is UTF-8 is stored exactly as sent, whatever charset its part declares', async () => {
      const text = 'Ёжик 🦔 café\u00a0— \ufeffBOM';
      for (const contentType of [undefined, 'text/plain; charset=utf-8', 'text/plain; charset=iso-8859-1']) {
        const response = await postBytes(`/v1/tickets/${ticketId}/messages`, MULTIPART, multipartBody([textPart('body', Buffer.from(text), contentType)]), ann);
        expect(response.status).toBe(201);
        expect(response.body.message.body).toBe(text);
      }
    });

    it('the new-request form with a description that is not UTF-8 is the form again (400) naming the field; nothing is filed', async () => {
      const form = await newRequestForm();
      const before = await stored();
      for (const description of [Buffer.from('a%C0%AFb'), Buffer.from('a%ED%A0%80b'), Buffer.from('a%ZZb%'), Buffer.concat([Buffer.from('a'), Buffer.from([0xff, 0xc3]), Buffer.from('b')])]) {
        const posted = await form.post(Buffer.concat([Buffer.from(`${REQUIRED}&description=`), description]));
        expectPage(posted, 400);
        expect(errorSummary(posted.text)).toEqual(['description: Describe the problem: This could not be read. Enter it again']);
      }
      expect(await stored()).toEqual(before);
    });

    it('the reply form with text that is not UTF-8, multipart or urlencoded, is the form again (400); nothing is recorded', async () => {
      const before = await stored();
      const multipart = await postBytes(`${link}/reply`, MULTIPART, multipartBody([textPart('_csrf', await replyCsrf()), textPart('text', INVALID_UTF8)]));
      expectPage(multipart, 400);
      expect(errorSummary(multipart.text)).toEqual(['text: This could not be read. Enter it again']);
      const urlencoded = await postBytes(`${link}/reply`, 'application/x-www-form-urlencoded', Buffer.from(`_csrf=${encodeURIComponent(await replyCsrf())}&text=a%C0%AFb`));
      expectPage(urlencoded, 400);
      expect(errorSummary(urlencoded.text)).toEqual(['text: This could not be read. Enter it again']);
      expect(await stored()).toEqual(before);
    });
  });

  describe('bad input on the site’s forms is the form again in the page’s language, never a problem+json or schema text', () => {
    it('a description of 30,000 or 1,000,000 characters is the form again (400) saying how long it may be', async () => {
      const before = await stored();
      for (const length of [30_000, 1_000_000]) {
        const posted = await (await newRequestForm()).post(`${REQUIRED}&description=${'x'.repeat(length)}`);
        expectPage(posted, 400);
        expect(errorSummary(posted.text)).toEqual(['description: Describe the problem: This is too long: at most 20000 characters']);
      }
      const russian = await (await newRequestForm('ru')).post(`language=ru&${REQUIRED}&description=${'x'.repeat(1_000_000)}`);
      expectPage(russian, 400);
      expect(errorSummary(russian.text)).toEqual(['description: Опишите проблему: Слишком длинно: не более 20000 символов']);
      expect(await stored()).toEqual(before);
    });

    it('a field sent twice, or text with a NUL, is that field’s error on the form (400); nothing is filed', async () => {
      const form = await newRequestForm();
      const before = await stored();
      const twice = await form.post('product=reader&product=player&productVersion=1.0&description=One&description=Two');
      expectPage(twice, 400);
      expect(errorSummary(twice.text)).toEqual(['product: Product: This could not be read. Enter it again', 'description: Describe the problem: This could not be read. Enter it again']);
      const nul = await form.post(`${REQUIRED}&description=a%00b`);
      expectPage(nul, 400);
      expect(errorSummary(nul.text)).toEqual(['description: Describe the problem: This could not be read. Enter it again']);
      expect(nul.text).not.toContain('must match format');
      expect(await stored()).toEqual(before);
    });

    it('a reply with a NUL is the form again (400) in the page’s words, not intake’s', async () => {
      const before = await stored();
      const posted = await postBytes(`${link}/reply`, MULTIPART, multipartBody([textPart('_csrf', await replyCsrf()), textPart('text', 'a\u0000b')]));
      expectPage(posted, 400);
      expect(errorSummary(posted.text)).toEqual(['text: This could not be read. Enter it again']);
      expect(posted.text).not.toContain('body/body');
      expect(await stored()).toEqual(before);
    });
  });

  describe('an upload that stalls is answered when its deadline (TSS_UPLOAD_TIMEOUT_MS) passes', () => {
    /** The headers and the first 5,000 bytes of a 9 MB upload, then nothing. */
    const stall = (path: string, token?: string) =>
      sendStalledRequest({
        port,
        head: [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${MULTIPART}`, `Content-Length: ${9_000_000}`, ...(token ? [`Authorization: Bearer ${token}`] : [])],
        firstBytes: multipartBody([filePart(Buffer.concat([pngBytes(), Buffer.alloc(5_000, 0x5a)]))], false).subarray(0, 5_000),
        giveUpMs: 3 * UPLOAD_TIMEOUT_MS,
      });

    it('an attachment upload: a 408 problem, the connection closed, nothing stored', async () => {
      const before = await stored();
      const { head, body, tookMs } = await stall(`/v1/tickets/${ticketId}/attachments`, ann);
      expect(head).toMatch(/^HTTP\/1\.1 408 /);
      expect(head.toLowerCase()).toContain(`content-type: ${PROBLEM_CONTENT_TYPE}`);
      expect(head.toLowerCase()).toContain('connection: close');
      expect(JSON.parse(body)).toMatchObject({ type: 'https://tss.dev/problems/request-timeout', status: 408 });
      expect(tookMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
      expect(await stored()).toEqual(before);
    });

    it('a reply on the support site: the same 408, nothing recorded', async () => {
      const before = await stored();
      const { head } = await stall(`${link}/reply`);
      expect(head).toMatch(/^HTTP\/1\.1 408 /);
      expect(await stored()).toEqual(before);
    });
  });
});
