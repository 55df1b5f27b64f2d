import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '@tss/service-kit';
import { databaseUrlOf, inTransaction, listen, type Listening } from '@tss/persistence';
import { DEFAULT_TIMER_RETENTION, TimerRetention, type TimerRetentionSettings } from './timer-retention';
import { reportDueTimers, timerMetrics } from './timer-metrics';
import { TimerStore, type ClaimedTimer } from './timer-store';
import { timersChannel } from './timers.migration';

/** A timer handed to its handler: fired at `claimedAt`, `latenessMs` after it was due. */
export interface FiredTimer extends ClaimedTimer {
  /** Fired more than `lateAfterMs` after its due time (downtime, backlog, outage). */
  late: boolean;
}

/**
 * Does the timer's effect in `tx`, the transaction that also fires (deletes) it: both commit or
 * neither. Throws to have it tried again after a backoff. Keep to the database (an outbox row,
 * not a call out): a rolled-back attempt runs again.
 */
export type TimerHandler = (timer: FiredTimer, tx: EntityManager) => Promise<void>;

/**
 * A kind's handler for a whole claimed batch, in its firing transaction: one multi-row statement
 * for many timers instead of a round trip each (a burst of due timers, docs/adr/0024). The same
 * contract as `TimerHandler`; a batch that throws is retried timer by timer, each as a batch of one.
 */
export type TimerBatchHandler = (timers: readonly FiredTimer[], tx: EntityManager) => Promise<void>;

/**
 * Rows of another table that a batch's handlers lock first (the clocks of fired SLA timers), locked
 * in the claim's own statement instead: one round trip less per fired batch (docs/adr/0054).
 */
export interface ClaimLock {
  /** A `SELECT … FOR UPDATE` over `fired` (the claimed timers: id, kind, due_at, payload, attempts) with one `json` column, `row`. */
  sql(fired: string): string;
  /** The locked rows, in the claim's transaction, before any handler runs in it. */
  took(tx: EntityManager, rows: readonly unknown[]): void;
}

export interface TimerWorkerOptions {
  dataSource: DataSource;
  schema: string;
  /**
   * The service that owns the schema: the `service` label of the timer metrics, the same value as
   * on the service's other metrics (its module name). Default: the schema, `_` read as `-`.
   */
  service?: string;
  clock: Clock;
  logger: Logger;
  /** One handler per timer kind. A kind without one is retried after a backoff (another version may know it). */
  handlers: Record<string, TimerHandler>;
  /** Kinds handled a batch at a time; a kind listed here needs no entry in `handlers`. */
  batchHandlers?: Record<string, TimerBatchHandler>;
  /** Locked with each batch's claim, for the batch handlers; the one-by-one fallback does without. */
  claimLock?: ClaimLock;
  /** Defaults to a READ COMMITTED transaction on `dataSource`. */
  runInTransaction?: <T>(work: (tx: EntityManager) => Promise<T>) => Promise<T>;
  /** This claimer's name in `claimed_by`; host, pid and a random suffix when not given. */
  owner?: string;
  batchSize?: number;
  /**
   * Batches fired at once, each in its own transaction, while batches come back full (a burst):
   * one batch's statements run while another's results are handled, on PostgreSQL's other core.
   * Claims skip each other's rows, as two replicas' do. A quiet worker fires one batch (1 by default).
   */
  concurrency?: number;
  /** How long a claim holds before another replica may take the timer (a crashed claimer's timers wait this long). */
  leaseMs?: number;
  /**
   * Longest sleep. Wake-ups come at the next due time, or at once by NOTIFY when an earlier timer
   * is scheduled; this only bounds the delay after a lost notification.
   */
  maxSleepMs?: number;
  /** A timer fired later than this after its due time is reported `late`. */
  lateAfterMs?: number;
  /** Wait before a failed timer is claimable again, by attempts so far. */
  retryBackoffMs?: (attempts: number) => number;
  /**
   * Pruning of timers an earlier version marked fired instead of deleting them (docs/adr/0041,
   * 0059): kept 7 days, a pass an hour by the clock (DEFAULT_TIMER_RETENTION). A service passes
   * its `TIMER_RETENTION_*` settings (`timerRetentionSettingsOf`); `false` turns it off.
   */
  retention?: TimerRetentionSettings | false;
}

