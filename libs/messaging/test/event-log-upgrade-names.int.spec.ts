import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { EventLog } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA, EventLogTables1764900000000 } from '../src/in-process/event-log.migration';
import { EventLogAppendTimes1765604100000 } from '../src/in-process/event-log-append-times.migration';
import { MaskKeptLogEntries1765501360000 } from '../src/in-process/mask-kept-log-entries.migration';
import { MaskKeptLogFileNames1765604110000 } from '../src/in-process/mask-kept-log-file-names.migration';
import { MaskKeptLogNames1765606430000 } from '../src/in-process/mask-kept-log-names.migration';

const SECRETS = ['RT5-PN-pw7#', 'RT5-SN-pw8#'];
const REMOVED = '[access particulars removed]';
const CHANGED_AT = '2026-12-05T09:00:00.000Z';

const partnerData = (name: string) => ({ partnerId: '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11', name, active: true, changedAt: CHANGED_AT });
const staffData = (displayName: string, staffId = 'sc_bob') => ({ staffId, roles: ['agent'], displayName, email: 'bob@support.example', language: 'en', active: true, changedAt: CHANGED_AT });
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the gateway announced partner names
// and staff display names as written ("Other Co password: …"); the single process's event log is
// never pruned (docs/adr/0032), so those entries kept them after the gateway's own tables were masked.
describe('upgrade: partner and staff names the in-process log kept in clear (migration 1765606430000)', () => {
  let db: TestDatabase;
  let sql: Client;
  const offsets: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase('event_log_names', { from: 'empty' });
    // The log as the release before this one left it, then appended to as it appended.
    const older = createServiceDataSource({
      url: db.url,
      schema: EVENT_LOG_SCHEMA,
      migrations: [EventLogTables1764900000000, MaskKeptLogEntries1765501360000, EventLogAppendTimes1765604100000, MaskKeptLogFileNames1765604110000],
      poolSize: 1,
    });
    await initializeAndMigrate(older);
    const entry = async (name: string, topic: string, headers: Record<string, string>, value: string | null) => {
      const [{ offset }] = (await older.query(
        `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ($1, 'k', $2, convert_to($3, 'UTF8')) RETURNING log_offset::text AS offset`,
        [topic, headers, value],
      )) as { offset: string }[];
      offsets[name] = offset;
    };
    await entry('partnerCreated', 'tss.gateway', headersOf('partner.created'), JSON.stringify(partnerData('Other Co')));
    await entry('partnerUpdated', 'tss.gateway', headersOf('partner.updated'), JSON.stringify(partnerData(`Other Co password: ${SECRETS[0]}`)));
    await entry('staffCreated', 'tss.gateway', headersOf('staff.created'), JSON.stringify(staffData(`Bob login: bob password: ${SECRETS[1]}`)));
    await entry('staffUpdated', 'tss.gateway', headersOf('staff.updated'), JSON.stringify(staffData('Token Books', 'sc_token')));
    await entry('deadLettered', 'tss.dead-letter', headersOf('staff.created', { 'dlq-reason': 'boom', 'dlq-group': 'escalation', 'dlq-topic': 'tss.gateway' }), JSON.stringify(staffData(`Bob password: ${SECRETS[1]}`)));
    // Another type's data is not this migration's: its strings stay as they are.
    await entry('otherType', 'tss.ticket', headersOf('ticket.created'), JSON.stringify({ subject: 'Token Books password reset', sequence: 1 }));
    await entry('notJson', 'tss.gateway', headersOf('partner.updated'), 'a');
    await entry('empty', 'tss.gateway', headersOf('partner.updated'), null);
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

  it('P9: no entry of the log holds the passwords any more', async () => {
    const kept = JSON.stringify(await values());
    for (const secret of SECRETS) expect(kept).not.toContain(secret);
  });

  it('P9: partner.* and staff.* entries, dead letters included, carry the names masked; ids, addresses and other names stay', async () => {
    expect(await data('partnerCreated')).toEqual(partnerData('Other Co'));
    expect(await data('partnerUpdated')).toEqual(partnerData(`Other Co ${REMOVED}`));
    expect(await data('staffCreated')).toEqual(staffData(`Bob ${REMOVED}`));
    expect(await data('staffUpdated')).toEqual(staffData('Token Books', 'sc_token'));
    expect(await data('deadLettered')).toEqual(staffData(`Bob ${REMOVED}`));
  });

  it('other entries stay as written', async () => {
    const kept = await values();
    expect(kept.otherType).toBe(JSON.stringify({ subject: 'Token Books password reset', sequence: 1 }));
    expect(kept.notJson).toBe('a');
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    const dataSource = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, poolSize: 1 });
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await new MaskKeptLogNames1765606430000().up(runner);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
    expect(await values()).toEqual(before);
  });
});
