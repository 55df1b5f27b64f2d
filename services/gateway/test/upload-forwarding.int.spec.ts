import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, PROBLEM_CONTENT_TYPE, requestDeadlinesOf, type ServiceApp } from '@tss/service-kit';
import { sendStalledRequest } from '@tss/service-kit/testing';
import { defaultEdgeConfig } from '../src/http/edge-protection';
import { forwardToServices, type ServiceUrls } from '../src/http/forwarding';
import { installServicesModeEdge } from '../src/http/services-mode-edge';

const BODY_LIMIT_BYTES = 16 * 1024;
const UPLOAD_LIMIT_BYTES = 256 * 1024;
const TIMEOUT_MS = 300;
const UPLOAD_TIMEOUT_MS = 1_500;

/** A service that reads every body whole, records its size, and never answers. */
const startSilentUpstream = async () => {
  const receivedBytes: number[] = [];
  const server: Server = createServer((req: IncomingMessage, _res: ServerResponse) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => receivedBytes.push(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, receivedBytes, close };
};

const multipart = (fileBytes: number) => {
  const boundary = 'tss-upload-forwarding';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    Buffer.alloc(fileBytes, 0x42),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
};

/** The upload routes' own forwarding (P8): its body limit and deadline apply to multipart bodies only. */
describe('gateway forwarding of uploads (services mode)', () => {
  let upstream: Awaited<ReturnType<typeof startSilentUpstream>>;
  let gateway: ServiceApp;
  let gatewayUrl: string;

  beforeAll(async () => {
    upstream = await startSilentUpstream();
    const urls: ServiceUrls = { 'ticket-intake': upstream.url, 'sla-timer': upstream.url, notification: upstream.url, escalation: upstream.url, rating: upstream.url };
    gateway = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), bodyLimitBytes: BODY_LIMIT_BYTES });
    await gateway.register(
      forwardToServices(urls, { timeoutMs: TIMEOUT_MS, bodyLimitBytes: BODY_LIMIT_BYTES, uploads: { bodyLimitBytes: UPLOAD_LIMIT_BYTES, timeoutMs: UPLOAD_TIMEOUT_MS } }),
    );
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('P8: a multipart upload larger than the body limit reaches the service whole, and waits for it until the upload deadline', async () => {
    const { body, contentType } = multipart(4 * BODY_LIMIT_BYTES);
    const startedAt = performance.now();

    const response = await request(gatewayUrl).post('/v1/tickets/t-1/attachments').set('content-type', contentType).send(body);

    const tookMs = performance.now() - startedAt;
    expect(response.status).toBe(504);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(upstream.receivedBytes).toContain(body.length);
    expect(tookMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
  });

  it('a JSON message on an upload route keeps the ordinary deadline and body limit', async () => {
    const startedAt = performance.now();
    const small = await request(gatewayUrl).post('/v1/tickets/t-1/messages').set('content-type', 'application/json').send(JSON.stringify({ body: 'hello' }));
    const tookMs = performance.now() - startedAt;
    const large = await request(gatewayUrl).post('/v1/tickets/t-1/messages').set('content-type', 'application/json').send(JSON.stringify({ body: 'x'.repeat(2 * BODY_LIMIT_BYTES) }));

    expect(small.status).toBe(504);
    expect(tookMs).toBeLessThan(UPLOAD_TIMEOUT_MS - 200);
    expect(large.status).toBe(413);
  });

  it('a multipart body elsewhere keeps the ordinary body limit; an upload over the upload limit is refused', async () => {
    const { body, contentType } = multipart(4 * BODY_LIMIT_BYTES);
    const elsewhere = await request(gatewayUrl).post('/v1/tickets').set('content-type', contentType).send(body);
    const over = multipart(UPLOAD_LIMIT_BYTES);
    const tooLarge = await request(gatewayUrl).post('/v1/tickets/t-1/attachments').set('content-type', over.contentType).send(over.body);

    expect([elsewhere.status, tooLarge.status]).toEqual([413, 413]);
  });

  it('other methods on an upload path go through the catch-all, with its deadline', async () => {
    const startedAt = performance.now();
    const response = await request(gatewayUrl).get('/v1/tickets/t-1/attachments');

    expect(response.status).toBe(504);
    expect(performance.now() - startedAt).toBeLessThan(UPLOAD_TIMEOUT_MS - 200);
  });
});

/** Every upload has the edge's arrival deadline (docs/adr/0063): the site's reply form, read by the gateway itself, and the API's, forwarded. */
describe('the gateway process edge (services mode): a stalled upload', () => {
  let upstream: Awaited<ReturnType<typeof startSilentUpstream>>;
  let gateway: ServiceApp;
  let port: number;
  let siteBodiesRead = 0;

  beforeAll(async () => {
    upstream = await startSilentUpstream();
    const urls: ServiceUrls = { 'ticket-intake': upstream.url, 'sla-timer': upstream.url, notification: upstream.url, escalation: upstream.url, rating: upstream.url };
    // As the gateway's process wires it: the request deadlines of its server (TSS_UPLOAD_TIMEOUT_MS), the edge, then the forwarding and the site's own routes.
    const edge = { ...defaultEdgeConfig(), TSS_UPLOAD_TIMEOUT_MS: UPLOAD_TIMEOUT_MS };
    gateway = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), requestDeadlines: requestDeadlinesOf(edge) });
    await installServicesModeEdge(gateway, edge);
    await gateway.register(forwardToServices(urls, { timeoutMs: TIMEOUT_MS, bodyLimitBytes: BODY_LIMIT_BYTES, uploads: { bodyLimitBytes: UPLOAD_LIMIT_BYTES, timeoutMs: UPLOAD_TIMEOUT_MS } }));
    // A stand-in for the site's reply form (services/gateway/src/http/support-site): it reads the whole multipart body.
    await gateway.register(async (site) => {
      site.addContentTypeParser('multipart/form-data', (_request, payload, done) => {
        payload.on('data', () => undefined);
        payload.on('end', () => done(null, null));
        payload.on('error', (error) => done(error, undefined));
      });
      site.post('/support/t/*', async () => {
        siteBodiesRead += 1;
        return 'read';
      });
    });
    const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(url).port);
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  /** The headers and 5,000 bytes of a multipart body under the upload limit, then nothing. */
  const stall = (path: string) => {
    const { body, contentType } = multipart(UPLOAD_LIMIT_BYTES / 2);
    return sendStalledRequest({
      port,
      head: [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Type: ${contentType}`, `Content-Length: ${body.length}`],
      firstBytes: body.subarray(0, 5_000),
      giveUpMs: 3 * UPLOAD_TIMEOUT_MS,
    });
  };

  it('on the site’s reply form: a 408 problem at the deadline, the connection closed, the form never read whole', async () => {
    const { head, body, tookMs } = await stall('/support/t/some-link/reply');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head.toLowerCase()).toContain(`content-type: ${PROBLEM_CONTENT_TYPE}`);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({ type: 'https://tss.dev/problems/request-timeout', status: 408 });
    expect(tookMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(siteBodiesRead).toBe(0);
  });

  it('on the API’s upload routes: the same 408, not a 503 blaming the service, and nothing reaches it whole', async () => {
    const received = upstream.receivedBytes.length;
    const { head, body, tookMs } = await stall('/v1/tickets/t-1/attachments');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({ type: 'https://tss.dev/problems/request-timeout', status: 408 });
    expect(tookMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(upstream.receivedBytes.length).toBe(received);
  });
});
