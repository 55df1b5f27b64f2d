import type { Logger } from 'pino';
import type { Clock } from '@tss/service-kit';
import { PruneSchedule } from '../retention/prune-schedule';
import type { RetentionSettings } from '../retention/retention-settings';
import type { EventLog } from './event-log';

export interface EventLogRetentionOptions extends RetentionSettings {
  log: Pick<EventLog, 'pruneBatch'>;
  clock: Clock;
  logger: Logger;
}

/**
 * The in-process log's retention, as a topic's on Kafka (docs/adr/0032, addendum of 2026-12-05,
 * second session): entries appended longer ago than the retention period that every known
 * consumer group has committed are deleted, in batches of short statements. An entry a known group
 * has not read is kept however old: a consumer down for a week loses nothing. A group never seen
 * starts at the oldest entry kept. One per process (the transport's, started by the platform with
 * its workers); two processes on one database skip each other's batches.
 */
export class EventLogRetention {
  private readonly schedule: PruneSchedule;
  /** Passes completed (tests). */
  passes = 0;

  constructor(private readonly options: EventLogRetentionOptions) {
    this.schedule = new PruneSchedule({ intervalMs: options.intervalMs, pass: () => this.pruneOnce(), logger: options.logger });
  }

  /** One pass: every expired entry every known group has read, batch by batch; returns how many went. */
  async pruneOnce(): Promise<number> {
    const cutoff = new Date(this.options.clock.now().getTime() - this.options.retentionMs);
    let entries = 0;
    for (;;) {
      const deleted = await this.options.log.pruneBatch(cutoff, this.options.batchSize);
      entries += deleted;
      // A short batch is the last; a stopping transport ends its pass between batches.
      if (deleted < this.options.batchSize || this.schedule.stopping) break;
    }
    this.passes += 1;
    if (entries > 0) this.options.logger.info({ cutoff, entries }, 'expired event log entries pruned');
    return entries;
  }

  /** A pass now, then one every interval of real time (a test clock's jumps start none). */
  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}
