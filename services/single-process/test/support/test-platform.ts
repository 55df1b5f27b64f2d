import pino, { type Logger } from 'pino';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startSingleProcessPlatform, type RunningPlatform, type SingleProcessOptions } from '../../src/single-process-platform';

export interface TestPlatform {
  running: RunningPlatform;
  databaseUrl: string;
  client: PlatformClient;
  clock: TestClock;
  /** A fresh token of the generated bootstrap admin. */
  adminToken(): Promise<string>;
  /** A query against one service's data source. */
  query<T = Record<string, unknown>>(service: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Waits until ticket-intake has the partner from its `partner.created` (staff file only for partners it knows). */
  partnerKnownToIntake(partnerId: string): Promise<void>;
  stop(): Promise<void>;
}

/** The whole platform in this process on a database of its own, with a test clock and a quiet logger. */
export const startTestPlatform = async (
  label: string,
  overrides: Partial<SingleProcessOptions> & { clock?: TestClock; logger?: Logger } = {},
): Promise<TestPlatform> => {
  const db: TestDatabase = await createTestDatabase(label);
  const clock = overrides.clock ?? new TestClock();
  let running: RunningPlatform;
  try {
    running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      env: {},
      issuer: 'tss',
      audience: 'tss-api',
      relayPollIntervalMs: 50,
      ...overrides,
      clock,
    });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const client = new PlatformClient(running.platform.app.server);
  return {
    running,
    databaseUrl: db.url,
    client,
    clock,
    adminToken: () => client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret),
    query: (service, sql, params = []) => running.platform.host(service).dataSource.query(sql, params),
    partnerKnownToIntake: async (partnerId) => {
      await waitFor(`ticket-intake knows partner ${partnerId}`, async () => {
        const rows: unknown[] = await running.platform.host('ticket-intake').dataSource.query('SELECT 1 FROM ticket_intake.partners WHERE id = $1', [partnerId]);
        return rows.length === 1;
      });
    },
    stop: async () => {
      await running.platform.stop();
      await db.drop();
    },
  };
};
