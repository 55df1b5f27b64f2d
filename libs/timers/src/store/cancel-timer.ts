import { rowsOf, type Queryable } from './sql';

/**
 * Deletes a pending timer; false when there was none (unknown, or already fired). A timer whose
 * handler is running is row-locked by it: the cancel waits for that commit and then finds it fired.
 */
export const cancelTimer = async (tx: Queryable, schema: string, id: string): Promise<boolean> =>
  rowsOf(await tx.query(`DELETE FROM "${schema}".timers WHERE id = $1 AND status = 'pending' RETURNING id`, [id])).length === 1;
