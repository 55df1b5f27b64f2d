import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { EventLog } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA, EventLogTables1764900000000 } from '../src/in-process/event-log.migration';
import { MaskKeptLogEntries1765501360000 } from '../src/in-process/mask-kept-log-entries.migration';
import { MaskKeptLogFileNames1765604110000 } from '../src/in-process/mask-kept-log-file-names.migration';

const PASSWORD = 'FilePw#1122';
const EXE_PASSWORD = 'ExePw#6655';
const TRANSIT_PASSWORD = 'TransitPw#5500';
const REMOVED = '[access particulars removed]';
const SHA = 'a'.repeat(64);

interface Pointer {
  storageKey: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

const pointer = (n: number, filename: string, contentType = 'image/png'): Pointer => ({ storageKey: `inbound-mail/m/${n}`, filename, contentType, size: 10, sha256: SHA });
const leaky = [pointer(1, `password ${PASSWORD}.png`), pointer(2, 'password reset page.png')];
const leakyMasked = [{ ...leaky[0], filename: `${REMOVED}.png` }, leaky[1]];
const mailData = (attachmentPointers: Pointer[], extra: Record<string, unknown> = {}) => ({
  ticketId: '6f1c1a52-7a8e-4c1e-9b1e-2f4f1c1a5e00',
  messageId: '<m@client.example>',
  from: 'ann@client.example',
  subject: 'Screenshots',
  text: 'See the files.',
  ...extra,
  attachmentPointers,
  receivedAt: '2026-12-04T09:00:00.000Z',
});
const refusedData = (fileName: string) => ({
  partnerId: '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11',
  sequence: 3,
  messageId: '9d2f5b7c-3a4e-4f1b-8c6d-1e2f3a4b5c6d',
  channel: 'email',
  fromRequester: true,
  files: [
    { fileName, reason: 'unsupported_type' },
    { fileName: 'setup.exe', reason: 'unsupported_type' },
  ],
  refusedAt: '2026-12-04T09:00:02.000Z',
});
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0070, addendum of 2026-12-05, second session): notification's migration
// 1765603900000 masked the mailed file names notification keeps, not the in-process log's copies.
// Entries appended between the log's own masking (1765501360000) and df202f3 carry them as sent.
describe('upgrade: mailed file names the in-process log kept in clear (migration 1765604110000)', () => {
  let db: TestDatabase;
  let sql: Client;
  const offsets: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('event_log_file_names', { from: 'empty' });
    // The log as an older release left it: migrated up to its own masking, then appended to.
    const older = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, migrations: [EventLogTables1764900000000, MaskKeptLogEntries1765501360000], poolSize: 1 });
    await initializeAndMigrate(older);
    const entry = async (name: string, topic: string, headers: Record<string, string>, value: string | null, as: 'published' | 'copied' = 'published') => {
      // `publish` wrote JSON.stringify's text; the relay's copy (docs/adr/0053) the data as jsonb prints it.
      const encoded = as === 'copied' ? `convert_to(($3::jsonb)::text, 'UTF8')` : `convert_to($3, 'UTF8')`;
      const [{ offset }] = (await older.query(
        `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ($1, 'k', $2, ${encoded}) RETURNING log_offset::text AS offset`,
        [topic, headers, value],
      )) as { offset: string }[];
      offsets[name] = offset;
    };
    const received = 'notification.email_received';
    await entry('published', 'tss.notification', headersOf(received), JSON.stringify(mailData(leaky)));
    await entry('copied', 'tss.notification', headersOf(received), JSON.stringify(mailData(leaky)), 'copied');
    const textInTransit = { subject: 'Screenshots', text: 'login: ann password: TextPw#9900' };
    await entry('textInTransit', 'tss.notification', headersOf(received), JSON.stringify(mailData(leaky, { text: `login: ann ${REMOVED}`, inTransit: textInTransit })));
    const namesInTransit = [pointer(1, `password ${TRANSIT_PASSWORD}.png`)];
    await entry('namesInTransit', 'tss.notification', headersOf(received), JSON.stringify(mailData([{ ...namesInTransit[0], filename: `${REMOVED}.png` }], { inTransit: { subject: 'Screenshots', text: 'See the files.', attachmentPointers: namesInTransit } })));
    await entry('deadLettered', 'tss.dead-letter', headersOf(received, { 'dlq-reason': 'boom', 'dlq-group': 'ticket-intake', 'dlq-topic': 'tss.notification' }), JSON.stringify(mailData(leaky)));
    await entry('refused', 'tss.ticket', headersOf('ticket.attachments_refused'), JSON.stringify(refusedData(`pwd=${EXE_PASSWORD}&co.exe`)));
    await entry('otherType', 'tss.ticket', headersOf('ticket.created'), JSON.stringify({ subject: 'password reset page.png', sequence: 1 }));
    await entry('notJson', 'tss.notification', headersOf(received), 'a');
    await entry('empty', 'tss.notification', headersOf(received), null);
    await older.destroy();
    await (await EventLog.open(db.url)).close();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  const values = async (): Promise<Record<string, string | null>> => {
    const { rows } = await sql.query<{ offset: string; value: string | null }>(
      `SELECT log_offset::text AS offset, convert_from(value, 'UTF8') AS value FROM "${EVENT_LOG_SCHEMA}".messages ORDER BY log_offset`,
    );
    return Object.fromEntries(rows.map((r) => [Object.keys(offsets).find((name) => offsets[name] === r.offset)!, r.value]));
  };
  const data = async (name: string): Promise<unknown> => JSON.parse((await values())[name]!) as unknown;

  it('P9: no entry of the log holds a password written into a file name any more', async () => {
    const holding: string[] = [];
    for (const [name, value] of Object.entries(await values())) {
      for (const password of [PASSWORD, EXE_PASSWORD]) if (value?.includes(password)) holding.push(`${name}: ${password}`);
    }
    expect(holding).toEqual([]);
  });

  it('P9: an email_received entry, published or copied, carries each name masked, its extension kept; other names and fields stay', async () => {
    expect(await data('published')).toEqual(mailData(leakyMasked));
    expect(await data('copied')).toEqual(mailData(leakyMasked));
    // A dead letter in the log is the event as it came: masked as well.
    expect(await data('deadLettered')).toEqual(mailData(leakyMasked));
  });

  it('P9: the data in transit is left as it is: the log removes it once every group has read the entry (docs/adr/0070)', async () => {
    expect(await data('textInTransit')).toEqual(mailData(leakyMasked, { text: `login: ann ${REMOVED}`, inTransit: { subject: 'Screenshots', text: 'login: ann password: TextPw#9900' } }));
    const inTransit = [pointer(1, `password ${TRANSIT_PASSWORD}.png`)];
    expect(await data('namesInTransit')).toEqual(mailData([{ ...inTransit[0], filename: `${REMOVED}.png` }], { inTransit: { subject: 'Screenshots', text: 'See the files.', attachmentPointers: inTransit } }));
  });

  it('P9: a ticket.attachments_refused entry names the refused files masked', async () => {
    expect(await data('refused')).toEqual(refusedData(`${REMOVED}&co.exe`));
  });

  it('other entries stay as written', async () => {
    const kept = await values();
    expect(kept.otherType).toBe(JSON.stringify({ subject: 'password reset page.png', sequence: 1 }));
    expect(kept.notJson).toBe('a');
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    const dataSource = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, poolSize: 1 });
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await new MaskKeptLogFileNames1765604110000().up(runner);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
    expect(await values()).toEqual(before);
  });
});
