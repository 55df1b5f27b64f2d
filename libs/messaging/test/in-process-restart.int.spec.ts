import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { TicketCreatedV1 } from '@tss/contracts';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import { EventConsumer, on } from '../src/consumer/event-consumer';
import { InProcessTransport } from '../src/in-process/in-process-transport';
import { messagingMigrations } from '../src/outbox/messaging-migrations';
import { Outbox } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { UnitOfWork } from '../src/outbox/unit-of-work';
import { sampleTicketCreated } from '../src/testing';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const PRODUCER = 'restart_producer';
const GROUPS = ['restart_sla', 'restart_notification'] as const;

const effectsTable = (schema: string) =>
  class EffectsTable1764900000001 {
    name = 'EffectsTable1764900000001';
    async up(queryRunner: { query(sql: string): Promise<unknown> }) {
      await queryRunner.query(`CREATE TABLE "${schema}".effects (event_id text NOT NULL, ticket_id text NOT NULL, sequence int NOT NULL)`);
    }
    async down() {}
  };

const createdData = (sequence: number) => sampleTicketCreated(sequence);

type StartOrder = 'relay before consumers' | 'consumers before relay';

/**
 * Issue #7: the in-process transport used to deliver only to groups subscribed at that moment, and
 * the relay then marked the rows published; hosts start one after another, so events were lost.
 */
describe('in-process delivery across restarts (docs/adr/0013)', () => {
  let db: TestDatabase;
  let producerDs: DataSource;
  const consumerDs = new Map<string, DataSource>();

  beforeAll(async () => {
    db = await createTestDatabase('in_process_restart');
    producerDs = createServiceDataSource({ url: db.url, schema: PRODUCER, migrations: messagingMigrations(PRODUCER) });
    await initializeAndMigrate(producerDs);
    for (const group of GROUPS) {
      const ds = createServiceDataSource({ url: db.url, schema: group, migrations: [...messagingMigrations(group), effectsTable(group)] });
      await initializeAndMigrate(ds);
      consumerDs.set(group, ds);
    }
  });

  afterAll(async () => {
    await producerDs?.destroy();
    for (const ds of consumerDs.values()) await ds.destroy();
    await db?.drop();
  });

  const outbox = new Outbox({ service: 'ticket-intake', schema: PRODUCER, clock: systemClock });

  /** One run of the "platform": a transport, the producer's relay and both consuming services. */
  const startRun = async (order: StartOrder, parts: { relay: boolean; consumers: boolean }) => {
    const transport = new InProcessTransport();
    await transport.useDatabase(db.url);
    const relay = new OutboxRelay({ dataSource: producerDs, schema: PRODUCER, transport, clock: systemClock, logger, pollIntervalMs: 50 });
    const consumers = GROUPS.map(
      (group) =>
        new EventConsumer({
          group,
          schema: group,
          transport,
          unitOfWork: new UnitOfWork(consumerDs.get(group)!),
          outbox: new Outbox({ service: 'sla-timer', schema: group, clock: systemClock }),
          clock: systemClock,
          logger,
          bindings: [
            on(TicketCreatedV1, async (event, { tx }) => {
              await tx.query(`INSERT INTO "${group}".effects (event_id, ticket_id, sequence) VALUES ($1, $2, $3)`, [event.id, event.subject, event.data.sequence]);
            }),
          ],
          retryBaseMs: 5,
        }),
    );
    const startConsumers = async () => {
      if (parts.consumers) for (const c of consumers) await c.start();
    };
    if (order === 'consumers before relay') await startConsumers();
    if (parts.relay) relay.start();
    if (order === 'relay before consumers') await startConsumers();
    return {
      relay,
      stop: async () => {
        await relay.stop();
        for (const c of consumers) await c.stop();
        await transport.close();
      },
    };
  };

  const writeEvents = async (ticketId: string, sequences: number[]) =>
    new UnitOfWork(producerDs).run(async (tx) => {
      const ids: string[] = [];
      for (const sequence of sequences) ids.push((await outbox.add(tx, TicketCreatedV1, ticketId, createdData(sequence))).id);
      return ids;
    });

  const unpublished = async (ids: string[]) =>
    ((await producerDs.query(`SELECT count(*)::int AS n FROM "${PRODUCER}".outbox WHERE published_at IS NULL AND event_id = ANY($1::uuid[])`, [ids])) as { n: number }[])[0].n;

  const effects = async (group: string, ticketId: string) =>
    (await consumerDs.get(group)!.query(`SELECT event_id, sequence FROM "${group}".effects WHERE ticket_id = $1 ORDER BY ctid`, [ticketId])) as {
      event_id: string;
      sequence: number;
    }[];

  it.each<StartOrder>(['relay before consumers', 'consumers before relay'])(
    'every event reaches every consuming service exactly once, in order, across a stop and a restart (%s)',
    async (order) => {
      const ticketId = randomUUID();
      // Events published while no consumer runs: in flight when the platform stops.
      const inFlight = await writeEvents(ticketId, [1, 2, 3, 4, 5]);
      const first = await startRun(order, { relay: true, consumers: false });
      await waitFor('the relay to publish the first events', async () => (await unpublished(inFlight)) === 0);
      await first.stop();
      // Events committed while nothing runs: unpublished rows at the next start.
      const leftOver = await writeEvents(ticketId, [6, 7, 8, 9, 10]);
      expect(await unpublished(leftOver)).toBe(5);

      const second = await startRun(order, { relay: true, consumers: true });
      try {
        const all = [...inFlight, ...leftOver];
        for (const group of GROUPS) {
          const rows = await waitFor(`${group} to apply all ten events`, async () => {
            const found = await effects(group, ticketId);
            return found.length >= all.length && found;
          });
          expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
          expect(rows.map((r) => r.event_id)).toEqual(all);
        }
      } finally {
        await second.stop();
      }
    },
  );
});
