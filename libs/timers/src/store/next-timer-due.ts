import { rowsOf, type Queryable } from './sql';

/** When the earliest pending timer becomes claimable (the first entry of the partial index); undefined when none is pending. */
export const nextTimerDue = async (db: Queryable, schema: string): Promise<Date | undefined> =>
  rowsOf<{ next_attempt_at: Date }>(
    await db.query(`SELECT next_attempt_at FROM "${schema}".timers WHERE status = 'pending' ORDER BY next_attempt_at LIMIT 1`),
  )[0]?.next_attempt_at;
