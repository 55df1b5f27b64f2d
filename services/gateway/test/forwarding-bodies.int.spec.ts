import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, PROBLEM_CONTENT_TYPE, type ServiceApp } from '@tss/service-kit';
import { forwardToServices, type ServiceUrls } from '../src/http/forwarding';

/** What the fake service received, byte for byte. */
interface Received {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer;
}

const BODY_LIMIT_BYTES = 64 * 1024;
const STALL_TIMEOUT_MS = 400;

/**
 * A fake service on 127.0.0.1 that records the exact bytes of each request (no parsing), and a
 * route (`/v1/queue`) that sends its headers and a first chunk, then stalls.
 */
const startRecordingUpstream = async () => {
  const received: Received[] = [];
  /** `started` as a request's headers arrive; `request` when one ends short of its body. */
  const abandoned = new EventEmitter();
  const stalled: { response?: ServerResponse; closed: Promise<void> }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/v1/queue')) {
      const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
      stalled.push({ response: res, closed });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
      return; // and never another byte
    }
    const chunks: Buffer[] = [];
    abandoned.emit('started', req.url);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A request whose body stopped short: what the gateway sent of it, then its connection ended.
    req.on('close', () => {
      if (!req.complete) abandoned.emit('request', { url: req.url ?? '', bytes: Buffer.concat(chunks).length });
    });
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"recorded":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    for (const s of stalled) s.response?.destroy();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, received, abandoned, stalled, close };
};

