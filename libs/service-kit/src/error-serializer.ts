import { stdSerializers } from 'pino';

const REDACTED = '[redacted]';
// Shorter parameter values are left in messages: `en` or `open` would only garble a message's own
// words, and carry no secret worth the loss.
const MIN_REDACTED_LENGTH = 4;
const MAX_DEPTH = 6;

type Plain = { [key: string]: unknown };

const isObject = (value: unknown): value is Plain => typeof value === 'object' && value !== null;

/**
 * PostgreSQL's error fields (node-postgres `DatabaseError`, copied onto TypeORM's
 * `QueryFailedError` beside `query` and `parameters`).
 */
const isStatementError = (value: Plain): boolean =>
  Array.isArray(value.parameters) || (typeof value.severity === 'string' && typeof value.code === 'string' && ('routine' in value || 'file' in value));

/**
 * What a statement error may carry of the values it ran with: `parameters` (TypeORM), `detail`
 * (`Key (body)=(…) already exists`), `where` (`JSON data, line 1: …`, a portal's parameter) and
 * `driverError` (the same fields again, under the driver's error).
 */
const STATEMENT_VALUE_KEYS = new Set(['parameters', 'detail', 'where', 'driverError']);

/** Errors reachable from `error`: itself, its causes, the driver's error, an aggregate's errors. */
const reachableErrors = (error: unknown): Plain[] => {
  const found: Plain[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (!isObject(value) || found.includes(value) || depth > MAX_DEPTH) return;
    found.push(value);
    for (const key of ['cause', 'driverError', 'errors']) {
      const next = value[key];
      if (Array.isArray(next)) for (const item of next) visit(item, depth + 1);
      else visit(next, depth + 1);
    }
  };
  visit(error, 0);
  return found;
};

/** Every string parameter of those statements, longest first (a value containing another is replaced whole). */
const statementValues = (errors: readonly Plain[]): string[] => {
  const values = new Set<string>();
  for (const error of errors) {
    if (!Array.isArray(error.parameters)) continue;
    for (const parameter of error.parameters.flat(2)) if (typeof parameter === 'string' && parameter.length >= MIN_REDACTED_LENGTH) values.add(parameter);
  }
  return [...values].sort((a, b) => b.length - a.length);
};

// SQLSTATE class 22 (data exception) messages quote the value they refused:
// `invalid input syntax for type uuid: "…"`. Other classes quote names (constraints, columns).
const DATA_EXCEPTION = /^22/;
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

const escaped = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD = 'A-Za-z0-9_';

/**
 * Each value replaced where it stands alone, not inside a longer word: a short parameter such as
 * `event` would otherwise turn `webhook_events` into `webhook_[redacted]s`. A secret inside a longer
 * word of a message is one that message made up itself, not an echo of the parameter.
 */
const standingAlone = (value: string): RegExp => {
  const before = new RegExp(`^[${WORD}]`).test(value) ? `(?<![${WORD}])` : '';
  const after = new RegExp(`[${WORD}]$`).test(value) ? `(?![${WORD}])` : '';
  return new RegExp(`${before}${escaped(value)}${after}`, 'g');
};
const withoutValues = (text: string, values: readonly string[]): string =>
  values.reduce((redacted, value) => redacted.replace(standingAlone(value), REDACTED), text);

/** A V8 stack frame (`    at fn (file:line:col)`): the code's own place, never a value; left whole. */
const STACK_FRAME = /^\s+at \S/;

const cleanText = (text: string, values: readonly string[], dataException: boolean): string => {
  const redacted = withoutValues(text, values);
  return dataException ? redacted.replace(QUOTED, `"${REDACTED}"`) : redacted;
};

/** A stack's message lines (its own, a cause's after `caused by:`) are cleaned; its frames are not. */
const cleanStack = (stack: string, values: readonly string[], dataException: boolean): string =>
  stack
    .split('\n')
    .map((line) => (STACK_FRAME.test(line) ? line : cleanText(line, values, dataException)))
    .join('\n');

const clean = (value: unknown, values: readonly string[], dataException: boolean, depth: number, key?: string): unknown => {
  if (typeof value === 'string') return key === 'stack' ? cleanStack(value, values, dataException) : cleanText(value, values, dataException);
  if (!isObject(value) || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, values, dataException, depth + 1));
  const statement = isStatementError(value);
  const copy: Plain = {};
  for (const [key, field] of Object.entries(value)) {
    if (statement && STATEMENT_VALUE_KEYS.has(key)) continue;
    copy[key] = clean(field, values, dataException, depth + 1, key);
  }
  return copy;
};

/**
 * pino's `err` serializer, without the values of failed statements (the security standard: secrets
 * never in logs). A database error keeps what an operator needs (its code, severity, routine,
 * table, constraint, the statement's text with its `$n` placeholders) and loses `parameters`,
 * `detail`, `where` and the driver's copy of them; any parameter value its message or stack (or a
 * wrapping error's, which repeat the cause's) still echoes, as a word of its own, is replaced by
 * `[redacted]`, as are the quoted values of a data exception's message (docs/adr/0007, addendum of
 * 2026-12-04, second session). A stack's frames are left whole: they name the code's files and
 * functions, never a value (addendum of the fifth session).
 */
export const serializeError = (error: unknown): unknown => {
  const serialized: unknown = stdSerializers.err(error as Error);
  const statements = reachableErrors(error).filter(isStatementError);
  if (statements.length === 0) return serialized;
  const dataException = statements.some((e) => typeof e.code === 'string' && DATA_EXCEPTION.test(e.code));
  return clean(serialized, statementValues(statements), dataException, 0);
};
