import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { PartnerCreatedV1, TicketCreatedV1, TicketLevelChangedV1, type EventContract, type EventData } from '@tss/contracts';
import { InProcessTransport, Outbox } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { DeferredKeySource, Platform } from '@tss/runtime';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TokenVerifier } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore, TimerWorker } from '@tss/timers';
import { warningTimerId, WARNING_TIMER } from '../../src/domain/clock-timers';
import { DEFAULT_POLICY, type SlaPolicy } from '../../src/domain/sla-policy';
import { CLOCK_TIMER_KINDS, clockTimerBatchHandlers } from '../../src/events/clock-timer.handlers';
import { slaTimerService } from '../../src/index';
import { policyStore } from '../../src/store/policy.store';
import { clockClaimLock, SLA_SCHEMA } from '../../src/store/response-clock.store';
import { withoutWorker } from './support/clock-pipeline';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** The outside tester's agreement: emergency in 2 min (warnings at 60 s, 90 s, 108 s), consulting in 4 min. */
const SHORT_TERMS: SlaPolicy = {
  ...DEFAULT_POLICY,
  levels: {
    emergency: { targetMs: 2 * MINUTE, phoneSupport: false },
    standard: { targetMs: 3 * MINUTE, phoneSupport: false },
    consulting: { targetMs: 4 * MINUTE, phoneSupport: false },
    development: DEFAULT_POLICY.levels.development,
  },
};

type SlaEvent = { type: string } & Record<string, unknown>;
const slaEventsOf = async (query: (sql: string, params: unknown[]) => Promise<unknown[]>, ticketId: string): Promise<SlaEvent[]> =>
  ((await query(`SELECT event_type AS type, event->'data' AS data FROM sla_timer.outbox WHERE event->>'subject' = $1 AND event_type LIKE 'sla.%' ORDER BY position`, [ticketId])) as {
    type: string;
    data: Record<string, unknown>;
  }[]).map((e) => ({ type: e.type, ...e.data }));
/** What each event said, in order: `sla.warning:0.9:last`, `sla.breached`, … */
const said = (events: readonly SlaEvent[]): string[] =>
  events.map((e) => (e.type === 'sla.warning' ? `sla.warning:${String(e.threshold)}${e.last ? ':last' : ''}` : e.type));

const ticketCreated = (partnerId: string, level: 'emergency' | 'consulting', receivedAt: Date): EventData<typeof TicketCreatedV1> => ({
  partnerId,
  sequence: 1,
  reference: 'TSS-01234-56789',
  channel: 'api',
  product: 'reader',
  level,
  subject: 'EPUB import fails',
  requester: { id: 'cust-1' },
  missingDetails: [],
  receivedAt: receivedAt.toISOString(),
});

