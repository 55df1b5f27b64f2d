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
});
