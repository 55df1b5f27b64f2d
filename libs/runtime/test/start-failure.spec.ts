import { SchemaNeedsNewerRelease } from '@tss/persistence';
import { ConfigError } from '@tss/service-kit';
import { CannotListen, describeStartFailure, MigrationFailed, PendingMigrations } from '../src';
import { DatabaseRefused, DatabaseUnreachable } from '../src/wait-for-database';

const STACK_FRAME = /^\s+at /m;

describe('describeStartFailure: the line a failed start leaves on stderr', () => {
  const refused = new DatabaseRefused({ code: '28P01', message: 'password authentication failed for user "tss"' });
  const unreachable = new DatabaseUnreachable(300_000, 17, Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }));

  it('what an operator fixes outside the code is its message alone, under the right verb', () => {
    expect(describeStartFailure('gateway', refused)).toBe('gateway failed to start: PostgreSQL refused DATABASE_URL: password authentication failed for user "tss" (SQLSTATE 28P01)');
    expect(describeStartFailure('gateway', new MigrationFailed(unreachable))).toBe(
      'gateway migration failed: PostgreSQL (DATABASE_URL) did not accept connections within 300000 ms (DB_CONNECT_TIMEOUT_MS), 17 attempts; last: connect ECONNREFUSED 10.0.0.5:5432',
    );
    expect(describeStartFailure('rating', new PendingMigrations('rating'))).toBe('rating failed to start: rating: pending migrations; run its migrate command first (or set MIGRATE_ON_START=true)');
    const floor = new SchemaNeedsNewerRelease('sla_timer', [{ migration: 'M1765999999999', recordedBy: 'M1765999999999', reason: 'a column is dropped' }], 'M1765000000000');
    expect(describeStartFailure('sla-timer', floor)).toBe(`sla-timer failed to start: ${floor.message}`);
    expect(describeStartFailure('gateway', new ConfigError(['TSS_JWKS_URL is required']))).toBe('gateway failed to start: Invalid configuration:\n  - TSS_JWKS_URL is required');
    const busy = new CannotListen('PORT 8080 on 127.0.0.1 is in use (EADDRINUSE): another process listens there', Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }));
    expect(describeStartFailure('gateway', busy)).toBe('gateway failed to start: PORT 8080 on 127.0.0.1 is in use (EADDRINUSE): another process listens there');
    for (const failure of [refused, unreachable, floor, busy]) expect(describeStartFailure('x', failure)).not.toMatch(STACK_FRAME);
  });

  it('a fault keeps its stack; at debug, so does an expected failure, under its one line', () => {
    const fault = new TypeError("Cannot read properties of undefined (reading 'schema')");
    const described = describeStartFailure('notification', fault);
    expect(described.split('\n')[0]).toBe("notification failed to start: TypeError: Cannot read properties of undefined (reading 'schema')");
    expect(described).toMatch(STACK_FRAME);
    expect(describeStartFailure('notification', new MigrationFailed(fault))).toMatch(/^notification migration failed: TypeError: [^\n]*\n\s+at /);
    const debug = describeStartFailure('gateway', refused, { withStack: true });
    expect(debug.startsWith('gateway failed to start: PostgreSQL refused DATABASE_URL: password authentication failed for user "tss" (SQLSTATE 28P01)\n')).toBe(true);
    expect(debug).toMatch(STACK_FRAME);
    expect(describeStartFailure('gateway', 'a string thrown')).toBe('gateway failed to start: a string thrown');
  });
});
