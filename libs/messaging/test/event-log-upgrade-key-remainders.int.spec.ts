import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskKeptLogKeyRemainders1765606550000 } from '../src/in-process/mask-kept-log-key-remainders.migration';
import { UpgradedEventLog } from '../src/testing/older-event-log';

const MARK = 'PRIVKEYMARK44L';
const REMOVED = '[access particulars removed]';
const VAULTED = '[credentials stored securely: TSS vault #1a2b3c4d]';
/** What "password: <key>" became in an older release: "-----BEGIN" went as the value, the rest stayed. */
const rest = (placeholder: string) => `${placeholder} RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6\nAbCdEf0123456789==\n-----END RSA PRIVATE KEY-----`;
const FULL_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): before the fifth session a key after
// "password:" lost only its "-----BEGIN"; the rest of its block has no BEGIN line, so the fifth
// session's 1765606320000 (whole keys) left it in the log, which is never pruned of what it had.
describe('upgrade: what the in-process log kept of half-masked private keys (migration 1765606550000)', () => {
  let db: TestDatabase;
  let log: UpgradedEventLog;
  const data = {
    responded: { partnerId: 'p-1', sequence: 4, body: `Login fails, password: ${rest(VAULTED)}\nthanks` },
    mail: { subject: 'My key', text: `password: ${rest(REMOVED)}`, inTransit: { subject: 'My key', text: `password: ${FULL_KEY}` } },
    escalation: { summary: `Referred: admin ${rest(REMOVED)}` },
    prose: { partnerId: 'p-1', sequence: 5, body: 'The file ends with -----END RSA PRIVATE KEY----- as usual' },
  };

  beforeAll(async () => {
    db = await createTestDatabase('event_log_key_remainders', { from: 'empty' });
    const responded = (value: string) => ({ topic: 'tss.ticket', headers: headersOf('ticket.responded'), value });
    log = await UpgradedEventLog.create(db.url, 1765606550000, {
      responded: responded(JSON.stringify(data.responded)),
      mail: { topic: 'tss.notification', headers: headersOf('notification.email_received'), value: JSON.stringify(data.mail) },
      deadLettered: {
        topic: 'tss.dead-letter',
        headers: headersOf('ticket.responded', { 'dlq-reason': 'boom', 'dlq-group': 'notification', 'dlq-topic': 'tss.ticket' }),
        value: JSON.stringify(data.responded),
      },
      escalation: { topic: 'tss.escalation', headers: headersOf('escalation.raised'), value: JSON.stringify(data.escalation) },
      prose: responded(JSON.stringify(data.prose)),
      // A malformed value (no UTF-8) of any type stays as it came, and stops nothing.
      notUtf8: { topic: 'tss.escalation', headers: headersOf('escalation.resolved'), value: Buffer.from([0x7b, 0xff, 0x7d]) },
    });
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  it('P9: each entry loses the remainder of a key, dead letters and escalation’s events too; the placeholder stands for the key', async () => {
    expect(await log.data('responded')).toEqual({ ...data.responded, body: `Login fails, password: ${VAULTED}\nthanks` });
    expect(await log.data('deadLettered')).toEqual({ ...data.responded, body: `Login fails, password: ${VAULTED}\nthanks` });
    expect(await log.data('escalation')).toEqual({ summary: `Referred: admin ${REMOVED}` });
  });

  it('the data in transit is left for intake’s vault; prose naming an END line and a value that is no UTF-8 stay', async () => {
    expect(await log.data('mail')).toEqual({ ...data.mail, text: `password: ${REMOVED}` });
    expect(await log.data('prose')).toEqual(data.prose);
    expect((await log.values()).notUtf8).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
  });

  it('running the migration again changes nothing', async () => {
    const before = await log.values();
    await log.runAgain(new MaskKeptLogKeyRemainders1765606550000());
    expect(await log.values()).toEqual(before);
  });
});
