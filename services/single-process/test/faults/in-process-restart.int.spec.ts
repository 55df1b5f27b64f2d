import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { TicketCreatedV1 } from '@tss/contracts';
import { InProcessTransport, Outbox, UnitOfWork } from '@tss/messaging';
import { notificationService } from '@tss/notification';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { DeferredKeySource, Platform, type ServiceModule } from '@tss/runtime';
import { TokenVerifier } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { slaTimerService } from '@tss/sla-timer';
import { ticketIntakeService } from '@tss/ticket-intake';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const clock = new TestClock('2026-05-04T10:00:00.000Z');
const PRODUCER_FIRST: readonly ServiceModule[] = [ticketIntakeService, slaTimerService, notificationService];
const CONSUMERS_FIRST: readonly ServiceModule[] = [notificationService, slaTimerService, ticketIntakeService];

const INTAKE = ticketIntakeService.schema;

/** What intake commits when it files an API ticket (the test writes the event as intake's outbox would). */
const fileTicketEvent = async (unitOfWork: UnitOfWork, partnerId: string): Promise<string> => {
  const outbox = new Outbox({ service: 'ticket-intake', schema: INTAKE, clock });
  const ticketId = randomUUID();
  await unitOfWork.run((tx) =>
    outbox.add(tx, TicketCreatedV1, ticketId, {
      partnerId,
      sequence: 1,
      reference: 'TSS-01234-56789',
      channel: 'api',
      product: 'reader',
      productVersion: '4.2.1',
      level: 'standard',
      subject: 'restart',
      requester: { email: 'requester@example.com' },
      missingDetails: [],
      receivedAt: clock.now().toISOString(),
    }),
  );
  return ticketId;
};

/**
 * Issue #7, single-process mode: hosts start one after another, so the intake relay used to
 * publish rows left from the last run before sla-timer and notification had subscribed, and those
 * events were lost. Here the platform stops with unpublished rows and with events in flight, starts
 * again, and every ticket still gets exactly one clock and one acknowledgment.
 */
describe('fault: the single-process platform restarts with events pending', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase('in_process_restart');
  });

  afterEach(async () => {
    await db?.drop();
  });

  const start = (modules: readonly ServiceModule[]) =>
    Platform.start({
      modules,
      databaseUrl: db.url,
      transport: new InProcessTransport(),
      clock,
      logger,
      // No request is served here: ticket events are written as intake's outbox would.
      tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: new DeferredKeySource(), nowSeconds: () => Math.floor(clock.now().getTime() / 1000) }),
      env: {},
      migrate: true,
      relayPollIntervalMs: 50,
    });

  /** Tickets filed while no platform runs: their events stay unpublished in the intake outbox. */
  const fileWhileStopped = async (partnerId: string, count: number): Promise<string[]> => {
    const dataSource = createServiceDataSource({ url: db.url, schema: INTAKE, migrations: ticketIntakeService.migrations, poolSize: 2 });
    await initializeAndMigrate(dataSource);
    try {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) ids.push(await fileTicketEvent(new UnitOfWork(dataSource), partnerId));
      return ids;
    } finally {
      await dataSource.destroy();
    }
  };

  it.each([
    ['the producer first', PRODUCER_FIRST],
    ['the consumers first', CONSUMERS_FIRST],
  ])('every ticket event reaches sla-timer and notification exactly once across a restart, services registered with %s', async (_order, modules) => {
    const partnerId = randomUUID();
    const leftFromLastRun = await fileWhileStopped(partnerId, 5);

    const first = await start(modules);
    const inFlight: string[] = [];
    for (let i = 0; i < 5; i += 1) inFlight.push(await fileTicketEvent(first.host('ticket-intake').unitOfWork, partnerId));
    await first.stop(); // at once: some events published, some handled, some neither

    const leftAfterStop = await fileWhileStopped(partnerId, 5);
    const tickets = [...leftFromLastRun, ...inFlight, ...leftAfterStop];

    const second = await start(modules);
    try {
      const query = (service: string, sql: string) => second.host(service).dataSource.query(sql, [partnerId]) as Promise<{ ticket_id: string; n: number }[]>;
      const perTicket = async (service: string, table: string) =>
        new Map((await query(service, `SELECT ticket_id, count(*)::int AS n FROM ${table} WHERE partner_id = $1 GROUP BY ticket_id`)).map((r) => [r.ticket_id, r.n]));
      await waitFor('a clock and an acknowledgment for every ticket', async () => {
        const [clocks, acks] = await Promise.all([perTicket('sla-timer', 'sla_timer.response_clocks'), perTicket('notification', 'notification.acknowledgments')]);
        return clocks.size === tickets.length && acks.size === tickets.length;
      });
      const clocks = await perTicket('sla-timer', 'sla_timer.response_clocks');
      const acks = await perTicket('notification', 'notification.acknowledgments');
      for (const ticketId of tickets) {
        expect([ticketId, clocks.get(ticketId), acks.get(ticketId)]).toEqual([ticketId, 1, 1]);
      }
      // Exactly once: sla-timer published one clock_started per ticket, whatever was redelivered.
      const started = await query('sla-timer', `SELECT count(*)::int AS n FROM sla_timer.outbox WHERE event_type = 'sla.clock_started' AND event->'data'->>'partnerId' = $1::text`);
      expect(started[0].n).toBe(tickets.length);
    } finally {
      await second.stop();
    }
  });
});
