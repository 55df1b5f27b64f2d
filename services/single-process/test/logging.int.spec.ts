import pino from 'pino';
import { pngBytes } from '@tss/blob-storage/testing';
import { sampleTicket } from '@tss/runtime/testing';
import { loggerOptions, startTracing, type Tracing } from '@tss/service-kit';
import { waitFor, logCapture } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

describe('logs', () => {
  const { lines, stream: sink } = logCapture();
  let tracing: Tracing;
  let platform: TestPlatform;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-log-test' });
    // The most verbose level: what an operator turning logging up sees must hold no secret either.
    platform = await startTestPlatform('logging', { logger: pino(loggerOptions('tss', 'trace'), sink) });
  });

  afterAll(async () => {
    await platform?.stop();
    await tracing?.shutdown();
  });

  it('carry request and trace ids, and never a secret or a token', async () => {
    const client = platform.client;
    const admin = platform.running.generatedAdmin!;
    const adminToken = await platform.adminToken();
    const acme = await client.partner(adminToken, 'Acme Logs');
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('x-request-id', 'req-log-1').send(sampleTicket());
    expect(filed.status).toBe(201);
    await client.http().post('/v1/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: acme.clientId, client_secret: 'wrong-secret-value' });
    // A multipart body: @fastify/multipart logs busboy's options, the request's headers among them, at trace.
    const uploaded = await client
      .http()
      .post(`/v1/tickets/${filed.body.id}/attachments`)
      .auth(acme.token, { type: 'bearer' })
      .set('cookie', 'session=cookie-secret-value')
      .attach('file', pngBytes(), { filename: 'screen.png', contentType: 'image/png' });
    expect(uploaded.status).toBe(201);
    expect(lines.some((l) => l.msg === 'Providing options to busboy')).toBe(true);

    const completed = await waitFor('the request log line', () => lines.find((l) => l.reqId === 'req-log-1' && l.msg === 'request completed'));
    expect(completed.trace_id).toMatch(/^[0-9a-f]{32}$/);
    // One line per request (issue #8): its completion, with what an operator needs from it.
    expect(completed).toMatchObject({ level: 30, method: 'POST', route: '/v1/tickets', statusCode: 201, responseTime: expect.any(Number) });
    expect(lines.filter((l) => l.reqId === 'req-log-1' && /request/.test(String(l.msg)))).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'incoming request')).toBeUndefined();
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const secret of [admin.clientSecret, adminToken, acme.clientSecret, acme.token, 'wrong-secret-value', 'cookie-secret-value']) expect(all).not.toContain(secret);
  });

  it('ADR 0007: a rating or site link to no route is logged without its token', async () => {
    const client = platform.client;
    const ratingToken = 'Qm9ndXNSYXRpbmdUb2tlbkZvclRoZUxvZ1Rlc3QwMTI';
    const siteToken = 'v1.c2l0ZS1saW5rLXBheWxvYWQ.a2lk.c2lnbmF0dXJl';
    const paths = [`/rate/${ratingToken}/`, `/v1/ratings/${ratingToken}/x`, `/RATE/${ratingToken}`, `/support/t/${siteToken}/no/such/page`, `/Support/T/${siteToken}`];
    for (const [i, path] of paths.entries()) {
      const response = await client.http().get(path).set('x-request-id', `req-link-${i}`);
      expect(response.status).toBe(404);
    }

    const completed = await waitFor('the link requests’ log lines', () => {
      const found = paths.map((_path, i) => lines.find((l) => l.reqId === `req-link-${i}` && l.msg === 'request completed'));
      return found.every(Boolean) ? found : undefined;
    });
    expect(completed.map((l) => l!.path ?? l!.route)).toEqual([
      // The rate page takes whatever follows /rate/ and answers a token of the wrong shape with its 404 page.
      '/rate/*',
      '/v1/ratings/[redacted]/x',
      '/RATE/[redacted]',
      '/support/t/*',
      '/Support/T/[redacted]',
    ]);
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain(ratingToken);
    expect(all).not.toContain(siteToken);
  });
});
