import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { EventLog } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA, EventLogTables1764900000000 } from '../src/in-process/event-log.migration';
import { MaskKeptLogEntries1765501360000 } from '../src/in-process/mask-kept-log-entries.migration';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): the in-process log is never pruned
// (docs/adr/0032), so every event an older release published (a ticket's subject, an answer, a
// rating's comment, a mail's text) stayed in it as written. On upgrade each entry's data is masked;
// `inTransit` is left for the vault, the log scrubs it once every group has read the entry.
describe('upgrade: the in-process log’s entries kept in clear (migration 1765501360000)', () => {
  let db: TestDatabase;
  let log: EventLog | undefined;
  const offsets: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('event_log_masking', { from: 'empty' });
    // The log as an older release left it: its first migration, and entries as it appended them.
    const older = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, migrations: [EventLogTables1764900000000], poolSize: 1 });
    await initializeAndMigrate(older);
    const entry = async (name: string, topic: string, value: string | null) => {
      const [{ offset }] = (await older.query(
        `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ($1, 'k', '{"content-type":"application/json"}', convert_to($2, 'UTF8')) RETURNING log_offset::text AS offset`,
        [topic, value],
      )) as { offset: string }[];
      offsets[name] = offset;
    };
    await entry('created', 'tss.ticket', JSON.stringify({ partnerId: 'p-1', sequence: 1, subject: `Reader rejects us, pwd: ${PASSWORD}`, missingDetails: [] }));
    await entry('mail', 'tss.notification', JSON.stringify({ messageId: '<m@x>', subject: 'access', text: `Here. login: ann2 password: ${PASSWORD}` }));
    await entry('rated', 'tss.rating', JSON.stringify({ score: 1, comment: `Still broken. ${REMOVED}`, inTransit: { comment: `Still broken. password: ${PASSWORD}` } }));
    await entry('plain', 'tss.ticket', JSON.stringify({ partnerId: 'p-1', reason: 'The forgot password page works again.' }));
    await entry('notJson', 'lock-test', 'a');
    await entry('empty', 'tss.ticket', null);
    await older.destroy();
    log = await EventLog.open(db.url);
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const values = async () =>
    Object.fromEntries(
      (await log!.read(['tss.ticket', 'tss.notification', 'tss.rating', 'lock-test'], '0', 100)).map((e) => [
        Object.keys(offsets).find((name) => offsets[name] === e.offset),
        e.value === null ? null : e.value.toString('utf8'),
      ]),
    );

  it('P9: every entry’s data is masked where it held particulars, and stays JSON; in-transit data and other entries stay as written', async () => {
    const kept = await values();
    expect(JSON.parse(kept.created!)).toEqual({ partnerId: 'p-1', sequence: 1, subject: `Reader rejects us, ${REMOVED}`, missingDetails: [] });
    expect(JSON.parse(kept.mail!)).toEqual({ messageId: '<m@x>', subject: 'access', text: `Here. ${REMOVED}` });
    expect(JSON.parse(kept.rated!)).toEqual({ score: 1, comment: `Still broken. ${REMOVED}`, inTransit: { comment: `Still broken. password: ${PASSWORD}` } });
    expect(kept.plain).toBe(JSON.stringify({ partnerId: 'p-1', reason: 'The forgot password page works again.' }));
    expect(kept.notJson).toBe('a');
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    const dataSource = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, poolSize: 1 });
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await new MaskKeptLogEntries1765501360000().up(runner);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
    expect(await values()).toEqual(before);
  });
});
