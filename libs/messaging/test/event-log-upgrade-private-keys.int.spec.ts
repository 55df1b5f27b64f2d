import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { EventLog } from '../src/in-process/event-log';
import { EventLogAppendTimes1765604100000 } from '../src/in-process/event-log-append-times.migration';
import { EVENT_LOG_SCHEMA, EventLogTables1764900000000 } from '../src/in-process/event-log.migration';
import { MaskKeptLogEntries1765501360000 } from '../src/in-process/mask-kept-log-entries.migration';
import { MaskKeptLogFileNames1765604110000 } from '../src/in-process/mask-kept-log-file-names.migration';
import { MaskKeptLogPrivateKeys1765606320000 } from '../src/in-process/mask-kept-log-private-keys.migration';

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
  let sql: Client;
  const offsets: Record<string, string> = {};
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
    await entry('created', 'tss.ticket', headersOf('ticket.created'), JSON.stringify(data.created));
    await entry('responded', 'tss.ticket', headersOf('ticket.responded'), JSON.stringify(data.responded));
    await entry('mail', 'tss.notification', headersOf('notification.email_received'), JSON.stringify(data.mail));
    await entry('deadLettered', 'tss.dead-letter', headersOf('ticket.responded', { 'dlq-reason': 'boom', 'dlq-group': 'notification', 'dlq-topic': 'tss.ticket' }), JSON.stringify(data.responded));
    await entry('escalation', 'tss.escalation', headersOf('escalation.raised'), JSON.stringify(data.escalation));
    await entry('certificate', 'tss.ticket', headersOf('ticket.responded'), JSON.stringify(data.certificate));
    await entry('password', 'tss.ticket', headersOf('ticket.responded'), JSON.stringify(data.password));
    await entry('notJson', 'tss.ticket', headersOf('ticket.responded'), `not json ${KEY}`);
    await entry('empty', 'tss.ticket', headersOf('ticket.responded'), null);
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
  const parsed = async (name: string): Promise<unknown> => JSON.parse((await values())[name]!) as unknown;

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
    const dataSource = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, poolSize: 1 });
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await new MaskKeptLogPrivateKeys1765606320000().up(runner);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
    expect(await values()).toEqual(before);
  });
});
