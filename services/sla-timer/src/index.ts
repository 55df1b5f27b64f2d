import { messagingMigrations } from '@tss/messaging';
import { defineService, type BackgroundTask } from '@tss/runtime';
import { timerRetentionSettingsOf, TimerStore, TimerWorker, timersMigrations } from '@tss/timers';
import { CLOCK_TIMER_KINDS, clockTimerBatchHandlers } from './events/clock-timer.handlers';
import { newerTicketEventTypes, ticketEventHandlers } from './events/ticket-events.handlers';
import { slaReportRoutes } from './http/sla-report.routes';
import { slaRoutes } from './http/sla.routes';
import { partnersPart } from './partners.part';
import { policiesPart } from './policies.part';
import { SlaTimerEnv } from './sla-timer.config';
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
import { ReportByPartner1765606862000 } from './store/migrations/1765606862000-report-by-partner';
import { clockClaimLock, SLA_SCHEMA } from './store/response-clock.store';
import { slaMetrics } from './events/sla-metrics';
import { namedPlugin } from '@tss/service-kit';

/** sla-timer: owns response clocks and SLA policies; produces `sla.*`. */
export const slaTimerService = defineService({
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
    ReportByPartner1765606862000,
  ],
  config: SlaTimerEnv,
  build: (deps) => {
    // Its counters' series exist from the start, before the first breach.
    slaMetrics();
    const timers = new TimerStore({ schema: SLA_SCHEMA, clock: deps.clock });
    // One worker per replica: due timers are claimed with SKIP LOCKED, so replicas never fire one twice (docs/adr/0024).
    const worker = new TimerWorker({
      batchSize: deps.config.SLA_TIMER_BATCH_SIZE,
      concurrency: deps.config.SLA_TIMER_CONCURRENCY,
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
      retention: timerRetentionSettingsOf(deps.config),
    });
    const timerTask: BackgroundTask = { name: 'sla-timer timers', start: () => worker.start(), stop: () => worker.stop() };
    return {
      routes: async (app) => {
        await app.register(namedPlugin('slaRoutes', slaRoutes(deps)));
        await app.register(namedPlugin('slaReportRoutes', slaReportRoutes(deps)));
        await app.register(namedPlugin('policyRoutes', policiesPart.routes(deps)));
      },
      handlers: [...ticketEventHandlers({ timers }), ...partnersPart.handlers()],
      newerEventTypes: [newerTicketEventTypes({ timers })],
      background: [timerTask, ...policiesPart.background(deps)],
    };
  },
});
