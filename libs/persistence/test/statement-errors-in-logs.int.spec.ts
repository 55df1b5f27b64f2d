import pino from 'pino';
import type { DataSource } from 'typeorm';
import { loggerOptions } from '@tss/service-kit';
import { logCapture } from '@tss/service-kit/testing';
import { createServiceDataSource } from '../src/data-source';
import { createTestDatabase, type TestDatabase } from '../src/testing';

const SECRET = 'LoggedPw#555';

/** The error a statement fails with, as the code that ran it would catch it. */
const failureOf = async (run: () => Promise<unknown>): Promise<unknown> =>
  run().then(
    () => {
      throw new Error('the statement was expected to fail');
    },
    (error: unknown) => error,
  );

// The security standard and ADR 0007: secrets never in logs. TypeORM's QueryFailedError carries the
// statement's parameters, and PostgreSQL echoes values in `detail`, `where` and some messages; the
// platform's logger writes none of them (docs/adr/0007, addendum of 2026-12-04, second session).
describe('a failing statement in the logs', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('statement_errors_in_logs', { from: 'empty' });
    dataSource = createServiceDataSource({ url: db.url, schema: 'public', poolSize: 1 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE mails (body text PRIMARY KEY, attachments jsonb NOT NULL)');
    await dataSource.query(`INSERT INTO mails VALUES ($1, '[]')`, [`my login: ann password: ${SECRET}`]);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it.each([
    ['a NUL in jsonb (22P05)', '22P05', () => dataSource.query(`INSERT INTO mails VALUES ($1, $2)`, [`password ${SECRET} again`, JSON.stringify([{ filename: `a\u0000${SECRET}` }])])],
    ['a duplicate key, echoed in detail (23505)', '23505', () => dataSource.query(`INSERT INTO mails VALUES ($1, '[]')`, [`my login: ann password: ${SECRET}`])],
    ['a value the type refuses, echoed in the message (22P02)', '22P02', () => dataSource.query(`SELECT $1::uuid`, [SECRET])],
  ])('%s: logged with its code and statement, never a parameter value', async (_case, code, statement) => {
    const error = await failureOf(statement);
    expect(JSON.stringify(error)).toContain(SECRET); // what TypeORM hands the code that logs it
    const { lines, stream } = logCapture();
    const logger = pino(loggerOptions('test', 'info'), stream);
    logger.warn({ err: error }, 'statement failed');
    logger.error({ err: new Error('recording the mail failed', { cause: error }) }, 'wrapped');
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toHaveLength(2);
    const written = JSON.stringify(lines);
    expect(written).not.toContain(SECRET);
    expect(written).not.toContain('password');
    expect(lines[0]!.err).toMatchObject({ type: 'QueryFailedError', code, query: expect.stringMatching(/\$1/) });
  });

  it('a parameter value that is also a word of the code (`statement`, `errors`) leaves stack frames and other words whole', async () => {
    // This file's frames read `…/persistence/test/statement-errors-in-logs.int.spec.ts`.
    const error = await failureOf(() => dataSource.query(`SELECT $1::text, $2::text, $3::uuid`, ['statement', 'errors', SECRET]));
    const { lines, stream } = logCapture();
    const logger = pino(loggerOptions('test', 'info'), stream);
    logger.error({ err: new Error('recording the statements errored', { cause: error }) }, 'wrapped');
    await new Promise((resolve) => setImmediate(resolve));

    const err = lines[0]!.err as { message: string; stack: string };
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    // pino writes the cause's stack after the error's own (`caused by: QueryFailedError: …`).
    const frames = err.stack.split('\n').filter((line) => /^\s+at /.test(line));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((line) => line.includes('[redacted]'))).toEqual([]);
    expect(frames.some((line) => line.includes('statement-errors-in-logs.int.spec.ts'))).toBe(true);
    // The message's words are whole words: only a value standing alone is taken for a parameter.
    expect(err.message).toBe('recording the statements errored: invalid input syntax for type uuid: "[redacted]"');
  });
});
