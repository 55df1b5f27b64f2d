import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import request from 'supertest';
import { createServiceApp, PROBLEM_CONTENT_TYPE, SpanKind, startTracing, type ServiceApp, type Tracing } from '@tss/service-kit';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { forwardToServices, parseRouteTimeouts, RouteTimeoutsSetting, upstreamTimeoutFor, type ServiceUrls } from '../src/http/forwarding';

/** A promise the test settles by hand: a slow upstream answers when the test says so. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const QUEUE_TIMEOUT_MS = 300;
const DEFAULT_TIMEOUT_MS = 10_000;

describe('gateway forwarding (services mode)', () => {
  const spans = new InMemorySpanExporter();
  const slowAnswers = gate();
  const reportArrived = gate();
  let tracing: Tracing;
  let upstream: FastifyInstance;
  let gateway: ServiceApp;
  let gatewayUrl: string;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'gateway-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    upstream = Fastify();
    upstream.get('/v1/tickets/:id', async (request) => ({ url: request.url, headers: request.headers }));
    upstream.get('/v1/queue', async () => {
      await slowAnswers.opened;
      return { items: [] };
    });
    upstream.get('/v1/reports/quality', async () => {
      reportArrived.open();
      await slowAnswers.opened;
      return { report: 'quality' };
    });
    const upstreamUrl = await upstream.listen({ host: '127.0.0.1', port: 0 });
    const downUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const urls: ServiceUrls = { 'ticket-intake': upstreamUrl, 'sla-timer': upstreamUrl, notification: downUrl, escalation: upstreamUrl, rating: upstreamUrl };

    gateway = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
    await gateway.register(
      forwardToServices(urls, {
        timeoutMs: DEFAULT_TIMEOUT_MS,
        routeTimeouts: parseRouteTimeouts(`/v1/queue=${QUEUE_TIMEOUT_MS},/v1/reports=30000`),
      }),
    );
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    slowAnswers.open();
    await gateway?.close();
    await upstream?.close();
    await tracing?.shutdown();
  });

  // An outside test: a request forwarded with `Connection: close` came back `connection: keep-alive`
  // (`keep-alive: timeout=72`), the service's own hop-by-hop fields, and a client reusing the socket
  // then got a 400. RFC 9110 §7.6.1: a proxy passes on no connection-specific field.
  it('passes on none of the service’s connection fields: a request with Connection: close is answered close, and the connection ends', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(gatewayUrl);
      const socket = connect(Number(port), hostname);
      let text = '';
      // A connection left open is the failure: what came by then is the answer to check.
      const cut = setTimeout(() => {
        socket.destroy();
        resolve(text);
      }, 5_000);
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => {
        clearTimeout(cut);
        resolve(text);
      });
      socket.on('error', reject);
      socket.write(`GET /v1/tickets/t-close HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });

    const head = received.slice(0, received.indexOf('\r\n\r\n')).toLowerCase().split('\r\n');
    expect(head[0]).toBe('http/1.1 200 ok');
    expect(head.filter((line) => line.startsWith('connection:') || line.startsWith('keep-alive:'))).toEqual(['connection: close']);
  });

  it('forwards the caller’s token, request id and query, with a traceparent continuing the gateway’s span', async () => {
    const response = await request(gatewayUrl)
      .get('/v1/tickets/t-1?include=messages')
      .set('authorization', 'Bearer caller.token.value')
      .set('x-request-id', 'req-forward-1')
      .set('traceparent', `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`);

    expect(response.status).toBe(200);
    const seen: { url: string; headers: Record<string, string> } = response.body;
    expect(seen.url).toBe('/v1/tickets/t-1?include=messages');
    expect(seen.headers.authorization).toBe('Bearer caller.token.value');
    expect(seen.headers['x-request-id']).toBe('req-forward-1');

    const server = await waitFor('the gateway server span', () =>
      spans.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['tss.service'] === 'gateway' && s.attributes['url.path'] === '/v1/tickets/t-1'),
    );
    expect(server.spanContext().traceId).toBe(CALLER_TRACE_ID);
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    // The service's parent is the gateway's span, not the caller's: one hop per span.
    expect(seen.headers.traceparent).toBe(`00-${server.spanContext().traceId}-${server.spanContext().spanId}-01`);
  });

  it('a service slower than its route’s timeout answers 504 problem+json at that timeout, not the default', async () => {
    const startedAt = performance.now();
    const response = await request(gatewayUrl).get('/v1/queue').set('authorization', 'Bearer caller.token.value');
    const elapsedMs = performance.now() - startedAt;

    expect(response.status).toBe(504);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body).toMatchObject({
      type: 'https://tss.dev/problems/upstream-timeout',
      status: 504,
      detail: `ticket-intake did not answer within ${QUEUE_TIMEOUT_MS} ms.`,
      instance: '/v1/queue',
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 10);
    expect(elapsedMs).toBeLessThan(DEFAULT_TIMEOUT_MS);
  });

  it('a longer per-prefix timeout lets a slow report finish while a shorter one times out', async () => {
    let reportSettled = false;
    const report = request(gatewayUrl)
      .get('/v1/reports/quality')
      .then((response) => {
        reportSettled = true;
        return response;
      });
    await reportArrived.opened; // the report is with the service

    const queue = await request(gatewayUrl).get('/v1/queue');
    expect(queue.status).toBe(504);
    // The queue request waited out its 300 ms after the report was sent; the report still waits.
    expect(reportSettled).toBe(false);

    slowAnswers.open();
    const answered = await report;
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ report: 'quality' });
  });

  it('a service that is down answers 503 problem+json with Retry-After', async () => {
    const response = await request(gatewayUrl).post('/v1/webhooks').send({ url: 'https://partner.example/hook' });

    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/upstream-unavailable', status: 503, detail: 'notification is unavailable; retry later.' });
  });
});

describe('upstream timeouts per route prefix', () => {
  it('the longest matching prefix wins, on whole path segments', () => {
    const options = { timeoutMs: 1000, routeTimeouts: parseRouteTimeouts('/v1=2000, /v1/reports/=30000') };

    expect(upstreamTimeoutFor('/v1/reports/quality', options)).toBe(30_000);
    expect(upstreamTimeoutFor('/v1/reports', options)).toBe(30_000);
    expect(upstreamTimeoutFor('/v1/reportsX', options)).toBe(2000);
    expect(upstreamTimeoutFor('/rate/abc', options)).toBe(1000);
  });

  it('TSS_UPSTREAM_TIMEOUTS accepts prefix=ms lists only', () => {
    expect(Value.Check(RouteTimeoutsSetting, '/v1/reports=30000,/v1/tickets=5000')).toBe(true);
    expect(Value.Check(RouteTimeoutsSetting, '/v1/reports=30s')).toBe(false);
    expect(Value.Check(RouteTimeoutsSetting, 'v1/reports=30000')).toBe(false);
  });
});
