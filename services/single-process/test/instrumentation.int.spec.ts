import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { sampleTicket } from '@tss/runtime/testing';
import { startMetricsServer, startTracing, type Tracing } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/** Spans of the platform (not the test's own client spans) in the traces of `server`. */
const platformSpansOf = (all: ReadableSpan[], server: ReadableSpan[]): ReadableSpan[] => {
  const traceIds = new Set(server.map((s) => s.spanContext().traceId));
  return all.filter((s) => traceIds.has(s.spanContext().traceId) && s.kind !== SpanKind.CLIENT);
};

const sqlOf = (span: ReadableSpan): string => String(span.attributes['db.query.text'] ?? span.attributes['db.statement'] ?? '');

/** docs/adr/0022-tracing.md: the SDK's instrumentations show HTTP and SQL without hand-made spans. */
describe('tracing instrumentations, single-process mode (real PostgreSQL)', () => {
  const spans = new InMemorySpanExporter();
  let tracing: Tracing;
  let platform: TestPlatform;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-instrumentation-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    platform = await startTestPlatform('tracing_instrumentation', { clock: new TestClock('2026-02-02T08:00:00.000Z') });
  });

  afterAll(async () => {
    await platform?.stop();
    await tracing?.shutdown();
  });

  it('a filed ticket’s trace has one server span per request, its INSERT, and the handler’s SQL under the consume span', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Traced');
    spans.reset();

    const filed = await platform.client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);

    const finished = await waitFor('sla-timer’s consume span', () => {
      const all = spans.getFinishedSpans();
      return all.some((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer') && all;
    });
    const server = finished.filter((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/tickets');
    expect(server).toHaveLength(1); // the HTTP instrumentation's span, named by our hook: no second one
    expect(server[0].instrumentationScope.name).toBe('@opentelemetry/instrumentation-http');
    expect(server[0].attributes['tss.service']).toBe('tss');
    const traceId = server[0].spanContext().traceId;
    const inTrace = finished.filter((s) => s.spanContext().traceId === traceId);

    const insert = inTrace.find((s) => s.instrumentationScope.name === '@opentelemetry/instrumentation-pg' && /INSERT INTO\s+"?ticket_intake"?\."?tickets"?/i.test(sqlOf(s)));
    expect(insert).toBeDefined();
    const consume = inTrace.find((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer')!;
    const underConsume = inTrace.filter((s) => s.parentSpanContext?.spanId === consume.spanContext().spanId && s.instrumentationScope.name === '@opentelemetry/instrumentation-pg');
    expect(underConsume.length).toBeGreaterThan(0);
    // fastify's own spans (@fastify/otel) sit under the server span.
    expect(inTrace.some((s) => s.instrumentationScope.name === '@fastify/otel')).toBe(true);
  });

  // An operator's audit (docs/adr/0022, sixth session of 2026-12-05): the acknowledgment's send and
  // its event formed a trace of their own.
  it('the acknowledgment mail is sent in the filed ticket’s trace, and its event consumed there', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Acknowledged');
    spans.reset();
    const filed = await platform.client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ requester: { email: 'traced@client.example' } }));
    expect(filed.status).toBe(201);
    const finished = await waitFor('intake’s consume of notification.acknowledgment_sent', () => {
      const all = spans.getFinishedSpans();
      return all.some((s) => s.name === 'consume notification.acknowledgment_sent') && all;
    });
    const traceId = finished.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/tickets')!.spanContext().traceId;
    const inTrace = (name: string) => finished.filter((s) => s.name === name && s.spanContext().traceId === traceId);
    expect(inTrace('send mail acknowledgment')).toHaveLength(1);
    expect(inTrace('publish notification.acknowledgment_sent')).toHaveLength(1);
    expect(inTrace('consume notification.acknowledgment_sent').length).toBeGreaterThan(0);
  });

  it('a request without a traceparent starts a trace with a real id (what its log lines carry)', async () => {
    spans.reset();
    await platform.client.http().get('/healthz');
    const health = await waitFor('the health server span', () => spans.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === 'GET /healthz'));
    expect(health.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(health.spanContext().traceId).not.toBe('0'.repeat(32));
  });

  it('ADR 0007: a rating link’s token is in no span, whether or not a route matched', async () => {
    const token = 'U3BhblRlc3RSYXRpbmdUb2tlbkZvclRoZVRyYWNlczA';
    spans.reset();
    for (const path of [`/v1/ratings/${token}`, `/rate/${token}/`]) expect((await platform.client.http().get(path)).status).toBe(404);
    const server = await waitFor('both server spans', () => {
      const found = spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
      return found.length >= 2 && found;
    });
    expect(server.map((s) => s.attributes['url.path'])).toEqual(expect.arrayContaining(['/v1/ratings/[redacted]', '/rate/[redacted]/']));
    const traceIds = new Set(server.map((s) => s.spanContext().traceId));
    // The test's own client spans (supertest's requests) are the caller's, not the platform's.
    const inTraces = spans.getFinishedSpans().filter((s) => traceIds.has(s.spanContext().traceId) && s.kind !== SpanKind.CLIENT);
    expect(JSON.stringify(inTraces.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })))).not.toContain(token);
  });

  it('url.path is the path alone, url.query keeps only its names: a search’s words are in no span', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Searching');
    const words = 'printerfireSearchWords';
    spans.reset();
    const listed = await platform.client.http().get(`/v1/tickets?status=new&q=${words}`).auth(acme.token, { type: 'bearer' });
    expect(listed.status).toBe(200);
    const [server, request] = await waitFor('the server and request spans', () => {
      const all = spans.getFinishedSpans();
      const found = [
        all.find((s) => s.kind === SpanKind.SERVER && s.name === 'GET /v1/tickets'),
        all.find((s) => s.instrumentationScope.name === '@fastify/otel' && s.name === 'request'),
      ];
      return found.every(Boolean) && (found as ReadableSpan[]);
    });
    expect([server.attributes['url.path'], request.attributes['url.path']]).toEqual(['/v1/tickets', '/v1/tickets']);
    expect(server.attributes['url.query']).toBe('status=REDACTED&q=REDACTED');
    const inTrace = platformSpansOf(spans.getFinishedSpans(), [server]);
    expect(JSON.stringify(inTrace.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })))).not.toContain(words);
  });

  it('a client span’s url.full keeps the query’s names only, and no link token in its path', async () => {
    const token = 'Q2xpZW50U3BhblRva2VuRm9yVGhlVHJhY2VzMDEyMzQ';
    // Any outgoing request made with node:http (an identity provider's keys, an object store): here one to a server of the test's.
    const receiver = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      spans.reset();
      const url = new URL(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rate/${token}/?secret=hunter2&page=2`);
      await new Promise<void>((resolve, reject) => get(url, (response) => response.resume().on('end', resolve)).on('error', reject));
      const client = await waitFor('the client span', () => spans.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).includes('/rate/')));
      expect(client.attributes['url.full']).toBe(`http://${url.host}/rate/[redacted]/?secret=REDACTED&page=REDACTED`);
      expect(JSON.stringify(client.attributes)).not.toMatch(new RegExp(`${token}|hunter2`));
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('no span attribute carries source code: unnamed plugins give hook.name no source text', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Hooked');
    spans.reset();
    expect((await platform.client.http().get('/v1/tickets').auth(acme.token, { type: 'bearer' })).status).toBe(200);
    expect((await platform.client.http().get('/v1/no-such-route').auth(acme.token, { type: 'bearer' })).status).toBe(404);
    const fastifySpans = await waitFor('the handler and not-found spans', () => {
      const found = spans.getFinishedSpans().filter((s) => s.instrumentationScope.name === '@fastify/otel' && s.attributes['hook.name'] !== undefined);
      return found.some((s) => s.name.startsWith('handler GET /v1/tickets')) && found.some((s) => s.name.startsWith('notFoundHandler')) && found;
    });
    const hookNames = fastifySpans.map((s) => String(s.attributes['hook.name']));
    expect(hookNames.filter((name) => name.length > 120 || /=>|\{|\n/.test(name))).toEqual([]);
    const longValues = spans
      .getFinishedSpans()
      .flatMap((s) => Object.entries(s.attributes).filter(([key, value]) => key !== 'db.query.text' && key !== 'db.statement' && typeof value === 'string' && value.length > 500));
    expect(longValues.map(([key]) => key)).toEqual([]);
  });

  it('Prometheus scrapes of /metrics make no spans', async () => {
    const metrics = await startMetricsServer(0, '127.0.0.1');
    try {
      spans.reset();
      expect((await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).status).toBe(200);
      // A request after the scrape: once its span is exported, the scrape's would have been too.
      await platform.client.http().get('/healthz');
      await waitFor('the health server span', () => spans.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER && s.name === 'GET /healthz'));
      expect(spans.getFinishedSpans().filter((s) => s.attributes['url.path'] === '/metrics').map((s) => s.name)).toEqual([]);
    } finally {
      await metrics.close();
    }
  });

  // An operator's audit: `GET /metrics` on the API port answered 404 and was logged with an
  // all-zero trace_id, as scrapes were ignored on every port. Only the scrape port's are.
  it('GET /metrics on the API port is a request like any other: traced, with a real id', async () => {
    spans.reset();
    expect((await platform.client.http().get('/metrics')).status).toBe(404);
    const server = await waitFor('the /metrics server span on the API port', () => spans.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/metrics'));
    expect(server.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.spanContext().traceId).not.toBe('0'.repeat(32));
  });
});
