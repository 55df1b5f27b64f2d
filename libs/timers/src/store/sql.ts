/** Anything that runs SQL: a transaction's EntityManager, or the DataSource for a statement of its own. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The rows of a statement. TypeORM's PostgreSQL driver hands UPDATE and DELETE back as
 * `[rows, rowCount]` and everything else as the rows.
 */
export const rowsOf = <R>(result: unknown): R[] => {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as R[];
  return result as R[];
};

export interface TimerRow {
  id: string;
  kind: string;
  due_at: Date;
  payload: unknown;
  attempts: number;
  claim_token: string;
}
