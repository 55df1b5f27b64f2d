import { Type, type Static } from '@sinclair/typebox';
import { envSchema } from '@tss/service-kit';
import { TimerRetentionEnv } from '@tss/timers';

/**
 * sla-timer's own settings, beside its timer worker's retention (`TIMER_RETENTION_*`): checked with
 * every other setting of the process at start (docs/adr/0015).
 */
export const SlaTimerEnv = envSchema({
  ...TimerRetentionEnv,
  /**
   * Clock timers fired per transaction at most: a batch only takes what is due, so a quiet service
   * fires one or a few at a time. In a burst (10,000 due within a second over 100,000 open clocks,
   * on a quiet 2-core machine) 250 with two lanes published the last breach 0.5–1.1 s late, against
   * 1.7–1.8 s with one lane of 100 (docs/adr/0051).
   */
  SLA_TIMER_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 10_000, default: 250, description: 'Clock timers fired per transaction at most (docs/adr/0051)' }),
  /**
   * Clock timer batches fired at once by a replica while they come back full: while one batch
   * waits on PostgreSQL another runs its handlers. Three lanes measured worse than two on 2 cores
   * while firing marked rows; since a fired timer is deleted (docs/adr/0059) three beat two in four
   * of five interleaved pairs; docs/adr/0046, 0051.
   */
  SLA_TIMER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 16, default: 3, description: 'Clock timer batches a replica fires at once while they come back full (docs/adr/0046, 0051, 0059)' }),
});
export type SlaTimerEnv = Static<typeof SlaTimerEnv>;
