import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from 'pg';

/**
 * How long a statement sent for an API request may wait for PostgreSQL's answer (DB_ANSWER_TIMEOUT_MS,
 * docs/adr/0073). Set for the duration of a request by the HTTP edge (`withAnswerBound`); statements
 * sent outside one (relays, consumers, timers, migrations) have no bound: a migration on a big table
 * may take minutes.
 */
interface AnswerBound {
  timeoutMs: number;
}

const requestBound = new AsyncLocalStorage<AnswerBound>();

/** Runs `work` (and what it awaits) with its statements bound to `timeoutMs` each. */
export const withAnswerBound = <T>(timeoutMs: number, work: () => T): T => requestBound.run({ timeoutMs }, work);

/**
 * A statement sent for a request had no answer within its bound: the server is frozen, unreachable
 * without a reset, or stuck behind a lock. Its connection was closed, so it never goes back to the
 * pool busy. Whether the statement took effect is unknown (a COMMIT may have reached the server).
 */
export class DatabaseDidNotAnswer extends Error {
  constructor(readonly timeoutMs: number) {
    super(`PostgreSQL did not answer within ${timeoutMs} ms (DB_ANSWER_TIMEOUT_MS); the connection was closed`);
  }
}
DatabaseDidNotAnswer.prototype.name = 'DatabaseDidNotAnswer';

/**
 * The pool's client. pg's own `query_timeout` fails the caller but leaves the statement in flight on
 * the connection, which then goes back to the pool still waiting (node-postgres answers a later
 * statement only after it); this one closes the socket instead: the pool drops the client on
 * release (no longer queryable), and PostgreSQL rolls back what the session had open once it
 * sees the connection gone.
 */
export class AnswerBoundClient extends Client {}

type Query = (this: Client, ...args: unknown[]) => unknown;

// Assigned, not overridden (pg's overloads), and calling Client.prototype.query when called, so the
// prepared statements' wrapper (prepared-statements.ts), installed later, still applies.
(AnswerBoundClient.prototype as unknown as { query: Query }).query = function query(this: Client, ...args: unknown[]): unknown {
  const bound = requestBound.getStore();
  const pending = (Client.prototype as unknown as { query: Query }).query.apply(this, args);
  // Callback and submittable forms (cursors, streams) are not the pool's TypeORM statements: unbounded.
  if (!bound || !(pending instanceof Promise)) return pending;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new DatabaseDidNotAnswer(bound.timeoutMs));
      // The statement's own failure ("Connection terminated") follows; its caller has its answer.
      pending.catch(() => undefined);
      (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    }, bound.timeoutMs);
    pending.then(
      (result: unknown) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
};
