import { messagingMigrations } from '@tss/messaging';
import type { BackgroundTask, ServiceModule } from '@tss/runtime';
import { TimerStore, TimerWorker, timersMigrations } from '@tss/timers';
import { CLOCK_TIMER_KINDS, clockTimerBatchHandlers } from './events/clock-timer.handlers';
import { newerTicketEventTypes, ticketEventHandlers } from './events/ticket-events.handlers';
import { slaReportRoutes } from './http/sla-report.routes';
import { slaRoutes } from './http/sla.routes';
import { partnersPart } from './partners.part';
import { policiesPart } from './policies.part';
import { CreateResponseClocks1764115400000 } from './store/migrations/1764115400000-create-response-clocks';
import { ClockRequester1764633600000 } from './store/migrations/1764633600000-clock-requester';
import { ClockLifecycle1765200000000 } from './store/migrations/1765200000000-clock-lifecycle';
import { ClocksFillfactor1765300500000 } from './store/migrations/1765300500000-clocks-fillfactor';
import { TicketReference1765400100000 } from './store/migrations/1765400100000-ticket-reference';
import { ClockBreachedAt1765500933000 } from './store/migrations/1765500933000-clock-breached-at';
import { ClockBusinessTime1765500934000 } from './store/migrations/1765500934000-clock-business-time';
import { ClockLifecycleFloor1765501400000 } from './store/migrations/1765501400000-clock-lifecycle-floor';
import { ClockBreachedLevel1765600500000 } from './store/migrations/1765600500000-clock-breached-level';
import { ClockTicketSequence1765603510000 } from './store/migrations/1765603510000-clock-ticket-sequence';
import { ClockWarningsSkipped1765603600000 } from './store/migrations/1765603600000-clock-warnings-skipped';
import { clockClaimLock, SLA_SCHEMA } from './store/response-clock.store';

/**
 * Clock timers fired per transaction at most (`SLA_TIMER_BATCH_SIZE`, default 250): a batch only
 * takes what is due, so a quiet service fires one or a few at a time. In a burst (10,000 due within
 * a second over 100,000 open clocks, on a quiet 2-core machine) 250 with two lanes published the
 * last breach 0.5–1.1 s late, against 1.7–1.8 s with one lane of 100 (docs/adr/0051).
 */
export const timerBatchSize = (env: NodeJS.ProcessEnv): number => {
  const raw = env.SLA_TIMER_BATCH_SIZE;
  if (raw === undefined || raw.trim() === '') return 250;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error(`SLA_TIMER_BATCH_SIZE must be an integer from 1 to 10000, got ${JSON.stringify(raw)}`);
  return value;
};

/**
 * Clock timer batches fired at once by a replica while they come back full
 * (`SLA_TIMER_CONCURRENCY`, default 3): while one batch waits on PostgreSQL another runs its
 * handlers. Three lanes measured worse than two on 2 cores while firing marked rows; since a fired
 * timer is deleted (docs/adr/0059) three beat two in four of five interleaved pairs; docs/adr/0046, 0051.
 */
export const timerConcurrency = (env: NodeJS.ProcessEnv): number => {
  const raw = env.SLA_TIMER_CONCURRENCY;
  if (raw === undefined || raw.trim() === '') return 3;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 16) throw new Error(`SLA_TIMER_CONCURRENCY must be an integer from 1 to 16, got ${JSON.stringify(raw)}`);
  return value;
};

/** sla-timer: owns response clocks and SLA policies; produces `sla.*`. */
export const slaTimerService: ServiceModule = {
  name: 'sla-timer',
  description: 'SLA policies and the response clocks of tickets.',
  schema: SLA_SCHEMA,
  entities: [],
  migrations: [
    ...messagingMigrations(SLA_SCHEMA),
    CreateResponseClocks1764115400000,
    ClockRequester1764633600000,
    ...timersMigrations(SLA_SCHEMA),
    ...policiesPart.migrations,
    ClockLifecycle1765200000000,
    ClocksFillfactor1765300500000,
    TicketReference1765400100000,
    ClockBreachedAt1765500933000,
    ClockBusinessTime1765500934000,
    ...partnersPart.migrations,
    ClockLifecycleFloor1765501400000,
    ClockBreachedLevel1765600500000,
    ClockTicketSequence1765603510000,
    ClockWarningsSkipped1765603600000,
  ],
  build: (deps) => {
    const timers = new TimerStore({ schema: SLA_SCHEMA, clock: deps.clock });
    // One worker per replica: due timers are claimed with SKIP LOCKED, so replicas never fire one twice (docs/adr/0024).
    const worker = new TimerWorker({
      batchSize: timerBatchSize(deps.env),
      concurrency: timerConcurrency(deps.env),
      dataSource: deps.dataSource,
      schema: SLA_SCHEMA,
      service: 'sla-timer',
      clock: deps.clock,
      logger: deps.logger,
      // A burst of clocks coming due fires a batch per transaction (docs/adr/0041).
      handlers: {},
      batchHandlers: clockTimerBatchHandlers({ outbox: deps.outbox, clock: deps.clock, timers }),
      // The batch's clocks are locked in the claim's statement: one round trip less (docs/adr/0054).
      claimLock: clockClaimLock(CLOCK_TIMER_KINDS),
    });
    const timerTask: BackgroundTask = { name: 'sla-timer timers', start: () => worker.start(), stop: () => worker.stop() };
    return {
      routes: async (app) => {
        await app.register(slaRoutes(deps));
        await app.register(slaReportRoutes(deps));
        await app.register(policiesPart.routes(deps));
      },
      handlers: [...ticketEventHandlers({ outbox: deps.outbox, timers }), ...partnersPart.handlers()],
      newerEventTypes: [newerTicketEventTypes({ outbox: deps.outbox, timers })],
      background: [timerTask, ...policiesPart.background(deps)],
    };
  },
};
