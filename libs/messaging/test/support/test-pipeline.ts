import type { Logger } from 'pino';
import type { DataSource, MigrationInterface } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { TicketAcceptedV1, TicketCreatedV1 } from '@tss/contracts';
import { systemClock } from '@tss/service-kit';
import { EventConsumer, type EventConsumerOptions } from '../../src/consumer/event-consumer';
import { InProcessTransport } from '../../src/in-process/in-process-transport';
import { messagingMigrations } from '../../src/outbox/messaging-migrations';
import { Outbox } from '../../src/outbox/outbox';
import { OutboxRelay } from '../../src/outbox/outbox-relay';
import { UnitOfWork } from '../../src/outbox/unit-of-work';
import { sampleTicketAccepted, sampleTicketCreated } from '../../src/testing';

export interface PipelineDatabase {
  db: TestDatabase;
  /** The producing service's schema, with its outbox. */
  producerDs: DataSource;
  /** The consuming service's schema: inbox, dead letters and the test's own tables. */
  consumerDs: DataSource;
  transport: InProcessTransport;
  close(): Promise<void>;
}

export interface PipelineOptions {
  producer: string;
  consumer: string;
  /** Tables of the test's own in the consumer's schema (effects to count). */
  consumerMigrations?: (new () => MigrationInterface)[];
}

/** A database of its own with a producer's and a consumer's schemas migrated, and an in-process transport on it. */
export const openPipelineDatabase = async (label: string, options: PipelineOptions): Promise<PipelineDatabase> => {
  const db = await createTestDatabase(label);
  const producerDs = createServiceDataSource({ url: db.url, schema: options.producer, migrations: messagingMigrations(options.producer) });
  const consumerDs = createServiceDataSource({ url: db.url, schema: options.consumer, migrations: [...messagingMigrations(options.consumer), ...(options.consumerMigrations ?? [])] });
  await initializeAndMigrate(producerDs);
  await initializeAndMigrate(consumerDs);
  const transport = new InProcessTransport();
  await transport.useDatabase(db.url);
  return {
    db,
    producerDs,
    consumerDs,
    transport,
    close: async () => {
      await transport.close();
      await producerDs.destroy();
      await consumerDs.destroy();
      await db.drop();
    },
  };
};

/** A pipeline whose producer's outbox relay publishes (a slow fallback poll: commits wake it). */
export interface Pipeline extends PipelineDatabase {
  relay: OutboxRelay;
  /** A consumer group on the consumer's schema, wired as a service host wires one. */
  consumer(options: Omit<EventConsumerOptions, 'schema' | 'transport' | 'unitOfWork' | 'outbox' | 'clock'>): EventConsumer;
  /**
   * `ticket.created` and `ticket.accepted` events ([ticket id, kind, sequence]) written in one
   * outbox transaction: the relay appends them at once, so a group reads them as one batch.
   */
  publishTicketEvents(events: readonly [string, 'created' | 'accepted', number][]): Promise<void>;
}

export const openPipeline = async (label: string, options: PipelineOptions & { logger: Logger }): Promise<Pipeline> => {
  const opened = await openPipelineDatabase(label, options);
  const relay = new OutboxRelay({ dataSource: opened.producerDs, schema: options.producer, transport: opened.transport, clock: systemClock, logger: options.logger, pollIntervalMs: 1_000 });
  relay.start();
  const producerOutbox = new Outbox({ service: 'ticket-intake', schema: options.producer, clock: systemClock });
  return {
    ...opened,
    relay,
    consumer: (consumerOptions) =>
      new EventConsumer({
        schema: options.consumer,
        transport: opened.transport,
        unitOfWork: new UnitOfWork(opened.consumerDs),
        outbox: new Outbox({ service: 'sla-timer', schema: options.consumer, clock: systemClock }),
        clock: systemClock,
        ...consumerOptions,
      }),
    publishTicketEvents: (events) =>
      new UnitOfWork(opened.producerDs, relay).run(async (tx) => {
        for (const [ticketId, kind, sequence] of events) {
          if (kind === 'created') await producerOutbox.add(tx, TicketCreatedV1, ticketId, sampleTicketCreated(sequence));
          else await producerOutbox.add(tx, TicketAcceptedV1, ticketId, sampleTicketAccepted(sequence));
        }
      }),
    close: async () => {
      await relay.stop();
      await opened.close();
    },
  };
};
