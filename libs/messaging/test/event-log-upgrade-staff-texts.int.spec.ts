import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { EventLog } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA } from '../src/in-process/event-log.migration';
import { MaskKeptLogStaffTexts1765606100000 } from '../src/in-process/mask-kept-log-staff-texts.migration';
import { migrateOlderEventLog } from '../src/testing/older-event-log';

const PASSWORD = 'SECRETMARK-73-LogReason#';
const REMOVED = '[access particulars removed]';
const AT = '2026-12-05T09:00:00.000Z';
const partnerId = '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11';
const referralId = '9d2f5b7c-3a4e-4f1b-8c6d-1e2f3a4b5c6d';

const requested = (reason: string) => ({ partnerId, referralId, requestedBy: 'agent-1', reason, requestedAt: AT, target: 'development' });
const raised = (summary: string) => ({ partnerId, escalationId: referralId, kind: 'development', targetRole: 'developer', raisedAt: AT, summary });
const resolved = (outcome: string) => ({ partnerId, escalationId: referralId, resolvedAt: AT, resolvedBy: 'quality-1', outcome });
const statusChanged = (reason: string) => ({ partnerId, sequence: 4, from: 'open', to: 'referred', reason, changedAt: AT });
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): escalation's 1765604950000 masked its
// outbox's copies of the events carrying what staff wrote, not the in-process log's. Entries an
// older release appended after the log's own masking (1765501360000) carry them as written.
describe('upgrade: staff texts the in-process log kept in clear (migration 1765606100000)', () => {
  let db: TestDatabase;
  let sql: Client;
  const offsets: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('event_log_staff_texts', { from: 'empty' });
    await migrateOlderEventLog(db.url, 1765606100000);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    const entry = async (name: string, topic: string, headers: Record<string, string>, value: Buffer | null, as: 'published' | 'copied' = 'published') => {
      // `publish` wrote JSON.stringify's text; the relay's copy (docs/adr/0053) the data as jsonb prints it.
      const encoded = as === 'copied' ? `convert_to((convert_from($3, 'UTF8')::jsonb)::text, 'UTF8')` : '$3';
      const { rows } = await sql.query<{ offset: string }>(
        `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ($1, 'k', $2, ${encoded}) RETURNING log_offset::text AS offset`,
        [topic, headers, value],
      );
      offsets[name] = rows[0].offset;
    };
    const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
    await entry('requested', 'tss.escalation', headersOf('escalation.referral_requested'), json(requested(`Needs a fix; admin password: ${PASSWORD}`)), 'copied');
    await entry('raised', 'tss.escalation', headersOf('escalation.raised'), json(raised(`Referred to development: Needs a fix; admin password: ${PASSWORD}`)));
    await entry('resolved', 'tss.escalation', headersOf('escalation.resolved'), json(resolved(`Checked with login: qa password: ${PASSWORD}`)));
    await entry('statusChanged', 'tss.ticket', headersOf('ticket.status_changed'), json(statusChanged(`Crash needs a code fix; VPN password: ${PASSWORD}`)), 'copied');
    const dlq = { 'dlq-reason': 'boom', 'dlq-group': 'ticket-intake', 'dlq-topic': 'tss.escalation' };
    await entry('deadLettered', 'tss.dead-letter', headersOf('escalation.referral_requested', dlq), json(requested(`Needs a fix; admin password: ${PASSWORD}`)));
    await entry('plain', 'tss.escalation', headersOf('escalation.resolved'), json(resolved('The forgot password page works again.')));
    await entry('otherType', 'tss.ticket', headersOf('ticket.reopened'), json({ partnerId, sequence: 5, reopenedAt: AT, reason: 'Rated not solved: the password reset page fails' }));
    await entry('notJson', 'tss.escalation', headersOf('escalation.resolved'), Buffer.from('password: x'));
    await entry('notUtf8', 'tss.escalation', headersOf('escalation.resolved'), Buffer.from([0x7b, 0xff, 0x7d]));
    await entry('empty', 'tss.escalation', headersOf('escalation.resolved'), null);
    await (await EventLog.open(db.url)).close();
  });

  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  const values = async (): Promise<Record<string, Buffer | null>> => {
    const { rows } = await sql.query<{ offset: string; value: Buffer | null }>(`SELECT log_offset::text AS offset, value FROM "${EVENT_LOG_SCHEMA}".messages ORDER BY log_offset`);
    return Object.fromEntries(rows.map((r) => [Object.keys(offsets).find((name) => offsets[name] === r.offset)!, r.value]));
  };
  const data = async (name: string): Promise<unknown> => JSON.parse((await values())[name]!.toString('utf8')) as unknown;

  it('P9: no entry of the log holds the password any more', async () => {
    const holding = Object.entries(await values()).filter(([, value]) => value?.includes(PASSWORD));
    expect(holding.map(([name]) => name)).toEqual([]);
  });

  it('P9: each kept reason, summary, outcome and status reason is masked, published or copied, dead letters included; the rest of the data stays', async () => {
    expect(await data('requested')).toEqual(requested(`Needs a fix; admin ${REMOVED}`));
    expect(await data('raised')).toEqual(raised(`Referred to development: Needs a fix; admin ${REMOVED}`));
    expect(await data('resolved')).toEqual(resolved(`Checked with ${REMOVED}`));
    expect(await data('statusChanged')).toEqual(statusChanged(`Crash needs a code fix; VPN ${REMOVED}`));
    expect(await data('deadLettered')).toEqual(requested(`Needs a fix; admin ${REMOVED}`));
  });

  it('entries without particulars, of other types, or that are no UTF-8 JSON stay byte for byte', async () => {
    const kept = await values();
    expect(kept.plain!.toString('utf8')).toBe(JSON.stringify(resolved('The forgot password page works again.')));
    expect(kept.otherType!.toString('utf8')).toBe(JSON.stringify({ partnerId, sequence: 5, reopenedAt: AT, reason: 'Rated not solved: the password reset page fails' }));
    expect(kept.notJson).toEqual(Buffer.from('password: x'));
    expect(kept.notUtf8).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    const dataSource = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, poolSize: 1 });
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await new MaskKeptLogStaffTexts1765606100000().up(runner);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
    expect(await values()).toEqual(before);
  });
});
