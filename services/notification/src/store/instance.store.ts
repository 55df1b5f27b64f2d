import type { EntityManager } from 'typeorm';
import { rowsOf } from './webhook-rows';

/** A statement outside any transaction (the data source) or in one. */
type Queryable = Pick<EntityManager, 'query'>;

const T = 'notification.instances';

/**
 * SQL true when the instance `column` names is not alive: its row is gone (stopped, or pruned) or
 * its heartbeat is older than `$deadAfterMsParam` milliseconds.
 *
 * Liveness is the one thing measured by the database's clock (`now()`) rather than the injected
 * Clock: it is a fact about processes on real machines, the heartbeat and the judgment must read
 * the same clock, and a test's simulated time would otherwise declare every instance dead.
 */
export const instanceDeadSql = (column: string, deadAfterMsParam: string): string =>
  `NOT EXISTS (SELECT 1 FROM ${T} i WHERE i.id = ${column} AND i.heartbeat_at > now() - ${deadAfterMsParam}::int * interval '1 millisecond')`;

export const instanceStore = {
  /**
   * Registers the instance, or beats it: `heartbeat_at` is the database's `now()`. Returns how long
   * its previous beat was before this one, or null when it had no row (its first beat, or after a
   * stop or a prune: it was taken for dead, and its row is made again).
   */
  async beat(db: Queryable, instance: { id: string; host: string; pid: number }): Promise<{ sincePreviousMs: number | null }> {
    const rows = rowsOf<{ since_previous_ms: number | null }>(
      await db.query(
        `WITH previous AS (SELECT heartbeat_at FROM ${T} WHERE id = $1)
         INSERT INTO ${T} (id, started_at, heartbeat_at, host, pid) VALUES ($1, now(), now(), $2, $3)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
         RETURNING (extract(epoch FROM now() - (SELECT heartbeat_at FROM previous)) * 1000)::float8 AS since_previous_ms`,
        [instance.id, instance.host.slice(0, 255), instance.pid],
      ),
    );
    return { sincePreviousMs: rows[0]?.since_previous_ms ?? null };
  },

  /** A stopping instance's row: gone, so what it still holds is taken back at once. */
  async remove(db: Queryable, id: string): Promise<void> {
    await db.query(`DELETE FROM ${T} WHERE id = $1`, [id]);
  },

  /** Rows of instances silent for longer than `keptMs` (by the database's clock); their ids. */
  async pruneSilent(db: Queryable, keptMs: number): Promise<string[]> {
    const rows = rowsOf<{ id: string }>(await db.query(`DELETE FROM ${T} WHERE heartbeat_at < now() - $1::int * interval '1 millisecond' RETURNING id`, [keptMs]));
    return rows.map((r) => r.id);
  },
};
