import type { Logger } from 'pino';
import { EventConsumer, InProcessTransport } from '@tss/messaging';
import { defineService, type ServiceModule } from '@tss/runtime';
import type { ServiceUnderTest } from '@tss/runtime/testing';
import type { Clock } from '@tss/service-kit';
import { TimerStore, TimerWorker } from '@tss/timers';
import { CLOCK_TIMER_KINDS, clockTimerBatchHandlers } from '../../../src/events/clock-timer.handlers';
import { ticketEventHandlers } from '../../../src/events/ticket-events.handlers';
import { slaTimerService } from '../../../src/index';
import { clockClaimLock, SLA_SCHEMA } from '../../../src/store/response-clock.store';

/** sla-timer without its own timer worker: the test fires due timers itself, once it has moved the clock. */
export const withoutWorker: ServiceModule = defineService({ ...slaTimerService, build: (deps) => ({ ...slaTimerService.build(deps), background: [] }) });

/**
 * sla-timer's ticket-event consumer on the in-process transport and a timer worker of the test's,
 * both on the service under test: the test hands events to the one and fires the other's due
 * timers (`worker.runOnce()`) after moving the clock. `name` tells their consumer group and owner apart.
 */
export const clockPipeline = (sut: ServiceUnderTest, clock: Clock, logger: Logger, name: string): { consumer: EventConsumer; worker: TimerWorker } => {
  const timers = () => new TimerStore({ schema: SLA_SCHEMA, clock });
  return {
    consumer: new EventConsumer({
      group: `sla-timer-${name}-test`,
      schema: SLA_SCHEMA,
      transport: new InProcessTransport(),
      unitOfWork: sut.host.unitOfWork,
      outbox: sut.host.outbox,
      clock,
      logger,
      bindings: ticketEventHandlers({ timers: timers() }),
    }),
    worker: new TimerWorker({
      dataSource: sut.host.dataSource,
      schema: SLA_SCHEMA,
      clock,
      logger,
      owner: `${name}-test`,
      handlers: {},
      batchHandlers: clockTimerBatchHandlers({ outbox: sut.host.outbox, clock, timers: timers() }),
      claimLock: clockClaimLock(CLOCK_TIMER_KINDS),
    }),
  };
};