export const TIMER_LEASE_MS = 60_000;
export const TIMER_MAX_SLEEP_MS = 30_000;
export const TIMER_LATE_AFTER_MS = 250;
const MAX_RETRY_BACKOFF_MS = 15 * 60_000;
const MAX_OUTAGE_BACKOFF_MS = 5_000;

export const defaultRetryBackoffMs = (attempts: number): number => Math.min(MAX_RETRY_BACKOFF_MS, 1_000 * 2 ** Math.min(Math.max(attempts - 1, 0), 20));

/**
 * Fires due timers (issue #10, docs/adr/0024). Any number of replicas may run one per schema:
 * claims skip each other's rows (`FOR UPDATE SKIP LOCKED`), a timer is deleted (fired, docs/adr/0059)
 * only in its handler's transaction and only under the claim that fired it, so none fires twice; a claim
 * abandoned by a dead replica is taken again after its lease. Between batches the worker sleeps
 * until the earliest pending due time (one indexed read) or a NOTIFY, whichever comes first.
 *
 * All time is the injected clock's. Under a test clock, `runDue()` fires what is due at
 * `clock.now()`, and `wake()` makes a started worker look again after the clock was moved.
 */
export class TimerWorker {
  readonly store: TimerStore;
  /** The `service` label of its metrics. */
  private readonly service: string;
  readonly owner: string;
  private running = false;
  private loopDone?: Promise<void>;
  private wakeUp?: () => void;
  private kicked = false;
  private failures = 0;
  /** Earlier timers' NOTIFY, on the process's shared listening connection (docs/adr/0089). */
  private listener?: Listening;
  /** While the loop sleeps: the due time (by the clock) it sleeps towards, or undefined with nothing pending. */
  sleepingUntil?: Date | null;
  /** Timers fired by this worker (tests, metrics). */
  firedCount = 0;

  private stopFollowingClock?: () => void;
  private stopReporting?: () => void;

  /** Deletes timers an earlier version left marked fired, past their retention, on the clock's schedule; undefined when turned off. */
  readonly retention?: TimerRetention;