describe('docs/adr/0030: warnings already passed over are skipped, whatever stopped the clock from firing them', () => {
  describe('across a restart: timers due while sla-timer was stopped fire at its start', () => {
    const clock = new TestClock('2026-03-02T09:00:00.000Z');
    let db: TestDatabase;

    beforeEach(async () => {
      db = await createTestDatabase('sla_passed_over');
    });

    afterEach(async () => {
      await db?.drop();
    });

    /** sla-timer as `npm start` runs it (its own timer worker), on the test's database. */
    const start = () =>
      Platform.start({
        modules: [slaTimerService],
        databaseUrl: db.url,
        transport: new InProcessTransport(),
        clock,
        logger,
        tokens: new TokenVerifier({ issuer: 'tss', audience: 'tss-api', keys: new DeferredKeySource(), nowSeconds: () => Math.floor(clock.now().getTime() / 1000) }),
        env: {},
        migrate: true,
        relayPollIntervalMs: 20,
      });

    /** Another service's event, written into sla-timer's outbox as its producer would publish it: sla-timer's consumer takes it. */
    const publish = async <C extends EventContract>(platform: Platform, contract: C, subject: string, data: EventData<C>): Promise<void> => {
      const host = platform.host('sla-timer');
      const producer = new Outbox({ service: contract.owner, schema: SLA_SCHEMA, clock });
      const { id } = await host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data));
      await waitFor(`sla-timer handled ${contract.type}`, async () => (await host.dataSource.query(`SELECT 1 FROM sla_timer.inbox WHERE event_id = $1`, [id])).length > 0);
    };

    it('stopped before the 50 % warning, started just after the 90 %: only the 90 % warning (last: true), then the breach', async () => {
      const partnerId = randomUUID();
      const ticketId = randomUUID();
      const t0 = clock.now();
      const first = await start();
      try {
        await publish(first, PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: t0.toISOString() });
        await first.host('sla-timer').unitOfWork.run((tx) => policyStore.append(tx, partnerId, SHORT_TERMS, { at: t0, by: 'admin-1' }));
        await publish(first, TicketCreatedV1, ticketId, ticketCreated(partnerId, 'emergency', t0));
      } finally {
        await first.stop();
      }

      // Down from before 60 s (50 %) until just after 108 s (90 %).
      clock.set(new Date(t0.getTime() + 109 * SECOND));
      const second = await start();
      try {
        const query = (sql: string, params: unknown[]) => second.host('sla-timer').dataSource.query(sql, params) as Promise<unknown[]>;
        await waitFor('the 90 % warning', async () => (await slaEventsOf(query, ticketId)).some((e) => e.type === 'sla.warning'));
        clock.set(new Date(t0.getTime() + 2 * MINUTE));
        await waitFor('the breach', async () => (await slaEventsOf(query, ticketId)).some((e) => e.type === 'sla.breached'));
        const events = await slaEventsOf(query, ticketId);
        expect(said(events)).toEqual(['sla.clock_started', 'sla.warning:0.9:last', 'sla.breached']);
        expect(events[1]).toMatchObject({ late: true, latenessMs: SECOND });
        // Passed over, recorded as such, never published.
        const [row] = (await query(`SELECT warnings_published, warnings_skipped FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId])) as Record<string, unknown>[];
        expect(row).toEqual({ warnings_published: [0.9], warnings_skipped: [0.5, 0.75] });
      } finally {
        await second.stop();
      }
    });
  });

  describe('sla-timer alone, its timers fired by the test', () => {
    const clock = new TestClock('2026-03-02T09:00:00.000Z');
    let sut: ServiceUnderTest;
    const partnerId = randomUUID();

    const worker = (owner: string) =>
      new TimerWorker({
        dataSource: sut.host.dataSource,
        schema: SLA_SCHEMA,
        clock,
        logger,
        owner,
        // One timer per transaction: replicas interleave their claims.
        batchSize: 1,
        handlers: {},
        batchHandlers: clockTimerBatchHandlers({ outbox: sut.host.outbox, clock, timers: new TimerStore({ schema: SLA_SCHEMA, clock }) }),
        claimLock: clockClaimLock(CLOCK_TIMER_KINDS),
      });
    /** Every timer due now, fired by the replicas at once, until none is left (each firing schedules the next, maybe already due). */
    const fireAllDue = async (replicas: readonly TimerWorker[]): Promise<void> => {
      while ((await Promise.all(replicas.map((r) => r.runDue()))).some((n) => n > 0));
    };
    const publish = async <C extends EventContract>(contract: C, subject: string, data: EventData<C>): Promise<void> => {
      const producer = new Outbox({ service: contract.owner, schema: SLA_SCHEMA, clock });
      const { id } = await sut.host.unitOfWork.run((tx) => producer.add(tx, contract, subject, data));
      await waitFor(`sla-timer handled ${contract.type}`, async () => (await sut.query(`SELECT 1 FROM sla_timer.inbox WHERE event_id = $1`, [id])).length > 0);
    };
    const query = (sql: string, params: unknown[]) => sut.query(sql, params);

    beforeAll(async () => {
      sut = await startServiceUnderTest(withoutWorker, { clock, relayPollIntervalMs: 20 });
      await publish(PartnerCreatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: clock.now().toISOString() });
      await sut.host.unitOfWork.run((tx) => policyStore.append(tx, partnerId, SHORT_TERMS, { at: clock.now(), by: 'admin-1' }));
    });

    afterAll(async () => {
      await sut?.stop();
    });

    it('re-target: consulting (4 min) raised to emergency at +100 s, its 50 % and 75 % past: the 75 % warning, then the 90 % (last), then the breach', async () => {
      const ticketId = randomUUID();
      const t0 = clock.now();
      await publish(TicketCreatedV1, ticketId, ticketCreated(partnerId, 'consulting', t0));
      clock.set(new Date(t0.getTime() + 100 * SECOND));
      await publish(TicketLevelChangedV1, ticketId, { partnerId, sequence: 2, from: 'consulting', to: 'emergency', confirmed: true, changedAt: clock.now().toISOString() });
      const replicas = [worker('replica-0'), worker('replica-1')];
      await fireAllDue(replicas);
      clock.set(new Date(t0.getTime() + 108 * SECOND));
      await fireAllDue(replicas);
      clock.set(new Date(t0.getTime() + 2 * MINUTE));
      await fireAllDue(replicas);
      expect(said(await slaEventsOf(query, ticketId))).toEqual(['sla.clock_started', 'sla.retargeted', 'sla.warning:0.75', 'sla.warning:0.9:last', 'sla.breached']);
    });

    it('two replicas firing every warning timer of a clock (as an older release scheduled them) after the 90 %: only the 90 % is published', async () => {
      const ticketId = randomUUID();
      const t0 = clock.now();
      await publish(TicketCreatedV1, ticketId, ticketCreated(partnerId, 'emergency', t0));
      const [{ id: clockId, warnings }] = (await sut.query(`SELECT id, warnings FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId])) as {
        id: string;
        warnings: { threshold: number; at: string }[];
      }[];
      // The older release's five timers per clock: every warning pending at once, whichever a replica claims first.
      const timers = new TimerStore({ schema: SLA_SCHEMA, clock });
      await sut.host.unitOfWork.run(async (tx) => {
        for (const w of warnings) await timers.schedule(tx, { id: warningTimerId(clockId, w.threshold), kind: WARNING_TIMER, dueAt: new Date(w.at), payload: { clockId, threshold: w.threshold } });
      });
      clock.set(new Date(t0.getTime() + 109 * SECOND));
      await fireAllDue([worker('replica-0'), worker('replica-1'), worker('replica-2')]);
      expect(said(await slaEventsOf(query, ticketId))).toEqual(['sla.clock_started', 'sla.warning:0.9:last']);
      const [row] = (await sut.query(`SELECT warnings_published, warnings_skipped FROM sla_timer.response_clocks WHERE ticket_id = $1`, [ticketId])) as { warnings_published: number[]; warnings_skipped: number[] }[];
      expect(row.warnings_published).toEqual([0.9]);
      expect([...row.warnings_skipped].sort()).toEqual([0.5, 0.75]);
    });
  });
});
