import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, startTracing, type Tracing } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

describe('walking skeleton, single-process mode (in-process transport, real PostgreSQL)', () => {
  const spans = new InMemorySpanExporter();
  const clock = new TestClock('2026-02-02T08:00:00.000Z');
  let tracing: Tracing;
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;

  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'tss-test', spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    platform = await startTestPlatform('walking_skeleton', { clock });
    client = platform.client;
    admin = await platform.adminToken();
  });

  afterAll(async () => {
    await platform?.stop();
    await tracing?.shutdown();
  });

  const query = (service: string, sql: string, params: unknown[] = []) => platform.query(service, sql, params);

  it('a ticket POSTed through the gateway reaches sla-timer and notification through outbox and inbox, in one trace', async () => {
    const acme = await client.partner(admin, 'Acme Books');
    spans.reset();

    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    expect(filed.body.reference).toMatch(/^TSS-[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(filed.body.missingDetails).toEqual(['stepsToReproduce', 'operatingSystem', 'operatingSystemVersion']);
    expect(filed.headers.location).toBe(`/v1/tickets/${filed.body.id}`);
    const ticketId: string = filed.body.id;

    // sla-timer started a standard (12 h) clock from the moment the request was received.
    const sla = await waitFor('the response clock', async () => {
      const response = await client.http().get(`/v1/tickets/${ticketId}/sla`).auth(acme.token, { type: 'bearer' });
      return response.body.clocks?.length === 1 && response.body;
    });
    expect(sla.clocks[0]).toMatchObject({ level: 'standard', status: 'running', startedAt: '2026-02-02T08:00:00.000Z', dueAt: '2026-02-02T20:00:00.000Z' });

    // notification recorded the acknowledgment with the reference number and what is missing.
    const [ack] = await waitFor('the acknowledgment', async () => {
      const rows = await query('notification', 'SELECT reference, body, delivery FROM notification.acknowledgments WHERE ticket_id = $1', [ticketId]);
      return rows.length === 1 && rows;
    });
    expect(ack.reference).toBe(filed.body.reference);
    expect(ack.delivery).toBe('api_response');
    expect(ack.body).toContain(filed.body.reference);
    expect(ack.body).toContain('the operating system version');

    // Both effects went through the inbox, and intake's outbox row was marked published.
    expect(await query('sla-timer', 'SELECT event_type FROM sla_timer.inbox')).toEqual(expect.arrayContaining([{ event_type: 'ticket.created' }]));
    expect(await query('notification', 'SELECT event_type FROM notification.inbox')).toEqual(expect.arrayContaining([{ event_type: 'ticket.created' }]));
    const outbox = await query('ticket-intake', 'SELECT event_type, published_at FROM ticket_intake.outbox WHERE message_key = $1 ORDER BY position', [ticketId]);
    expect(outbox.map((r) => r.event_type)).toEqual(['ticket.created', 'ticket.accepted']);
    await waitFor('outbox marked published', async () =>
      (await query('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.outbox WHERE message_key = $1 AND published_at IS NULL', [ticketId]))[0].n === 0,
    );

    // One trace: the HTTP request, the relay's publish and sla-timer's handler.
    const finished = await waitFor('the consumer spans', () => {
      const all = spans.getFinishedSpans();
      return all.some((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer') && all;
    });
    const server = finished.find((s) => s.name === 'POST /v1/tickets')!;
    const publish = finished.find((s) => s.name === 'publish ticket.created')!;
    const consume = finished.find((s) => s.name === 'consume ticket.created' && s.attributes['tss.consumer_group'] === 'sla-timer')!;
    expect(server).toBeDefined();
    expect(publish.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(consume.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(consume.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
  });

  it('a partner never sees another partner’s ticket or clock', async () => {
    const acme = await client.partner(admin, 'Acme Again');
    const rival = await client.partner(admin, 'Rival Media');
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    await waitFor('the clock', async () => (await client.http().get(`/v1/tickets/${filed.body.id}/sla`).auth(acme.token, { type: 'bearer' })).body.clocks.length === 1);

    const peek = await client.http().get(`/v1/tickets/${filed.body.id}`).auth(rival.token, { type: 'bearer' });
    expect(peek.status).toBe(404);
    expect(peek.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    const clocks = await client.http().get(`/v1/tickets/${filed.body.id}/sla`).auth(rival.token, { type: 'bearer' });
    expect(clocks.status).toBe(404);
    expect(clocks.body.clocks).toBeUndefined();
    const list = await client.http().get('/v1/tickets').auth(rival.token, { type: 'bearer' });
    expect(list.body.items).toEqual([]);
  });

  it('P2: a request without product, version or description is a 400 problem and stores nothing', async () => {
    const acme = await client.partner(admin, 'Acme Bad Input');
    const before = (await query('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets'))[0].n;
    const response = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send({ product: 'reader', subject: 'no details' });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.body.errors.map((e: { missingProperty?: string }) => e.missingProperty).filter(Boolean).sort()).toEqual(['description', 'productVersion']);
    const wrongProduct = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ product: 'toaster' }));
    expect(wrongProduct.status).toBe(400);
    expect(wrongProduct.body.errors).toEqual([expect.objectContaining({ pointer: '/product', message: expect.stringMatching(/^unknown value "toaster"; one of: .*reader/) })]);
    expect((await query('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets'))[0].n).toBe(before);
  });

  it('an Idempotency-Key retry replays the first answer (201); reusing the key for another request is a 422', async () => {
    const acme = await client.partner(admin, 'Acme Retry');
    const first = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', 'req-42').send(sampleTicket());
    const retry = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', 'req-42').send(sampleTicket());
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    const conflict = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', 'req-42').send(sampleTicket({ description: 'other' }));
    expect(conflict.status).toBe(422);
    const created = await query('ticket-intake', "SELECT count(*)::int AS n FROM ticket_intake.outbox WHERE event_type = 'ticket.created' AND message_key = $1", [first.body.id]);
    expect(created[0].n).toBe(1);
  });

  it('serves health, readiness and the API docs without a token, and nothing else', async () => {
    expect((await client.http().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await client.http().get('/readyz');
    expect(ready.status).toBe(200);
    // Readiness is "can serve requests now": every service's database, not the broker (docs/adr/0020).
    expect(Object.keys(ready.body.checks).sort()).toEqual(['escalation', 'gateway', 'notification', 'rating', 'sla-timer', 'ticket-intake'].map((s) => `${s}:database`));
    expect((await client.http().get('/docs/')).status).toBe(200);
    const openapi = await client.http().get('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/tickets', '/v1/tickets/{id}', '/v1/tickets/{id}/sla', '/v1/auth/token']));
    const anonymous = await client.http().get('/v1/tickets');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="tss"');
  });
});