  constructor(private readonly options: TimerWorkerOptions) {
    this.store = new TimerStore({ schema: options.schema, clock: options.clock });
    this.service = options.service ?? options.schema.replaceAll('_', '-');
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const retention = options.retention ?? DEFAULT_TIMER_RETENTION;
    if (retention) {
      this.retention = new TimerRetention({ ...retention, dataSource: options.dataSource, schema: this.store.schema, clock: options.clock, logger: options.logger });
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A test clock that jumps wakes the worker, as a NOTIFY would: no test sleeps for a timer.
    this.stopFollowingClock = this.options.clock.onMove?.(() => this.wake());
    this.stopReporting = reportDueTimers({
      service: this.service,
      schema: this.store.schema,
      due: async () => {
        const now = this.options.clock.now();
        const { count, earliest } = await this.store.due(this.options.dataSource, now);
        return { count, oldestAgeSeconds: earliest ? Math.max(0, now.getTime() - earliest.getTime()) / 1_000 : 0 };
      },
    });
    this.loopDone = this.loop();
    this.retention?.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.retention?.stop();
    this.stopFollowingClock?.();
    this.stopFollowingClock = undefined;
    this.stopReporting?.();
    this.stopReporting = undefined;
    this.wakeUp?.();
    await this.loopDone;
  }

  /** Look again now: a notification, or a test that moved its clock. */
  wake(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  /**
   * Fires every timer due at `clock.now()`, batch by batch; returns how many fired. The first
   * batch goes alone; when it comes back full, `concurrency` lanes fire the rest.
   */
  async runDue(): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    let fired = 0;
    /** One batch; true when it came back full (more may be due). */
    const next = async (): Promise<boolean> => {
      const batch = await this.fireBatch(batchSize);
      let late = 0;
      let maxLatenessMs = 0;
      for (const timer of batch.fired) {
        fired += 1;
        if (timer.late) late += 1;
        maxLatenessMs = Math.max(maxLatenessMs, timer.latenessMs);
      }
      if (late > 0) this.options.logger.info({ late, maxLatenessMs }, 'timers fired late');
      return batch.claimed >= batchSize;
    };
    if (!(await next())) return fired;
    const lane = async () => {
      while (await next());
    };
    // Settled, not `all`: a lane that fails must not leave the others running into the next pass.
    const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, this.options.concurrency ?? 1) }, lane));
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return fired;
  }

  private get lateAfterMs(): number {
    return this.options.lateAfterMs ?? TIMER_LATE_AFTER_MS;
  }

  private get run(): <T>(work: (tx: EntityManager) => Promise<T>) => Promise<T> {
    return this.options.runInTransaction ?? ((work) => inTransaction(this.options.dataSource, work));
  }

  /**
   * Fires up to `limit` due timers in one transaction: one statement claims and deletes them
   * (row locks, no lease: a rollback gives them back), the handlers run, one commit. A
   * transaction per timer cost a commit and four round trips each, which capped a replica at
   * ~700 timers/s with a million open (docs/performance.md, "SLA timers"). If anything in the
   * batch throws, it rolls back and the due timers are claimed with a lease and fired one by one,
   * so a failing timer is released with its backoff and delays only itself.
   */
  private async fireBatch(limit: number): Promise<{ claimed: number; fired: FiredTimer[] }> {
    let fired: FiredTimer[];
    // The timer whose own handler threw, if one did: it is not run again before its backoff.
    let failed: { id: string; error: unknown } | undefined;
    try {
      fired = await this.run(async (tx) => {
        const lock = this.options.claimLock;
        const { timers, locked } = await this.store.fireDueAndLock(tx, { now: this.options.clock.now(), limit, lock: lock && ((fired) => lock.sql(fired)) });
        lock?.took(tx, locked);
        const claimed = timers.map((timer) => this.asFired(timer));
        const missing = claimed.find((timer) => !this.handlerFor(timer.kind));
        if (missing) throw new Error(`no handler for timer kind ${missing.kind}`);
        const byKind = new Map<string, FiredTimer[]>();
        for (const timer of claimed) {
          const list = byKind.get(timer.kind);
          if (list) list.push(timer);
          else byKind.set(timer.kind, [timer]);
        }
        for (const [kind, timers] of byKind) {
          const batch = this.options.batchHandlers?.[kind];
          if (batch) await batch(timers, tx);
          else {
            for (const timer of timers) {
              try {
                await this.options.handlers[kind](timer, tx);
              } catch (error) {
                failed = { id: timer.id, error };
                throw error;
              }
            }
          }
        }
        return claimed;
      });
    } catch (error) {
      this.options.logger.debug({ err: error }, 'a timer batch failed; firing its timers one by one');
      const claimed = await this.store.claimDue(this.options.dataSource, {
        now: this.options.clock.now(),
        limit,
        leaseMs: this.options.leaseMs ?? TIMER_LEASE_MS,
        owner: this.owner,
      });
      if (claimed.length > 0) timerMetrics().claimBatch.observe({ service: this.service, schema: this.store.schema }, claimed.length);
      const culprit = failed && claimed.find((timer) => timer.id === failed?.id);
      if (culprit && failed) await this.retryLater(culprit, failed.error);
      return { claimed: claimed.length, fired: await this.fireEach(claimed.filter((timer) => timer !== culprit)) };
    }
    if (fired.length > 0) timerMetrics().claimBatch.observe({ service: this.service, schema: this.store.schema }, fired.length);
    for (const timer of fired) this.fired(timer);
    return { claimed: fired.length, fired };
  }

  private async fireEach(claimed: readonly ClaimedTimer[]): Promise<FiredTimer[]> {
    const fired: FiredTimer[] = [];
    for (const timer of claimed) if (await this.fire(timer)) fired.push(this.asFired(timer));
    return fired;
  }

  /** The kind's handler for one timer: its own, or its batch handler with a batch of one. */
  private handlerFor(kind: string): TimerHandler | undefined {
    const batch = this.options.batchHandlers?.[kind];
    if (batch) return (timer, tx) => batch([timer], tx);
    return this.options.handlers[kind];
  }

  private asFired(timer: ClaimedTimer): FiredTimer {
    return { ...timer, late: timer.latenessMs > this.lateAfterMs };
  }

  private fired(timer: FiredTimer): void {
    this.firedCount += 1;
    const metrics = timerMetrics();
    metrics.fired.inc({ service: this.service, schema: this.store.schema, kind: timer.kind, timeliness: timer.late ? 'late' : 'on_time' });
    metrics.lateness.observe({ service: this.service, schema: this.store.schema, kind: timer.kind }, timer.latenessMs / 1_000);
  }

  /** True when the timer fired (its effect committed) here. */
  private async fire(timer: ClaimedTimer): Promise<boolean> {
    const handler = this.handlerFor(timer.kind);
    const fired = this.asFired(timer);
    try {
      if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
      const outcome = await this.run(async (tx) => {
        if (!(await this.store.complete(tx, timer))) return 'lost' as const;
        await handler(fired, tx);
        return 'fired' as const;
      });
      if (outcome === 'lost') {
        this.options.logger.debug({ timerId: timer.id }, 'timer claim lost (re-targeted, cancelled, or lease ended); not fired here');
        return false;
      }
      this.fired(fired);
      return true;
    } catch (error) {
      await this.retryLater(timer, error);
      return false;
    }
  }

  /** Gives a timer whose handler failed back, claimable again after its backoff. */
  private async retryLater(timer: ClaimedTimer, error: unknown): Promise<void> {
    timerMetrics().failures.inc({ service: this.service, schema: this.store.schema, kind: timer.kind });
    const retryAt = new Date(this.options.clock.now().getTime() + (this.options.retryBackoffMs ?? defaultRetryBackoffMs)(timer.attempts));
    this.options.logger.warn({ err: error, timerId: timer.id, kind: timer.kind, attempts: timer.attempts, retryAt }, 'timer handler failed; will retry');
    // If this fails too, the lease's end gives the timer back.
    await this.store.release(this.options.dataSource, timer, retryAt, String(error instanceof Error ? error.message : error)).catch(() => undefined);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      let sleepMs: number;
      try {
        await this.openListener();
        await this.runDue();
        const next = await this.store.nextDue(this.options.dataSource);
        if (this.failures > 0) this.options.logger.info({ failedAttempts: this.failures }, 'timer worker running again');
        this.failures = 0;
        this.sleepingUntil = next ?? null;
        sleepMs = next ? next.getTime() - this.options.clock.now().getTime() : Number.POSITIVE_INFINITY;
      } catch (error) {
        this.failures += 1;
        await this.closeListener();
        const level = this.failures === 1 ? 'warn' : 'debug';
        this.options.logger[level]({ err: error, failures: this.failures }, 'timer worker could not reach the database; will retry');
        this.sleepingUntil = undefined;
        sleepMs = Math.min(MAX_OUTAGE_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 10));
      }
      if (!this.running) break;
      if (this.kicked || sleepMs <= 0) continue;
      await this.sleep(Math.min(sleepMs, this.options.maxSleepMs ?? TIMER_MAX_SLEEP_MS));
      this.sleepingUntil = undefined;
    }
    this.sleepingUntil = undefined;
    await this.closeListener();
  }

  private async openListener(): Promise<void> {
    if (this.listener?.usable) return;
    await this.closeListener();
    this.listener = await listen({ url: databaseUrlOf(this.options.dataSource), channel: timersChannel(this.store.schema), logger: this.options.logger, onNotify: () => this.wake() });
  }

  private async closeListener(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
