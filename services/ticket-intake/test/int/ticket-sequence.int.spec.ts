import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketTeamLeaderRequestedV1 } from '@tss/contracts';
import { InProcessTransport, Outbox, OutboxRelay, UnitOfWork, type InboundMessage } from '@tss/messaging';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { publishTicketChange } from '../../src/events/ticket-events.producer';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA, ticketStore } from '../../src/store/ticket.store';
import { TicketEntity } from '../../src/store/ticket.entity';
import { fileTicket } from '../../src/use-cases/file-ticket';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CONCURRENT_CHANGES = 50;

describe('ticket event order (DESIGN "Order", issue #7)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let transport: InProcessTransport;
  let relay: OutboxRelay;
  const clock = new TestClock('2026-03-01T09:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase('ticket_sequence');
    dataSource = createServiceDataSource({ url: db.url, schema: INTAKE_SCHEMA, entities: [TicketEntity], migrations: ticketIntakeService.migrations, poolSize: 12 });
    await initializeAndMigrate(dataSource);
    transport = new InProcessTransport();
    await transport.useDatabase(db.url);
    relay = new OutboxRelay({ dataSource, schema: INTAKE_SCHEMA, transport, clock, logger, pollIntervalMs: 50 });
    relay.start();
  });

  afterAll(async () => {
    await relay?.stop();
    await transport?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  it('50 concurrent changes to one ticket take distinct consecutive sequences and are delivered in sequence order', async () => {
    const unitOfWork = new UnitOfWork(dataSource, relay);
    const outbox = new Outbox({ service: 'ticket-intake', schema: INTAKE_SCHEMA, clock });
    const partnerId = randomUUID();
    const filed = await fileTicket(
      { unitOfWork, outbox, clock },
      { partnerId, channel: 'api', actor: { kind: 'partner', id: 'test-client' }, request: { product: 'reader', productVersion: '4.2.1', description: 'Reader crashes on opening EPUB' } },
    );
    if (!filed.ok) throw new Error(filed.error.detail);
    const ticketId = filed.value.ticket.id;
    const filedSequence = filed.value.ticket.sequence; // created + accepted

    const delivered: number[] = [];
    const subscription = await transport.subscribe({
      group: `order-${randomUUID().slice(0, 8)}`,
      topics: [TicketTeamLeaderRequestedV1.topic],
      handle: async (message: InboundMessage) => {
        const event = message.event as { type?: string; subject?: string; data?: { sequence?: number } };
        if (event.subject === ticketId && event.type === TicketTeamLeaderRequestedV1.type) delivered.push(event.data!.sequence!);
      },
    });
    try {
      await Promise.all(
        Array.from({ length: CONCURRENT_CHANGES }, () =>
          unitOfWork.run(async (tx) => {
            const ticket = await ticketStore.lockForChange(tx, partnerId, ticketId);
            if (!ticket) throw new Error('ticket not found');
            await publishTicketChange(tx, outbox, ticket, [{ kind: 'team_leader_requested' }], clock.now());
          }),
        ),
      );

      const expected = Array.from({ length: CONCURRENT_CHANGES }, (_, i) => filedSequence + 1 + i);
      const written = (await dataSource.query(
        `SELECT (event->'data'->>'sequence')::int AS sequence FROM ${INTAKE_SCHEMA}.outbox WHERE message_key = $1 AND event_type = $2 ORDER BY position`,
        [ticketId, TicketTeamLeaderRequestedV1.type],
      )) as { sequence: number }[];
      expect(written.map((r) => r.sequence)).toEqual(expected);
      const [row] = (await dataSource.query(`SELECT sequence FROM ${INTAKE_SCHEMA}.tickets WHERE id = $1`, [ticketId])) as { sequence: number }[];
      expect(row.sequence).toBe(filedSequence + CONCURRENT_CHANGES);

      await waitFor('every change delivered', () => delivered.length >= CONCURRENT_CHANGES);
      expect(delivered).toEqual(expected);
    } finally {
      await subscription.stop();
    }
  });

  it("another partner's ticket id cannot be locked for a change (tenancy)", async () => {
    const unitOfWork = new UnitOfWork(dataSource);
    const outbox = new Outbox({ service: 'ticket-intake', schema: INTAKE_SCHEMA, clock });
    const filed = await fileTicket({ unitOfWork, outbox, clock }, { partnerId: randomUUID(), channel: 'api', actor: { kind: 'partner', id: 'test-client' }, request: { product: 'player', productVersion: '1', description: 'x' } });
    if (!filed.ok) throw new Error(filed.error.detail);
    const locked = await unitOfWork.run((tx) => ticketStore.lockForChange(tx, randomUUID(), filed.value.ticket.id));
    expect(locked).toBeNull();
  });

  it('docs/adr/0060: ticket ids are time-ordered (UUID version 7): tickets filed one after another sort in that order', async () => {
    const unitOfWork = new UnitOfWork(dataSource);
    const outbox = new Outbox({ service: 'ticket-intake', schema: INTAKE_SCHEMA, clock });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const filed = await fileTicket({ unitOfWork, outbox, clock }, { partnerId: randomUUID(), channel: 'api', actor: { kind: 'partner', id: 'test-client' }, request: { product: 'player', productVersion: '1', description: `ticket ${i}` } });
      if (!filed.ok) throw new Error(filed.error.detail);
      ids.push(filed.value.ticket.id);
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });
});
