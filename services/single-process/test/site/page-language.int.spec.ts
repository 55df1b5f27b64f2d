import type { AddressInfo } from 'node:net';
import { defaultEdgeConfig } from '@tss/gateway';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { sendStalledRequest, TestClock, waitFor, type RawAnswer } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

const REQUEST_TIMEOUT_MS = 300;
const UPLOAD_TIMEOUT_MS = 1_000;

/**
 * docs/support-site.md "Language: the link's, else Accept-Language" (an outside accessibility test):
 * on a valid site link the 413, 415 and 408 pages followed the browser's Accept-Language, though the
 * page, its 403 and its 410 follow the link's; the rate form's 415 and 408 likewise ignored the
 * survey's language. Those answers come from the edge (a body limit, a body parser, the request
 * deadline) before any route has read the link.
 */
describe('the refusals of a page’s edge speak the link’s language (docs/support-site.md)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let port: number;
  let sitePath: string;
  let ratePath: string;
  const clock = new TestClock('2026-06-01T09:00:00.000Z');
  const http = () => client.http();
  const ENGLISH_BROWSER = 'en-GB,en;q=0.9';

  beforeAll(async () => {
    platform = await startTestPlatform('page_language', {
      clock,
      edge: { ...defaultEdgeConfig(), TSS_REQUEST_TIMEOUT_MS: REQUEST_TIMEOUT_MS, TSS_UPLOAD_TIMEOUT_MS: UPLOAD_TIMEOUT_MS },
      // Limits of this platform's own (P8): the pages name the settings, not the defaults.
      env: { ATTACHMENT_MAX_FILE_BYTES: String(5 * 1_048_576), ATTACHMENT_MAX_MESSAGE_BYTES: String(15 * 1_048_576) },
    });
    await platform.running.platform.app.listen({ host: '127.0.0.1', port: 0 });
    port = (platform.running.platform.app.server.address() as AddressInfo).port;
    client = platform.client;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme Languages');
    const agent = await client.staff(admin, ['agent'], 'Lev Agent');
    const filed = await http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ language: 'ru', requester: { id: 'cust-ivan', email: 'ivan@example.com' } }));
    expect(filed.status).toBe(201);
    const ticketId = filed.body.id as string;
    const minted = await waitFor('a site link', async () => {
      const answer = await http().post(`/v1/tickets/${ticketId}/site-links`).auth(acme.token, { type: 'bearer' });
      return answer.status === 503 ? undefined : answer;
    });
    sitePath = new URL(minted.body.url as string).pathname;
    const read = await http().get(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' });
    await http().patch(`/v1/tickets/${ticketId}`).auth(agent.token, { type: 'bearer' }).set('if-match', read.headers.etag as string).send({ status: 'resolved' }).expect(200);
    const requested = await waitFor('the rating link', async () =>
      (await platform.query<{ url: string }>('rating', `SELECT event->'data'->>'rateUrl' AS url FROM rating.outbox WHERE event_type = 'rating.requested' AND event->>'subject' = $1`, [ticketId]))[0],
    );
    ratePath = new URL(requested.url).pathname;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** The status line and the page's language of a raw answer. */
  const pageOf = (answer: RawAnswer) => ({ status: answer.head.split('\r\n')[0], lang: /<html lang="(\w+)">/.exec(answer.body)?.[1] });
  /** Headers announcing a body (`contentLength` bytes) that never comes: the request deadline's 408, or a limit's answer at once. */
  const headersOnly = (path: string, contentType: string, contentLength: number) =>
    sendStalledRequest({
      port,
      head: [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${contentType}`, `Content-Length: ${contentLength}`, `Accept-Language: ${ENGLISH_BROWSER}`],
      firstBytes: Buffer.alloc(0),
      giveUpMs: 4 * UPLOAD_TIMEOUT_MS,
    });

  it('a Russian site link: the 415 of a body that is not a form, the 413 of a body over the limit and the 408 of one that never came are in Russian', async () => {
    const unsupported = await http().post(`${sitePath}/reopen`).set('accept-language', ENGLISH_BROWSER).set('content-type', 'text/plain').send('hello');
    const [tooLarge, late, lateUpload] = await Promise.all([
      headersOnly(`${sitePath}/reply`, 'multipart/form-data; boundary=x', 10 ** 12),
      headersOnly(`${sitePath}/reopen`, 'application/x-www-form-urlencoded', 100),
      headersOnly(`${sitePath}/reply`, 'multipart/form-data; boundary=x', 100),
    ]);
    expect({
      unsupported: { status: unsupported.status, lang: /<html lang="(\w+)">/.exec(unsupported.text)?.[1] },
      tooLarge: pageOf(tooLarge),
      late: pageOf(late),
      lateUpload: pageOf(lateUpload),
    }).toEqual({
      unsupported: { status: 415, lang: 'ru' },
      tooLarge: { status: 'HTTP/1.1 413 Payload Too Large', lang: 'ru' },
      late: { status: 'HTTP/1.1 408 Request Timeout', lang: 'ru' },
      lateUpload: { status: 'HTTP/1.1 408 Request Timeout', lang: 'ru' },
    });
    expect(tooLarge.body).toContain('<h1>Слишком много за один раз</h1>');
    // P8: the 413 names the limits to keep within, the platform's settings, in the page's language and units.
    expect(tooLarge.body).toContain('<p>Каждый файл — не больше 5 МБ; все файлы одного ответа вместе — не больше 15 МБ.</p>');
    expect(late.body).toContain('<h1>Не удалось прочитать запрос</h1>');
  });

  it('P8: the reply form’s file hint names the configured limits before anything is sent, in the link’s language', async () => {
    const page = await http().get(sitePath).set('accept-language', ENGLISH_BROWSER);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Изображения JPG, GIF или PNG; BMP только в архивах ZIP или RAR. Каждый файл — не больше 5 МБ; все файлы одного ответа вместе — не больше 15 МБ.');
  });

  it('a link whose signature fails names no language: its refusals follow the browser', async () => {
    const [version, kid, sealed] = sitePath.slice('/support/t/'.length).split('.');
    const forged = `/support/t/${version}.${kid}.${sealed.slice(0, -4)}${sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const unsupported = await http().post(`${forged}/reopen`).set('accept-language', ENGLISH_BROWSER).set('content-type', 'text/plain').send('hello');
    expect(unsupported.status).toBe(415);
    expect(unsupported.text).toContain('<html lang="en">');
    expect(pageOf(await headersOnly(`${forged}/reopen`, 'application/x-www-form-urlencoded', 100))).toEqual({ status: 'HTTP/1.1 408 Request Timeout', lang: 'en' });
  });

  it('a Russian survey’s rate form: the 415 and the 408 are in Russian; a link that names no survey follows the browser', async () => {
    const unsupported = await http().post(ratePath).set('accept-language', ENGLISH_BROWSER).set('content-type', 'text/plain').send('hello');
    const late = await headersOnly(ratePath, 'application/x-www-form-urlencoded', 100);
    expect({ unsupported: { status: unsupported.status, lang: /<html lang="(\w+)">/.exec(unsupported.text)?.[1] }, late: pageOf(late) }).toEqual({
      unsupported: { status: 415, lang: 'ru' },
      late: { status: 'HTTP/1.1 408 Request Timeout', lang: 'ru' },
    });
    const unknown = await http().post(`${ratePath.slice(0, -4)}AAAA`).set('accept-language', ENGLISH_BROWSER).set('content-type', 'text/plain').send('hello');
    expect(unknown.status).toBe(415);
    expect(unknown.text).toContain('<html lang="en">');
  });
});
