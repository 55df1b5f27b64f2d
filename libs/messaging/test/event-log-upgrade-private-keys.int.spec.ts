import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskKeptLogPrivateKeys1765606320000 } from '../src/in-process/mask-kept-log-private-keys.migration';
import { UpgradedEventLog } from '../src/testing/older-event-log';

const MARK = 'PRIVKEYMARK43L';
const REMOVED = '[access particulars removed]';
const KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
const PUTTY = ['PuTTY-User-Key-File-3: ssh-ed25519', 'Private-Lines: 1', `AAAAIFPuttyPrivatePart0123456789${MARK}`, 'Private-MAC: 5b1e0f4a9c3d2e1f0a9b8c7d'].join('\n');
const CERTIFICATE = ['-----BEGIN CERTIFICATE-----', 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa', '-----END CERTIFICATE-----'].join('\n');
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the log is never pruned, so events an
// older release published with a pasted private key as written keep it until the upgrade removes it.
describe('upgrade: private keys the in-process log kept in clear (migration 1765606320000)', () => {
  let db: TestDatabase;
  let log: UpgradedEventLog;
  const data = {
    created: { partnerId: 'p-1', sequence: 1, subject: 'Key rejected', request: { stepsToReproduce: `Open it with ${KEY}` } },
    responded: { partnerId: 'p-1', sequence: 4, body: `Use:\n${PUTTY}\nthanks` },
    mail: { subject: 'My key', text: `Here:\n${KEY}`, inTransit: { subject: 'My key', text: `Here:\n${KEY}` } },
    escalation: { summary: `Referred with ${KEY}` },
    certificate: { partnerId: 'p-1', sequence: 5, body: `Our certificate:\n${CERTIFICATE}` },
    password: { partnerId: 'p-1', sequence: 6, body: 'password: Hunter2!x' },
  };

  beforeAll(async () => {
    db = await createTestDatabase('event_log_private_keys', { from: 'empty' });
    // The log as the release before this one left it: every migration before this one, then appended to.
    const responded = (value: string) => ({ topic: 'tss.ticket', headers: headersOf('ticket.responded'), value });
    log = await UpgradedEventLog.create(db.url, 1765606100000, {
      created: { topic: 'tss.ticket', headers: headersOf('ticket.created'), value: JSON.stringify(data.created) },
      responded: responded(JSON.stringify(data.responded)),
      mail: { topic: 'tss.notification', headers: headersOf('notification.email_received'), value: JSON.stringify(data.mail) },
      deadLettered: {
        topic: 'tss.dead-letter',
        headers: headersOf('ticket.responded', { 'dlq-reason': 'boom', 'dlq-group': 'notification', 'dlq-topic': 'tss.ticket' }),
        value: JSON.stringify(data.responded),
      },
      escalation: { topic: 'tss.escalation', headers: headersOf('escalation.raised'), value: JSON.stringify(data.escalation) },
      certificate: responded(JSON.stringify(data.certificate)),
      password: responded(JSON.stringify(data.password)),
      notJson: responded(`not json ${KEY}`),
      empty: { ...responded(''), value: null },
    });
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const values = () => log.texts();
  const parsed = (name: string) => log.data(name);

  it('P9: each event removes its keys, dead letters too; the rest of its data is as written', async () => {
    expect(await parsed('created')).toEqual({ ...data.created, request: { stepsToReproduce: `Open it with ${REMOVED}` } });
    expect(await parsed('responded')).toEqual({ ...data.responded, body: `Use:\n${REMOVED}\nthanks` });
    expect(await parsed('deadLettered')).toEqual({ ...data.responded, body: `Use:\n${REMOVED}\nthanks` });
  });

  it('P9: the data in transit is left for intake’s vault; the log removes it once every group has read the entry (docs/adr/0070)', async () => {
    expect(await parsed('mail')).toEqual({ subject: 'My key', text: `Here:\n${REMOVED}`, inTransit: data.mail.inTransit });
  });

  it('escalation events lose their keys to the staff texts’ migration (1765606100000); certificates, other particulars and non-JSON values stay as written', async () => {
    const kept = await values();
    expect(JSON.parse(kept.escalation!)).toEqual({ ...data.escalation, summary: `Referred with ${REMOVED}` });
    expect(JSON.parse(kept.certificate!)).toEqual(data.certificate);
    expect(JSON.parse(kept.password!)).toEqual(data.password);
    expect(kept.notJson).toBe(`not json ${KEY}`);
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    await log.runAgain(new MaskKeptLogPrivateKeys1765606320000());
    expect(await values()).toEqual(before);
  });
});
