import { createServer, type Server } from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { sampleTicket } from '@tss/runtime/testing';
import { startTracing, type Tracing } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// DESIGN "Observability": traces run from the gateway through the events to webhook delivery.
describe('webhook attempts in the trace of the event that queued them (issue #11)', () => {
  const spans = new InMemorySpanExporter();
  let tracing: Tracing;
  let platform: TestPlatform;
  let receiver: Server;
  let port = 0;
  const received: Record<string, string | string[] | undefined>[] = [];

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-webhook-tracing-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    platform = await startTestPlatform('webhooks_tracing', { clock: new TestClock('2026-12-01T10:00:00.000Z'), env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    receiver = createServer((req, res) => {
      received.push(req.headers);
      req.resume();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await platform?.stop();
    await tracing?.shutdown();
  });

  it('the attempt is a CLIENT span in the filing request’s trace', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Traced Hooks');
    const subscribed = await platform.client.http().post('/v1/webhooks/endpoints').auth(acme.token, { type: 'bearer' }).send({ url: `http://127.0.0.1:${port}/hook`, eventTypes: ['ticket.created'] });
    expect(subscribed.status).toBe(201);
    spans.reset();
    const filed = await platform.client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);

    const attempt = await waitFor('the webhook attempt span', () => spans.getFinishedSpans().find((s) => s.name === 'webhook attempt'));
    expect(attempt.kind).toBe(SpanKind.CLIENT);
    expect(attempt.attributes).toMatchObject({ 'webhook.endpoint_id': subscribed.body.id, 'webhook.attempt': 1, 'http.response.status_code': 204 });
    const server = spans.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/tickets');
    expect(server).toBeDefined();
    expect(attempt.spanContext().traceId).toBe(server!.spanContext().traceId);
    expect(received).toHaveLength(1);
    expect(received[0].traceparent).toBeUndefined(); // the internal trace stays internal
  });
});
