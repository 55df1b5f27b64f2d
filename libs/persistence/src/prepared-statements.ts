import { createHash } from 'node:crypto';
import { Client } from 'pg';

/**
 * Server-side prepared statements for the hot statements (docs/adr/0058).
 *
 * node-postgres sends a statement with parameters as an unnamed statement. PostgreSQL then parses
 * and plans it on every execution. In services mode at 50 tickets/s, planning took 2.8 ms per
 * ticket against 4.0 ms of execution: a batch claim's plan cost four times its run. A named
 * statement is parsed once per connection, and after five executions PostgreSQL may keep a
 * generic plan and plan no more. PgJDBC (`prepareThreshold`) and Npgsql (auto-prepare) do this
 * for every statement; node-postgres does it only for a query given a `name`.
 *
 * The statements are opted in one by one, not all at once. A generic plan is chosen from estimates
 * without the parameters' values, which suits keyed lookups, inserts and batches over `unnest`. It
 * can mislead a range over skewed data. Each service wraps its hot SQL text in `prepared()`. Once
 * `usePreparedStatements()` has run in the process, every pg client (TypeORM's pools and the raw
 * clients alike) sends a registered text with parameters as a named statement. Nothing else
 * changes for the caller: TypeORM's results, errors and logging, the tracing of `pg`.
 */

interface Entry {
  readonly base: string;
  /** Bumped when PostgreSQL refuses a cached statement (its tables changed): every connection prepares it again, under a new name. */
  generation: number;
}

const statements = new Map<string, Entry>();

/**
 * At most this many texts are marked in a process; later ones run unnamed. Each marked text is a
 * fixed statement of the code, so a process marks a few dozen: the bound only keeps a text built
 * from data by mistake from growing every connection's statements on the server.
 */
const MAX_STATEMENTS = 512;

/**
 * Marks `text` to run as a prepared statement; returns it unchanged. For fixed texts (a schema
 * name may be part of one), never for text built from data. Cheap enough to call on each
 * execution: one map lookup once the text is known.
 */
export const prepared = (text: string): string => {
  if (!statements.has(text) && statements.size < MAX_STATEMENTS) {
    statements.set(text, { base: `tss_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, generation: 0 });
  }
  return text;
};

/** The statement name `text` runs under now, or undefined if it was never marked `prepared`. */
export const preparedName = (text: string): string | undefined => {
  const entry = statements.get(text);
  return entry && `${entry.base}_${entry.generation}`;
};

/** PostgreSQL's answer when a prepared statement's tables changed under it (a migration): `cached plan must not change result type`. */
const isStalePlan = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: string }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));

let installed = false;

/**
 * Turns `prepared()` on for this process: pg's `Client.prototype.query` sends a registered text
 * with parameters as a named statement. Idempotent. A stale statement fails once (the caller's
 * retry, or the consumer's, runs it again) and is prepared afresh on its next use.
 */
export const usePreparedStatements = (): void => {
  if (installed) return;
  installed = true;
  type Query = (this: Client, ...args: unknown[]) => unknown;
  const proto = Client.prototype as unknown as { query: Query };
  const original = proto.query;
  proto.query = function query(this: Client, ...args: unknown[]): unknown {
    const [text, values, callback] = args;
    const entry = typeof text === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined ? statements.get(text) : undefined;
    if (!entry) return original.apply(this, args);
    const result = original.call(this, { name: `${entry.base}_${entry.generation}`, text, values }) as Promise<unknown>;
    const generation = entry.generation;
    return result.catch((error: unknown) => {
      if (isStalePlan(error) && entry.generation === generation) entry.generation += 1;
      throw error;
    });
  };
};
