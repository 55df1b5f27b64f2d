import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { installAuthentication } from '../src/auth/authenticate';
import { createServiceApp, type ServiceApp } from '../src/create-app';
import { answerFrameworkErrorsUnder, PROBLEM_CONTENT_TYPE } from '../src/problem';
import { err } from '../src/result';
import { sendStalledRequest } from '../src/testing/stalled-request';

const REQUEST_TIMEOUT_MS = 300;
const UPLOAD_TIMEOUT_MS = 1_200;
/** Node checks its own deadlines every REQUEST_TIMEOUT_MS here (at most a second): one check late at worst. */
const NODE_CHECK_SLACK_MS = REQUEST_TIMEOUT_MS + 200;

// A security review (sixth session): a client that sends its headers and then no body, or its body
// a byte at a time, held a connection for minutes, authenticated or not (slow-body DoS): fastify's
// requestTimeout 0 turned Node's own deadline off. Every app from createServiceApp now bounds the
// arrival of a request (docs/adr/0063, addendum of the sixth session).
describe('request deadline (TSS_REQUEST_TIMEOUT_MS): every request arrives in time or is answered 408 and its connection closed', () => {
  let app: ServiceApp;
  let port: number;
  let uploadsRead = 0;

  beforeAll(async () => {
    app = await createServiceApp({
      name: 'deadline',
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      requestDeadlines: { requestTimeoutMs: REQUEST_TIMEOUT_MS, uploadTimeoutMs: UPLOAD_TIMEOUT_MS },
    });
    installAuthentication(app, { verify: async () => err({ kind: 'missing' as const }) });
    app.post('/things', { config: { public: true } }, async (request) => ({ received: request.body }));
    app.post('/private', async () => ({ ok: true }));
    // A page area (a rating link's form) and an API path whose segment is a link token (docs/rating.md).
    answerFrameworkErrorsUnder(app, '/rate', (error, _request, reply) => reply.code(error.statusCode ?? 404).type('text/html').send(`<p>plain page ${error.statusCode}</p>`));
    app.post('/rate/:token', { config: { public: true } }, async () => 'rated');
    app.post('/v1/ratings/:token', { config: { public: true } }, async () => ({ rated: true }));
    // Work that outlasts the deadline once the request is whole: the deadline is the arrival's only.
    app.post('/slow', { config: { public: true } }, async (request) => {
      await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 200));
      return { received: request.body };
    });
    // An upload route (upload-routes.ts) that reads its whole multipart body, as intake's does.
    await app.register(async (uploads) => {
      uploads.addContentTypeParser('multipart/form-data', (_request, payload, done) => {
        payload.on('data', () => undefined);
        payload.on('end', () => done(null, null));
        payload.on('error', (error) => done(error, undefined));
      });
      uploads.post('/v1/tickets/:id/attachments', { config: { public: true } }, async (_request, reply) => {
        uploadsRead += 1;
        return reply.sent ? reply : { read: true };
      });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app.close();
  });

  const expectTimeoutProblem = (answer: { head: string; body: string }) => {
    expect(answer.head).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.head.toLowerCase()).toContain(`content-type: ${PROBLEM_CONTENT_TYPE}`);
    expect(answer.head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'https://tss.dev/problems/request-timeout', status: 408 });
  };

  it('headers and a Content-Length, then no body: a 408 problem when TSS_REQUEST_TIMEOUT_MS passes, and the connection closed', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /things HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'],
      firstBytes: Buffer.alloc(0),
      giveUpMs: 10 * REQUEST_TIMEOUT_MS,
    });
    expectTimeoutProblem(answer);
    expect(answer.tookMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.tookMs).toBeLessThan(UPLOAD_TIMEOUT_MS);
  });

  it('a body trickled a byte at a time is cut off at the same deadline, however steadily it comes', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /things HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'],
      firstBytes: Buffer.from('{"a":"'),
      giveUpMs: 10 * REQUEST_TIMEOUT_MS,
      trickleEveryMs: 50,
    });
    expectTimeoutProblem(answer);
    expect(answer.tookMs).toBeLessThan(UPLOAD_TIMEOUT_MS);
  });

  it('answered at once (401, no token) while the body trickles on: the connection is closed at the deadline, not held while bytes come', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /private HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'],
      firstBytes: Buffer.from('{'),
      giveUpMs: 10 * REQUEST_TIMEOUT_MS,
      trickleEveryMs: 50,
    });
    expect(answer.head).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.tookMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.tookMs).toBeLessThan(UPLOAD_TIMEOUT_MS);
  });

  it('headers that never end: a 408 problem once the headers’ deadline passes (Node’s, answered by the client-error handler)', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /things HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json'],
      firstBytes: Buffer.alloc(0),
      headUnfinished: true,
      giveUpMs: 10 * REQUEST_TIMEOUT_MS,
    });
    expectTimeoutProblem(answer);
    expect(answer.tookMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(answer.tookMs).toBeLessThan(REQUEST_TIMEOUT_MS + NODE_CHECK_SLACK_MS);
  });

  it('an upload keeps TSS_UPLOAD_TIMEOUT_MS: not cut at the request deadline, answered 408 at its own; its route stores nothing', async () => {
    const before = uploadsRead;
    const answer = await sendStalledRequest({
      port,
      head: ['POST /v1/tickets/t1/attachments HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: multipart/form-data; boundary=b', 'Content-Length: 9000'],
      firstBytes: Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'),
      giveUpMs: 3 * UPLOAD_TIMEOUT_MS,
    });
    expectTimeoutProblem(answer);
    expect(JSON.parse(answer.body).detail).toContain('upload');
    expect(answer.tookMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(uploadsRead).toBe(before);
  });

  it('a stalled API request under a link token: the 408 problem’s instance never echoes the token', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /v1/ratings/secret-link-token-1?x=1 HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'],
      firstBytes: Buffer.alloc(0),
      giveUpMs: 10 * REQUEST_TIMEOUT_MS,
    });
    expectTimeoutProblem(answer);
    expect(JSON.parse(answer.body).instance).toBe('/v1/ratings/[redacted]');
    expect(answer.body).not.toContain('secret-link-token-1');
  });

  it('a stalled form under a page area (answerFrameworkErrorsUnder): the area’s plain 408 page, not problem+json, connection closed', async () => {
    const answer = await sendStalledRequest({
      port,
      head: ['POST /rate/secret-link-token-2 HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100'],
      firstBytes: Buffer.alloc(0),
      giveUpMs: 10 * REQUEST_TIMEOUT_MS,
    });
    expect(answer.head).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.head.toLowerCase()).toContain('content-type: text/html');
    expect(answer.head.toLowerCase()).toContain('connection: close');
    expect(answer.body).toBe('<p>plain page 408</p>');
  });

  it('a request that arrives whole in time is answered, however long its handler then takes, and its connection is kept', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: { a: 1 } });
    expect(response.headers.get('connection')).not.toBe('close');
  });
});
