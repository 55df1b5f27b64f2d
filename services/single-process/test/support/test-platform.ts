import pino, { type Logger } from 'pino';
import type { EventContract, EventData } from '@tss/contracts';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PLATFORM_RELAY_POLL_MS } from '@tss/runtime';
import { PlatformClient } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startSingleProcessPlatform, type RunningPlatform, type SingleProcessOptions } from '../../src/single-process-platform';
import { prepareOlderPlatform, type OlderPlatform } from './older-platform';

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
  /** Waits until notification has the partner from its `partner.*` (admins name only partners it knows). */
  partnerKnownToNotification(partnerId: string): Promise<void>;
  /** Waits until sla-timer has the partner from its `partner.*` (agreements name only partners it knows). */
  partnerKnownToSlaTimer(partnerId: string): Promise<void>;
  /** Publishes an event through the gateway's outbox, as the gateway would; resolves with its id. */
  publishAsGateway<E extends EventContract>(contract: E, subject: string, data: EventData<E>): Promise<string>;
  /** Waits until `service` handled the event (its inbox row). */
  handledBy(service: string, eventId: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole platform in this process on a database of its own, with a test clock and a quiet
 * logger. With `olderRelease`, the database is first what that release left, and the start upgrades it.
 */
export const startTestPlatform = async (
  label: string,
  { olderRelease, ...overrides }: Partial<SingleProcessOptions> & { clock?: TestClock; logger?: Logger; olderRelease?: OlderPlatform } = {},
): Promise<TestPlatform> => {
  const db: TestDatabase = await createTestDatabase(label, olderRelease ? { from: 'empty' } : {});
  const clock = overrides.clock ?? new TestClock();
  let running: RunningPlatform;
  try {
    if (olderRelease) await prepareOlderPlatform(db.url, olderRelease);
    running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      env: {},
      issuer: 'tss',
      audience: 'tss-api',
      // At 50 ms an idle platform took a fifth of a core, node and PostgreSQL (docs/adr/0079).
      relayPollIntervalMs: PLATFORM_RELAY_POLL_MS,
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
    partnerKnownToNotification: async (partnerId) => {
      await waitFor(`notification knows partner ${partnerId}`, async () => {
        const rows: unknown[] = await running.platform.host('notification').dataSource.query('SELECT 1 FROM notification.partners WHERE id = $1', [partnerId]);
        return rows.length === 1;
      });
    },
    partnerKnownToSlaTimer: async (partnerId) => {
      await waitFor(`sla-timer knows partner ${partnerId}`, async () => {
        const rows: unknown[] = await running.platform.host('sla-timer').dataSource.query('SELECT 1 FROM sla_timer.partners WHERE id = $1', [partnerId]);
        return rows.length === 1;
      });
    },
    publishAsGateway: async (contract, subject, data) => {
      const gateway = running.platform.host('gateway');
      return (await gateway.unitOfWork.run((tx) => gateway.outbox.add(tx, contract, subject, data))).id;
    },
    handledBy: async (service, eventId) => {
      const { dataSource, module } = running.platform.host(service);
      await waitFor(`${service} handled event ${eventId}`, async () => {
        const rows: unknown[] = await dataSource.query(`SELECT 1 FROM "${module.schema}".inbox WHERE event_id = $1`, [eventId]);
        return rows.length === 1;
      });
    },
    stop: async () => {
      await running.platform.stop();
      await db.drop();
    },
  };
};
