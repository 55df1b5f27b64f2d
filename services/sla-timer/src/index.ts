import { messagingMigrations } from '@tss/messaging';
import type { BackgroundTask, ServiceModule } from '@tss/runtime';
import { TimerStore, TimerWorker, timersMigrations } from '@tss/timers';
import { clockTimerBatchHandlers } from './events/clock-timer.handlers';
import { ticketEventHandlers } from './events/ticket-events.handlers';
import { slaReportRoutes } from './http/sla-report.routes';
import { slaRoutes } from './http/sla.routes';
import { policiesPart } from './policies.part';
import { CreateResponseClocks1764115400000 } from './store/migrations/1764115400000-create-response-clocks';
import { ClockRequester1764633600000 } from './store/migrations/1764633600000-clock-requester';
import { ClockLifecycle1765200000000 } from './store/migrations/1765200000000-clock-lifecycle';
import { SLA_SCHEMA } from './store/response-clock.store';

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
  ],
  build: (deps) => {
    const timers = new TimerStore({ schema: SLA_SCHEMA, clock: deps.clock });
    // One worker per replica: due timers are claimed with SKIP LOCKED, so replicas never fire one twice (docs/adr/0024).
    const worker = new TimerWorker({
      dataSource: deps.dataSource,
      schema: SLA_SCHEMA,
      clock: deps.clock,
      logger: deps.logger,
      // A burst of clocks coming due fires a batch per transaction (docs/adr/0041).
      handlers: {},
      batchHandlers: clockTimerBatchHandlers({ outbox: deps.outbox, clock: deps.clock, timers }),
    });
    const timerTask: BackgroundTask = { name: 'sla-timer timers', start: () => worker.start(), stop: () => worker.stop() };
    return {
      routes: async (app) => {
        await app.register(slaRoutes(deps));
        await app.register(slaReportRoutes(deps));
        await app.register(policiesPart.routes(deps));
      },
      handlers: ticketEventHandlers({ outbox: deps.outbox, timers }),
      background: [timerTask],
    };
  },
};
