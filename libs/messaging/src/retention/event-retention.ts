import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { assertSchemaName } from '@tss/persistence';
import type { Clock } from '@tss/service-kit';
import { PruneSchedule } from './prune-schedule';
import { PRUNED_TABLES, pruneBatch, type PrunedTable } from './prune-statements';
import type { RetentionSettings } from './retention-settings';

export type PrunedCounts = Record<PrunedTable, number>;

export interface EventRetentionOptions extends RetentionSettings {
  dataSource: DataSource;
  schema: string;
  clock: Clock;
  logger: Logger;
}

/**
 * Deletes a service schema's expired messaging rows on a schedule (issue #10, docs/adr/0032):
 * published outbox rows, inbox rows and settled dead letters older than the retention period,
 * in batches of short statements, so no pass holds a long lock or a long transaction. Every
 * replica may run one: batches skip each other's rows. The cutoff is the injected clock's.
 */
export class EventRetention {
  private readonly schema: string;
  private readonly schedule: PruneSchedule;
  /** Passes completed (tests). */
  passes = 0;

  constructor(private readonly options: EventRetentionOptions) {
    this.schema = assertSchemaName(options.schema);
    this.schedule = new PruneSchedule({ intervalMs: options.intervalMs, pass: () => this.pruneOnce(), logger: options.logger });
  }

  /** One pass: every table pruned down to the cutoff, batch by batch. */
  async pruneOnce(): Promise<PrunedCounts> {
    const cutoff = new Date(this.options.clock.now().getTime() - this.options.retentionMs);
    const counts: PrunedCounts = { outbox: 0, inbox: 0, dead_letters: 0 };
    for (const table of PRUNED_TABLES) {
      for (;;) {
        const deleted = await pruneBatch(this.options.dataSource, this.schema, table, cutoff, this.options.batchSize);
        counts[table] += deleted;
        // A short batch is the last; a stopped host ends its pass between batches.
        if (deleted < this.options.batchSize || this.schedule.stopping) break;
      }
    }
    this.passes += 1;
    if (counts.outbox + counts.inbox + counts.dead_letters > 0) this.options.logger.info({ cutoff, ...counts }, 'expired messaging rows pruned');
    return counts;
  }

  /**
   * A pass now, then one every interval of real time. A test clock's jumps start none: a test
   * that runs weeks of simulated time keeps the rows it asserts on unless it calls `pruneOnce`.
   */
  start(): void {
    this.schedule.start();
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }
}
