import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { TicketCreatedV1, type EventContract, type EventData } from '@tss/contracts';
import { EventConsumer, InProcessTransport, type ConsumeOutcome } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { ticketEventHandlers } from '../../src/events/ticket-events.handlers';
import { SLA_SCHEMA } from '../../src/store/response-clock.store';
import { ticketEventMessage } from './support/ticket-event-message';
import { withoutWorker } from './support/clock-pipeline';

// The shape of the rating view's torn read (the sixteenth session), in sla-timer's view: a
// resolution stops the ticket's open clock and records its resolution in one transaction, but
// `GET /v1/tickets/{id}/sla` read the clocks, then the ticket, each on its own. A resolution
// committing between the two showed a clock still running beside the ticket's resolution. The
// view now reads on one snapshot.
describe("a ticket's SLA view is read as of one moment (P5)", () => {
  const clock = new TestClock('2026-12-07T09:00:00.000Z');
  const partnerId = randomUUID();
  let sut: ServiceUnderTest;
  let consumer: EventConsumer;

  const deliver = <C extends EventContract>(contract: C, ticketId: string, data: EventData<C>): Promise<ConsumeOutcome> =>
    consumer.consume(ticketEventMessage(clock, contract, ticketId, data));

  beforeAll(async () => {
    sut = await startServiceUnderTest(withoutWorker, { clock });
    consumer = new EventConsumer({
      group: 'sla-timer-test',
      schema: SLA_SCHEMA,
      transport: new InProcessTransport(),
      unitOfWork: sut.host.unitOfWork,
      outbox: sut.host.outbox,
      clock,
      logger: pino({ level: 'silent' }),
      bindings: ticketEventHandlers({ timers: new TimerStore({ schema: SLA_SCHEMA, clock }) }),
    });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('a resolution committing between the view’s read of the clocks and of the ticket: the view shows neither half of it', async () => {
    const ticketId = randomUUID();
    const receivedAt = clock.now();
    expect(
      await deliver(TicketCreatedV1, ticketId, {
        partnerId, sequence: 1, reference: 'TSS-01234-56789', channel: 'api', product: 'reader', level: 'standard',
        subject: 'EPUB import fails', requester: { id: 'cust-1' }, missingDetails: [], receivedAt: receivedAt.toISOString(),
      }),
    ).toBe('handled');
    clock.advanceMs(3_600_000);
    const resolvedAt = clock.now();
    const partner = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read' });

    // The resolution's two writes, as its handler makes them, held open; its lock on the tickets
    // stops the view between its read of the clocks and its read of the ticket.
    const resolution = sut.host.dataSource.createQueryRunner();
    await resolution.connect();
    await resolution.startTransaction();
    try {
      await resolution.query(`LOCK TABLE "${SLA_SCHEMA}".tickets IN ACCESS EXCLUSIVE MODE`);
      await resolution.query(`UPDATE "${SLA_SCHEMA}".response_clocks SET status = 'cancelled', stopped_at = $2, stop_reason = 'resolved' WHERE ticket_id = $1`, [ticketId, resolvedAt]);
      await resolution.query(`UPDATE "${SLA_SCHEMA}".tickets SET status = 'resolved', resolved_at = $2 WHERE ticket_id = $1`, [ticketId, resolvedAt]);
      const reading = sut.http().get(`/v1/tickets/${ticketId}/sla`).auth(partner(), { type: 'bearer' }).then((response) => response);
      await waitFor('the view waiting to read the ticket', async () => {
        const [waiting] = await sut.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return waiting.n > 0;
      });
      await resolution.commitTransaction();
      const read = await reading;
      expect(read.status).toBe(200);
      // As the moment it began left them: the clock running, no resolution yet.
      expect({ status: read.body.clocks[0].status, resolution: read.body.resolution }).toEqual({ status: 'running', resolution: undefined });
    } finally {
      if (resolution.isTransactionActive) await resolution.rollbackTransaction();
      await resolution.release();
    }

    const after = await sut.http().get(`/v1/tickets/${ticketId}/sla`).auth(partner(), { type: 'bearer' });
    expect({ status: after.body.clocks[0].status, resolution: after.body.resolution }).toEqual({
      status: 'cancelled',
      resolution: { resolvedAt: resolvedAt.toISOString(), resolutionMs: 3_600_000 },
    });
  }, 60_000);
});
