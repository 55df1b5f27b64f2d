import { SchemaNeedsNewerRelease } from '@tss/persistence';
import { ConfigError } from '@tss/service-kit';
import { CannotListen } from './listen-failure';
import { PendingMigrations } from './service-host';
import { DatabaseRefused, DatabaseUnreachable } from './wait-for-database';

/** `main.js migrate` failed (its cause says why): reported as a failed migration, not a failed start. */
export class MigrationFailed extends Error {
  constructor(cause: unknown) {
    super('migration failed', { cause });
  }
}
MigrationFailed.prototype.name = 'MigrationFailed';

/**
 * Failures an operator meets and fixes outside the code (the database, its URL, the schema's
 * state, a setting, a port another process holds): their message says everything, and a stack
 * under it reads like a crash.
 */
const EXPECTED = [DatabaseUnreachable, DatabaseRefused, SchemaNeedsNewerRelease, PendingMigrations, ConfigError, CannotListen];

export const isExpectedStartFailure = (error: unknown): boolean => EXPECTED.some((kind) => error instanceof kind);

/**
 * The line a process leaves on stderr when its start (or `migrate`) fails: `<name> failed to start:`
 * or `<name> migration failed:`, then the failure's message alone when it is expected, its stack
 * when it is a fault (or with `withStack`: LOG_LEVEL debug or trace).
 */
export const describeStartFailure = (name: string, error: unknown, { withStack = false }: { withStack?: boolean } = {}): string => {
  const migration = error instanceof MigrationFailed;
  const failure = migration ? error.cause : error;
  const headline = `${name} ${migration ? 'migration failed' : 'failed to start'}:`;
  if (!(failure instanceof Error)) return `${headline} ${String(failure)}`;
  if (!isExpectedStartFailure(failure)) return `${headline} ${failure.stack ?? failure.message}`;
  return withStack ? `${headline} ${failure.message}\n${failure.stack ?? ''}` : `${headline} ${failure.message}`;
};