/** A multipart body with binary (non-UTF-8) bytes in its file part, as a partner's platform sends an attachment. */
const multipartUpload = (boundary: string): Buffer => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x81, 0x00, 0x0d, 0x0a]);
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\nscreenshot of the error\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="error.png"\r\nContent-Type: image/png\r\n\r\n`),
    png,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
};

const RAW_MAIL = Buffer.from(
  [
    'From: Dana Requester <dana@client.example>',
    'To: support@tss.example',
    'Subject: Re: [TSS-7K2Q-9] Player crashes',
    'Message-ID: <reply-1@client.example>',
    'In-Reply-To: <ack-1@tss.example>',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'It still crashes after the update.   Trailing spaces stay.\t',
    'Привет — non-ASCII stays as sent.',
    '',
  ].join('\r\n'),
);

describe('gateway forwarding of request bodies (services mode)', () => {
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let gateway: ServiceApp;
  let gatewayUrl: string;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    const urls: ServiceUrls = { 'ticket-intake': upstream.url, 'sla-timer': upstream.url, notification: upstream.url, escalation: upstream.url, rating: upstream.url };
    gateway = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), bodyLimitBytes: BODY_LIMIT_BYTES });
    await gateway.register(forwardToServices(urls, { timeoutMs: 10_000, routeTimeouts: [{ prefix: '/v1/queue', timeoutMs: STALL_TIMEOUT_MS }] }));
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const lastReceived = (): Received => {
    const last = upstream.received.at(-1);
    if (!last) throw new Error('the upstream received nothing');
    return last;
  };

  it('P8: forwards a multipart attachment upload byte for byte, boundary included', async () => {
    const boundary = '----tss-boundary-7MA4YWxkTrZu0gW';
    const body = multipartUpload(boundary);
    const contentType = `multipart/form-data; boundary=${boundary}`;

    const response = await request(gatewayUrl).post('/v1/tickets/t-1/attachments').set('content-type', contentType).send(body);

    expect(response.status).toBe(202);
    expect(lastReceived().url).toBe('/v1/tickets/t-1/attachments');
    expect(lastReceived().contentType).toBe(contentType);
    expect(lastReceived().body.equals(body)).toBe(true);
  });

  it('P8: forwards a raw inbound mail (message/rfc822) byte for byte', async () => {
    const response = await request(gatewayUrl).post('/v1/inbound/mail').set('content-type', 'message/rfc822').send(RAW_MAIL);

    expect(response.status).toBe(202);
    expect(lastReceived().contentType).toBe('message/rfc822');
    expect(lastReceived().body.equals(RAW_MAIL)).toBe(true);
  });

  it('forwards text/plain as sent', async () => {
    const text = Buffer.from('line one\r\nline two  \n');
    const response = await request(gatewayUrl).post('/v1/inbound/text').set('content-type', 'text/plain; charset=utf-8').send(text);

    expect(response.status).toBe(202);
    expect(lastReceived().contentType).toBe('text/plain; charset=utf-8');
    expect(lastReceived().body.equals(text)).toBe(true);
  });

  it('forwards JSON without re-serialising it: spacing, key order and duplicate keys survive (signatures over raw bytes hold)', async () => {
    const json = '{ "product":"player",\n  "description" : "crash", "a":1,"a":2 ,"version":"1.0.0"   }';
    // A string goes out as written (a Buffer would be JSON-encoded by superagent).
    const response = await request(gatewayUrl).post('/v1/tickets').set('content-type', 'application/json').send(json);

    expect(response.status).toBe(202);
    expect(lastReceived().contentType).toBe('application/json');
    expect(lastReceived().body.equals(Buffer.from(json))).toBe(true);
  });

  it('forwards a body without content length (chunked) as it came', async () => {
    const chunks = [Buffer.from('first chunk;'), Buffer.from('second chunk')];
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gatewayUrl}/v1/inbound/stream`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

    expect(status).toBe(202);
    expect(lastReceived().body.equals(Buffer.concat(chunks))).toBe(true);
  });

  // RFC 9110 §8.4.1: the gateway, the edge, refuses a content coding before it forwards anything (docs/adr/0064).
  it.each([
    ['gzip', gzipSync('{"product":"player"}')],
    ['br', Buffer.from('{"product":"player"}')],
  ])('a body with Content-Encoding %s is a 415 problem and never reaches the service', async (contentEncoding, body) => {
    const before = upstream.received.length;
    const response = await request(gatewayUrl).post('/v1/tickets').set('content-type', 'application/json').set('content-encoding', contentEncoding).send(body);

    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers['accept-encoding']).toBe('identity');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/unsupported-media-type', status: 415 });
    expect(upstream.received.length).toBe(before);
  });

  it('a body with Content-Encoding identity is forwarded as it came', async () => {
    const json = '{"product":"player"}';
    const response = await request(gatewayUrl).post('/v1/tickets').set('content-type', 'application/json').set('content-encoding', 'identity').send(json);

    expect(response.status).toBe(202);
    expect(lastReceived().body.equals(Buffer.from(json))).toBe(true);
  });

  it('a client that stops sending mid-body: the service never gets the request whole, and the gateway serves on', async () => {
    const before = upstream.received.length;
    const started = once(upstream.abandoned, 'started');
    const cutShort = once(upstream.abandoned, 'request');
    const client = httpRequest(`${gatewayUrl}/v1/inbound/text`, { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '1000' } });
    client.on('error', () => undefined); // its own hang-up
    client.write(Buffer.alloc(100, 'a'));
    await started; // the gateway is forwarding it: the service has its headers
    client.destroy();
    const [abandonedRequest] = (await cutShort) as [{ url: string; bytes: number }];

    expect(abandonedRequest).toEqual({ url: '/v1/inbound/text', bytes: 100 });
    expect(upstream.received.length).toBe(before);
    const next = await request(gatewayUrl).post('/v1/inbound/text').set('content-type', 'text/plain').send('whole');
    expect(next.status).toBe(202);
    expect(lastReceived().body.toString()).toBe('whole');
  });

  it('a body over the limit is a 413 problem and never reaches the service', async () => {
    const before = upstream.received.length;
    const response = await request(gatewayUrl)
      .post('/v1/tickets/t-1/attachments')
      .set('content-type', 'application/octet-stream')
      .send(Buffer.alloc(BODY_LIMIT_BYTES + 1, 1));

    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({ status: 413 });
    expect(upstream.received.length).toBe(before);
  });

  it('a chunked body that grows past the limit is a 413 problem too', async () => {
    const answer = await new Promise<{ status: number; contentType: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gatewayUrl}/v1/inbound/stream`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(parts).toString() }));
      });
      req.on('error', reject);
      for (let i = 0; i < 3; i++) req.write(Buffer.alloc(BODY_LIMIT_BYTES / 2, 2));
      req.end();
    });

    expect(answer.status).toBe(413);
    expect(answer.contentType).toContain(PROBLEM_CONTENT_TYPE);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 413 });
  });

  it('a service that sends its headers and then stalls is cut at the route’s timeout, and the gateway serves on', async () => {
    const startedAt = performance.now();
    const outcome = await new Promise<{ status: number; complete: boolean }>((resolve) => {
      const req = httpRequest(`${gatewayUrl}/v1/queue`, (res) => {
        res.resume();
        // A response cut short ends with `complete` false: the client knows it did not get it all.
        res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete }));
      });
      req.on('error', () => resolve({ status: 0, complete: false }));
      req.end();
    });
    const elapsedMs = performance.now() - startedAt;

    expect(outcome.complete).toBe(false);
    expect(elapsedMs).toBeGreaterThanOrEqual(STALL_TIMEOUT_MS - 20);
    expect(elapsedMs).toBeLessThan(STALL_TIMEOUT_MS + 2_000);
    // The gateway let go of the service's connection too.
    await upstream.stalled[0].closed;
    const next = await request(gatewayUrl).post('/v1/tickets').set('content-type', 'application/json').send('{"ok":true}');
    expect(next.status).toBe(202);
  });
});
