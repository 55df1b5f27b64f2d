import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { messagingMigrations } from '../src/outbox/messaging-migrations';

const SCHEMA = 'dead_letter_texts';
const PASSWORD = 'SECRETMARK-74-DeadLetter#';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';
const partnerId = '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11';
const referralId = '9d2f5b7c-3a4e-4f1b-8c6d-1e2f3a4b5c6d';

const requested = (reason: string) => ({ partnerId, referralId, requestedBy: 'agent-1', reason, requestedAt: AT, target: 'development' });
const raised = (summary: string) => ({ partnerId, escalationId: referralId, kind: 'quality', targetRole: 'quality', raisedAt: AT, summary });
const statusChanged = (reason: string) => ({ partnerId, sequence: 4, from: 'open', to: 'referred', reason, changedAt: AT });
const timestampOf = (migration: { name: string }) => Number(/(\d{13})$/.exec(migration.name)![1]);

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): a dead letter keeps the event whole
// until it is replayed or skipped and pruned (a parked one for good), in every consumer's schema.
// Letters of events an older release published with what staff wrote in escalation hold it as written.
describe('upgrade: staff texts dead letters kept in clear (messaging migration 1765606110000)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('dead_letter_staff_texts', { from: 'empty' });
    const older = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: messagingMigrations(SCHEMA).filter((m) => timestampOf(m) < 1765606110000), poolSize: 1 });
    await initializeAndMigrate(older);
    const letter = async (name: string, type: string | null, headersType: string, value: Buffer | null, status: 'parked' | 'replayed' = 'parked') => {
      const [{ id }] = (await older.query(
        `INSERT INTO "${SCHEMA}".dead_letters (consumer_group, topic, message_key, position, event_id, event_type, headers, value, reason, kind, status, dead_lettered_at, resolved_at)
         VALUES ('ticket-intake', 'tss.escalation', 'k', '3', $1, $2, $3, $4, 'handler failed', 'failed', $5, $6, CASE WHEN $5 = 'parked' THEN NULL ELSE $6::timestamptz END) RETURNING id::text AS id`,
        [randomUUID(), type, { 'content-type': 'application/json', ce_type: headersType }, value, status, AT],
      )) as { id: string }[];
      ids[name] = id;
    };
    const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
    await letter('requested', 'escalation.referral_requested', 'escalation.referral_requested', json(requested(`Needs a fix; admin password: ${PASSWORD}`)));
    await letter('replayed', 'escalation.raised', 'escalation.raised', json(raised(`Referred to quality: admin password: ${PASSWORD}`)), 'replayed');
    // The consumer could not read it (its type is null); its headers name it.
    await letter('unread', null, 'ticket.status_changed', json(statusChanged(`Crash; VPN password: ${PASSWORD}`)));
    await letter('otherType', 'ticket.reopened', 'ticket.reopened', json({ partnerId, sequence: 5, reopenedAt: AT, reason: 'The password reset page fails' }));
    await letter('notUtf8', 'escalation.resolved', 'escalation.resolved', Buffer.from([0x7b, 0xff, 0x7d]));
    await letter('empty', 'escalation.resolved', 'escalation.resolved', null);
    await older.destroy();
    dataSource = createServiceDataSource({ url: db.url, schema: SCHEMA, migrations: messagingMigrations(SCHEMA), poolSize: 1 });
    await initializeAndMigrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const values = async (): Promise<Record<string, Buffer | null>> => {
    const rows = (await dataSource.query(`SELECT id::text AS id, value FROM "${SCHEMA}".dead_letters ORDER BY id`)) as { id: string; value: Buffer | null }[];
    return Object.fromEntries(rows.map((r) => [Object.keys(ids).find((name) => ids[name] === r.id)!, r.value]));
  };
  const data = async (name: string): Promise<unknown> => JSON.parse((await values())[name]!.toString('utf8')) as unknown;

  it('P9: no dead letter holds the password any more, whatever its status', async () => {
    expect(Object.entries(await values()).filter(([, value]) => value?.includes(PASSWORD)).map(([name]) => name)).toEqual([]);
    expect(await data('requested')).toEqual(requested(`Needs a fix; admin ${REMOVED}`));
    expect(await data('replayed')).toEqual(raised(`Referred to quality: admin ${REMOVED}`));
    expect(await data('unread')).toEqual(statusChanged(`Crash; VPN ${REMOVED}`));
  });

  it('letters of other types, or that are no UTF-8 JSON, stay byte for byte', async () => {
    const kept = await values();
    expect(kept.otherType!.toString('utf8')).toBe(JSON.stringify({ partnerId, sequence: 5, reopenedAt: AT, reason: 'The password reset page fails' }));
    expect(kept.notUtf8).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    const Migration = messagingMigrations(SCHEMA).find((m) => timestampOf(m) === 1765606110000)!;
    const runner = dataSource.createQueryRunner();
    try {
      await new Migration().up(runner);
    } finally {
      await runner.release();
    }
    expect(await values()).toEqual(before);
  });
});
