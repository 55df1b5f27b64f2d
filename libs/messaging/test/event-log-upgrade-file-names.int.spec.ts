import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskKeptLogFileNames1765604110000 } from '../src/in-process/mask-kept-log-file-names.migration';
import { UpgradedEventLog } from '../src/testing/older-event-log';

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
  let log: UpgradedEventLog;

  beforeAll(async () => {
    db = await createTestDatabase('event_log_file_names', { from: 'empty' });
    // The log as an older release left it: migrated up to its own masking, then appended to.
    const received = 'notification.email_received';
    const mail = (value: string | null, as?: 'copied') => ({ topic: 'tss.notification', headers: headersOf(received), value, as });
    const textInTransit = { subject: 'Screenshots', text: 'login: ann password: TextPw#9900' };
    const namesInTransit = [pointer(1, `password ${TRANSIT_PASSWORD}.png`)];
    log = await UpgradedEventLog.create(db.url, 1765604100000, {
      published: mail(JSON.stringify(mailData(leaky))),
      copied: mail(JSON.stringify(mailData(leaky)), 'copied'),
      textInTransit: mail(JSON.stringify(mailData(leaky, { text: `login: ann ${REMOVED}`, inTransit: textInTransit }))),
      namesInTransit: mail(JSON.stringify(mailData([{ ...namesInTransit[0], filename: `${REMOVED}.png` }], { inTransit: { subject: 'Screenshots', text: 'See the files.', attachmentPointers: namesInTransit } }))),
      deadLettered: { topic: 'tss.dead-letter', headers: headersOf(received, { 'dlq-reason': 'boom', 'dlq-group': 'ticket-intake', 'dlq-topic': 'tss.notification' }), value: JSON.stringify(mailData(leaky)) },
      refused: { topic: 'tss.ticket', headers: headersOf('ticket.attachments_refused'), value: JSON.stringify(refusedData(`pwd=${EXE_PASSWORD}&co.exe`)) },
      otherType: { topic: 'tss.ticket', headers: headersOf('ticket.created'), value: JSON.stringify({ subject: 'password reset page.png', sequence: 1 }) },
      notJson: mail('a'),
      empty: mail(null),
    });
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const values = () => log.texts();
  const data = (name: string) => log.data(name);

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
    await log.runAgain(new MaskKeptLogFileNames1765604110000());
    expect(await values()).toEqual(before);
  });
});
