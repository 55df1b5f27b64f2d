import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { messagingMigrations } from '../src/outbox/messaging-migrations';

const SCHEMA = 'dead_letter_keys';
const MIGRATION = 1765606520000;
const MARK = 'PRIVKEYMARK44D';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';
const partnerId = '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11';
const RSA_KEY = ['-----BEGIN RSA PRIVATE KEY-----', `MIIEowIBAAKCAQEAtRT5${MARK}9x8y7z6`, '-----END RSA PRIVATE KEY-----'].join('\n');
const PGP_KEY = ['-----BEGIN PGP PRIVATE KEY BLOCK-----', '', `lQOYBF3kQ2EBCADKpX9v7e3Yk0a1b2c3d4e5f6${MARK}`, '-----END PGP PRIVATE KEY BLOCK-----'].join('\n');
/** "password: <key>" as the detection before 2026-12-05 (fifth session) masked it: "-----BEGIN" went as the value. */
const HALF_MASKED = `${REMOVED} EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk${MARK}3yByxZp\nAwEHoUQDQgAE==\n-----END EC PRIVATE KEY-----`;
const CERTIFICATE = ['-----BEGIN CERTIFICATE-----', 'MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaCERTMARK44', '-----END CERTIFICATE-----'].join('\n');
const timestampOf = (migration: { name: string }) => Number(/(\d{13})$/.exec(migration.name)![1]);

const created = (subject: string, description: string) => ({ partnerId, sequence: 1, reference: 'TSS-AAAAA-BBBBB', subject, description, receivedAt: AT });
const mail = (text: string, inTransit?: { text: string }) => ({ partnerId, from: 'ann@client.example', subject: 'Key', text, ...(inTransit ? { inTransit } : {}) });

// P9 (docs/adr/0026, addendum of 2026-12-05, sixth session): a dead letter keeps the event whole
// until it is replayed or skipped and pruned (a parked one for good), in every service's schema.
// Letters of events an older release published with a private key as written, or half-masked
// after "password:", hold it; the fifth session swept the outboxes and the event log, not these.
describe('upgrade: private keys dead letters kept in clear (messaging migration 1765606520000)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('dead_letter_private_keys', { from: 'empty' });
    const older = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: messagingMigrations(SCHEMA).filter((m) => timestampOf(m) < MIGRATION), poolSize: 1 });
    await initializeAndMigrate(older);
    const letter = async (name: string, type: string | null, headersType: string, value: Buffer | null, status: 'parked' | 'skipped' = 'parked', reason = 'handler failed') => {
      const [{ id }] = (await older.query(
        `INSERT INTO "${SCHEMA}".dead_letters (consumer_group, topic, message_key, position, event_id, event_type, headers, value, reason, kind, status, dead_lettered_at, resolved_at)
         VALUES ('ticket-intake', 'tss.ticket', 'k', '3', $1, $2, $3, $4, $7, 'failed', $5, $6, CASE WHEN $5 = 'parked' THEN NULL ELSE $6::timestamptz END) RETURNING id::text AS id`,
        [randomUUID(), type, { 'content-type': 'application/json', ce_type: headersType }, value, status, AT, reason],
      )) as { id: string }[];
      ids[name] = id;
    };
    const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
    await letter('created', 'ticket.created', 'ticket.created', json(created(`Reader rejects ${RSA_KEY.replace(/\n/g, ' ')}`, `Our key:\n${RSA_KEY}\nThanks, Ann`)));
    await letter('halfMasked', 'ticket.responded', 'ticket.responded', json({ partnerId, sequence: 2, body: `Use admin ${HALF_MASKED}` }), 'skipped');
    // The consumer could not read it (its type is null); its headers name it.
    await letter('unread', null, 'rating.submitted', json({ partnerId, solved: false, comment: `Still broken:\n${PGP_KEY}` }));
    // A mail still carrying its text as sent for intake's vault: that stays the vault's.
    await letter('inTransit', 'notification.email_received', 'notification.email_received', json(mail(`Key:\n${REMOVED}`, { text: `Key:\n${RSA_KEY}` })));
    await letter('reason', 'ticket.created', 'ticket.created', json(created('Fails', 'ok')), 'parked', `/description: must be at most 100 characters, got "Our key:\n${RSA_KEY}"`);
    await letter('certificate', 'ticket.created', 'ticket.created', json(created('Our certificate', CERTIFICATE)));
    await letter('notUtf8', 'ticket.created', 'ticket.created', Buffer.from([0x7b, 0xff, 0x7d]));
    await letter('empty', 'ticket.created', 'ticket.created', null);
    await older.destroy();
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: messagingMigrations(SCHEMA), poolSize: 1 });
    await initializeAndMigrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const letters = async (): Promise<Record<string, { value: Buffer | null; reason: string }>> => {
    const rows = (await dataSource.query(`SELECT id::text AS id, value, reason FROM "${SCHEMA}".dead_letters ORDER BY id`)) as { id: string; value: Buffer | null; reason: string }[];
    return Object.fromEntries(rows.map((r) => [Object.keys(ids).find((name) => ids[name] === r.id)!, { value: r.value, reason: r.reason }]));
  };
  const data = async (name: string): Promise<unknown> => JSON.parse((await letters())[name].value!.toString('utf8')) as unknown;

  it('P9: no dead letter holds a key any more, whole or half-masked, whatever its type and status (but in transit)', async () => {
    const holding = Object.entries(await letters())
      .filter(([name, l]) => name !== 'inTransit' && (l.value?.includes(MARK) || l.reason.includes(MARK) || l.value?.includes('PRIVATE KEY')))
      .map(([name]) => name);
    expect(holding).toEqual([]);
    expect(await data('created')).toEqual(created(`Reader rejects ${REMOVED}`, `Our key:\n${REMOVED}\nThanks, Ann`));
    expect(await data('halfMasked')).toEqual({ partnerId, sequence: 2, body: `Use admin ${REMOVED}` });
    expect(await data('unread')).toEqual({ partnerId, solved: false, comment: `Still broken:\n${REMOVED}` });
    expect((await letters()).reason.reason).toBe(`/description: must be at most 100 characters, got "Our key:\n${REMOVED}"`);
  });

  it('a mail’s text as sent stays in transit for intake’s vault; certificates, letters that are no UTF-8 JSON and empty ones stay byte for byte', async () => {
    expect(await data('inTransit')).toEqual(mail(`Key:\n${REMOVED}`, { text: `Key:\n${RSA_KEY}` }));
    const kept = await letters();
    expect(kept.certificate.value!.toString('utf8')).toBe(JSON.stringify(created('Our certificate', CERTIFICATE)));
    expect(kept.notUtf8.value).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(kept.empty.value).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await letters();
    const Migration = messagingMigrations(SCHEMA).find((m) => timestampOf(m) === MIGRATION)!;
    const runner = dataSource.createQueryRunner();
    try {
      await new Migration().up(runner);
    } finally {
      await runner.release();
    }
    expect(await letters()).toEqual(before);
  });
});
