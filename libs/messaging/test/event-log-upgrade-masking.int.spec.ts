import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskKeptLogEntries1765501360000 } from '../src/in-process/mask-kept-log-entries.migration';
import { UpgradedEventLog } from '../src/testing/older-event-log';

const PASSWORD = 'Hunter2!x';
const REMOVED = '[access particulars removed]';

// P9 (docs/adr/0026, addendum of 2026-12-04, fourth session): the in-process log is never pruned
// (docs/adr/0032), so every event an older release published (a ticket's subject, an answer, a
// rating's comment, a mail's text) stayed in it as written. On upgrade each entry's data is masked;
// `inTransit` is left for the vault, the log scrubs it once every group has read the entry.
describe('upgrade: the in-process log’s entries kept in clear (migration 1765501360000)', () => {
  let db: TestDatabase;
  let log: UpgradedEventLog;

  beforeAll(async () => {
    db = await createTestDatabase('event_log_masking', { from: 'empty' });
    // The log as an older release left it: its first migration, and entries as it appended them.
    log = await UpgradedEventLog.create(db.url, 1765501360000, {
      created: { topic: 'tss.ticket', value: JSON.stringify({ partnerId: 'p-1', sequence: 1, subject: `Reader rejects us, pwd: ${PASSWORD}`, missingDetails: [] }) },
      mail: { topic: 'tss.notification', value: JSON.stringify({ messageId: '<m@x>', subject: 'access', text: `Here. login: ann2 password: ${PASSWORD}` }) },
      rated: { topic: 'tss.rating', value: JSON.stringify({ score: 1, comment: `Still broken. ${REMOVED}`, inTransit: { comment: `Still broken. password: ${PASSWORD}` } }) },
      plain: { topic: 'tss.ticket', value: JSON.stringify({ partnerId: 'p-1', reason: 'The forgot password page works again.' }) },
      notJson: { topic: 'lock-test', value: 'a' },
      empty: { topic: 'tss.ticket', value: null },
    });
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const values = () => log.texts();

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
    await log.runAgain(new MaskKeptLogEntries1765501360000());
    expect(await values()).toEqual(before);
  });
});
