import { randomUUID } from 'node:crypto';
import type { Clock } from '@tss/service-kit';
import { assertSchemaName } from '@tss/persistence';
import { bringTimersForwardSql } from './store/bring-timers-forward';
import { cancelTimer } from './store/cancel-timer';
import { cancelTimers } from './store/cancel-timers';
import { claimDueTimers } from './store/claim-due-timers';
import { completeTimer } from './store/complete-timer';
import { completeTimers } from './store/complete-timers';
import { dueTimers } from './store/due-timers';
import { fireDueTimers } from './store/fire-due-timers';
import { nextTimerDue } from './store/next-timer-due';
import { releaseTimer } from './store/release-timer';
import { scheduleTimer, type ScheduleTimer } from './store/schedule-timer';
import { scheduleTimers, scheduleTimersParams, scheduleTimersSql } from './store/schedule-timers';
import type { Queryable } from './store/sql';

export type { Queryable, ScheduleTimer };
export { bringTimersForwardSql };

/** A timer this claimer holds until `complete` or `release`, or until its lease ends. */
export interface ClaimedTimer {
  id: string;
  kind: string;
  dueAt: Date;
  payload: unknown;
  /** Claims so far, this one included. */
  attempts: number;
  /** The claim's identity; `complete` and `release` act only while it is still the row's. */
  token: string;
  /** When it was claimed. */
  claimedAt: Date;
  /** `claimedAt - dueAt`, never negative. */
  latenessMs: number;
}

/**
 * The durable timers of one schema (issue #10). Callers schedule and cancel inside their own
 * transactions, so a timer exists exactly when the state that needs it was committed.
 */
export class TimerStore {
  readonly schema: string;

  constructor(private readonly options: { schema: string; clock: Clock }) {
    this.schema = assertSchemaName(options.schema);
  }

  /** Creates the timer, or re-targets the one with this id (which re-arms it if it had fired). */
  schedule(tx: Queryable, timer: ScheduleTimer): Promise<void> {
    return scheduleTimer(tx, this.schema, timer, this.options.clock.now());
  }

  /** `schedule` for many timers in one statement; ids are distinct (a repeated id: the last wins). */
  scheduleAll(tx: Queryable, timers: readonly ScheduleTimer[]): Promise<void> {
    return scheduleTimers(tx, this.schema, timers, this.options.clock.now());
  }

  /**
   * `scheduleAll` as SQL and parameters (numbered from `$first`) to fold into a statement of the
   * caller's, e.g. after a data-modifying `WITH` that writes the state the timers belong to;
   * `onlyIf` (SQL on the caller's `WITH` names) schedules them only when it holds.
   */
  scheduleAllStatement(timers: readonly ScheduleTimer[], first: number, options: { onlyIf?: string } = {}): { sql: string; params: unknown[] } {
    return { sql: scheduleTimersSql(this.schema, first, options.onlyIf), params: scheduleTimersParams(timers, this.options.clock.now()) };
  }

  /** False when no pending timer had this id. */
  cancel(tx: Queryable, id: string): Promise<boolean> {
    return cancelTimer(tx, this.schema, id);
  }

  /** `cancel` for many ids in one statement (a stopped clock's timers): the ids that were pending. No statement for none. */
  cancelAll(tx: Queryable, ids: readonly string[]): Promise<Set<string>> {
    return cancelTimers(tx, this.schema, ids);
  }

  async claimDue(db: Queryable, args: { now: Date; limit: number; leaseMs: number; owner: string }): Promise<ClaimedTimer[]> {
    const rows = await claimDueTimers(db, this.schema, { ...args, token: randomUUID() });
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      dueAt: row.due_at,
      payload: row.payload,
      attempts: row.attempts,
      token: row.claim_token,
      claimedAt: args.now,
      latenessMs: Math.max(0, args.now.getTime() - row.due_at.getTime()),
    }));
  }

  /** Fires it (deletes it) in the transaction of its effect; false when the claim was lost (roll back). */
  complete(tx: Queryable, timer: ClaimedTimer): Promise<boolean> {
    return completeTimer(tx, this.schema, { id: timer.id, token: timer.token });
  }

  /**
   * Claims and fires (deletes, docs/adr/0059), in `tx`, up to `limit` timers due at `now`: the firing transaction's
   * own claim, with no lease (a rollback gives them back). Their handlers run in the same `tx`.
   */
  async fireDue(tx: Queryable, args: { now: Date; limit: number }): Promise<ClaimedTimer[]> {
    return (await this.fireDueAndLock(tx, args)).timers;
  }

  /** `fireDue`, and in the same statement the rows `lock` selects `FOR UPDATE` over the claimed timers (`ClaimLock`, docs/adr/0054). */
  async fireDueAndLock(tx: Queryable, args: { now: Date; limit: number; lock?: (fired: string) => string }): Promise<{ timers: ClaimedTimer[]; locked: unknown[] }> {
    const { timers, locked } = await fireDueTimers(tx, this.schema, args);
    return {
      timers: timers.map((row) => ({
        id: row.id,
        kind: row.kind,
        dueAt: row.due_at,
        payload: row.payload,
        attempts: row.attempts,
        token: '',
        claimedAt: args.now,
        latenessMs: Math.max(0, args.now.getTime() - row.due_at.getTime()),
      })),
      locked,
    };
  }

  /** `complete` for a batch, in one statement: the ids still claimed here, now fired (deleted) in `tx`. */
  completeAll(tx: Queryable, timers: readonly ClaimedTimer[]): Promise<Set<string>> {
    return completeTimers(tx, this.schema, { claims: timers });
  }

  release(db: Queryable, timer: ClaimedTimer, retryAt: Date, error: string): Promise<void> {
    return releaseTimer(db, this.schema, { id: timer.id, token: timer.token, retryAt, error });
  }

  nextDue(db: Queryable): Promise<Date | undefined> {
    return nextTimerDue(db, this.schema);
  }

  /** Timers claimable at `now` (counted up to `cap`) and the earliest one's claimable time: what the metrics report. */
  due(db: Queryable, now: Date, cap = 10_000): Promise<{ count: number; earliest?: Date }> {
    return dueTimers(db, this.schema, now, cap);
  }
}
