import type { Logger } from 'pino';
import type { DataSource, MigrationInterface } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { systemClock } from '@tss/service-kit';
import { InProcessTransport } from '../../src/in-process/in-process-transport';
import { messagingMigrations } from '../../src/outbox/messaging-migrations';
import { OutboxRelay } from '../../src/outbox/outbox-relay';

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

/** The same, with the producer's outbox relay publishing (a slow fallback poll: commits wake it). */
export const openPipeline = async (label: string, options: PipelineOptions & { logger: Logger }): Promise<PipelineDatabase & { relay: OutboxRelay }> => {
  const opened = await openPipelineDatabase(label, options);
  const relay = new OutboxRelay({ dataSource: opened.producerDs, schema: options.producer, transport: opened.transport, clock: systemClock, logger: options.logger, pollIntervalMs: 1_000 });
  relay.start();
  return {
    ...opened,
    relay,
    close: async () => {
      await relay.stop();
      await opened.close();
    },
  };
};
