/** Raised by infrastructure that is known to be temporarily away (database down, broker down). */
export class ServiceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
  }
}

// Socket errors (no server, no route, a name server that cannot answer yet) and SQLSTATEs: class 08
// (connection exception), 57P01-57P03 (server shutting down, crashed, starting up), 53300 (too many
// connections: full, retry later).
const CONNECTION_CODES = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|ENOTCONN|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|57P01|57P02|57P03|53300|08000|08001|08003|08004|08006)$/;
// `timeout exceeded when trying to connect`: pg-pool had no free connection in time (overload): 503, retry later.
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|terminating connection|Connection is not established|the database system is (starting up|shutting down)|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/**
 * ENOENT is a connection failure only from `connect`: a Unix-domain socket whose file is gone (the
 * server stopped; npm start reaches its PostgreSQL that way). A missing file elsewhere is a fault.
 */
const isSocketGone = (error: { code?: unknown; syscall?: unknown }): boolean => error.code === 'ENOENT' && error.syscall === 'connect';

/**
 * True when an error (or one of its causes) means a dependency is unreachable rather than that
 * the work itself is wrong: such work is retried, never dead-lettered, and HTTP answers 503.
 */
export const isConnectionFailure = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    if (current instanceof ServiceUnavailableError) return true;
    // TypeORM releases a transaction's connection when the server drops it mid-transaction.
    // A request's statement PostgreSQL did not answer within DB_ANSWER_TIMEOUT_MS (libs/persistence answer-bound.ts).
    if (/^(QueryRunner(Provider)?AlreadyReleasedError|DatabaseDidNotAnswer)$/.test(String((current as { name?: unknown }).name))) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.test(code)) return true;
    if (isSocketGone(current as { code?: unknown; syscall?: unknown })) return true;
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
    current = (current as { cause?: unknown; driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
};

/** True when a request's statement had no answer within DB_ANSWER_TIMEOUT_MS (libs/persistence answer-bound.ts): one kind of connection failure. */
export const isUnansweredStatement = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    if ((current as { name?: unknown }).name === 'DatabaseDidNotAnswer') return true;
    current = (current as { cause?: unknown; driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
};
