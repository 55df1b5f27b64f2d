import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { sampleTicket } from '@tss/runtime/testing';
import { loggerOptions, startTracing, type Tracing } from '@tss/service-kit';
import { waitFor, logCapture } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

/**
 * docs/adr/0022-tracing.md: without OTEL_EXPORTER_OTLP_ENDPOINT spans record nothing, yet trace
 * ids still reach the logs and the events, so one ticket's lines and events can be joined.
 */
describe('tracing without an exporter', () => {
  const { lines, stream: sink } = logCapture();
  let tracing: Tracing;
  let platform: TestPlatform;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-no-export-test' });
    platform = await startTestPlatform('tracing_no_export', { logger: pino(loggerOptions('tss', 'info'), sink) });
  });

  afterAll(async () => {
    await platform?.stop();
    await tracing?.shutdown();
  });

  it('a caller’s trace id reaches the request’s log line and the events the request wrote', async () => {
    const acme = await platform.client.partner(await platform.adminToken(), 'Acme Unexported');
    const traceId = randomBytes(16).toString('hex');
    const filed = await platform.client
      .http()
      .post('/v1/tickets')
      .auth(acme.token, { type: 'bearer' })
      .set('x-request-id', 'req-no-export-1')
      .set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`)
      .send(sampleTicket());
    expect(filed.status).toBe(201);

    const completed = await waitFor('the request log line', () => lines.find((l) => l.reqId === 'req-no-export-1' && l.msg === 'request completed'));
    expect(completed.trace_id).toBe(traceId);
    const events: { traceparent: string | null }[] = await platform.query(
      'ticket-intake',
      "SELECT event->>'traceparent' AS traceparent FROM ticket_intake.outbox WHERE message_key = $1",
      [filed.body.id],
    );
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it('a request without a traceparent still gets a trace id of its own', async () => {
    await platform.client.http().get('/healthz').set('x-request-id', 'req-no-export-2');
    const completed = await waitFor('the health log line', () => lines.find((l) => l.reqId === 'req-no-export-2' && l.msg === 'request completed'));
    expect(completed.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(completed.trace_id).not.toBe('0'.repeat(32));
  });
});
