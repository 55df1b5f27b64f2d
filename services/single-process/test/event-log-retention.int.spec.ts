import pino from 'pino';
import { Client } from 'pg';
import { InProcessTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { loggerOptions } from '@tss/service-kit';
import { logCapture, TestClock, waitFor } from '@tss/service-kit/testing';
import { startSingleProcessPlatform, type RunningPlatform } from '../src/single-process-platform';

const DAY = 24 * 60 * 60_000;

/**
 * `npm start` keeps the in-process log (tss_event_log.messages) the way Kafka keeps a topic
 * (docs/adr/0032, addendum of 2026-12-05, second session): one pruner for the process, started
 * with the workers, with the settings the outbox and inbox prunes use.
 */
describe('single process: the in-process event log is pruned', () => {
  const clock = new TestClock('2026-06-01T12:00:00.000Z');
  const { lines, stream } = logCapture();
  let db: TestDatabase;
  let sql: Client;
  let running: RunningPlatform | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('single_process_log_retention');
    // A log an earlier run left: two entries appended 30 days ago that a group has read since,
    // and one appended 30 days ago that it has not.
    const earlier = new InProcessTransport();
    await earlier.useDatabase(db.url, { clock });
    await earlier.close();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    const { rows } = await sql.query<{ offset: string }>(
      `INSERT INTO tss_event_log.messages (topic, message_key, headers, value, appended_at)
       SELECT 'tss.retention-test', 'old-' || g, '{}'::jsonb, NULL, $1 FROM generate_series(1, 3) g RETURNING log_offset::text AS offset`,
      [new Date(clock.now().getTime() - 30 * DAY)],
    );
    await sql.query(`INSERT INTO tss_event_log.group_offsets (consumer_group, log_offset) VALUES ('earlier-reader', $1)`, [rows[1].offset]);
  });

  afterAll(async () => {
    await running?.platform.stop();
    await sql?.end();
    await db?.drop();
  });

  it('once its workers run, entries past EVENT_RETENTION_DAYS that every group has read go; one a group has not read stays', async () => {
    running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      clock,
      logger: pino(loggerOptions('tss', 'info'), stream),
      env: {},
      issuer: 'tss',
      audience: 'tss-api',
      relayPollIntervalMs: 50,
    });
    const line = await waitFor('the log retention line', () => lines.find((l) => l.msg === 'expired event log entries pruned'));
    expect(line).toMatchObject({ component: 'event-log-retention', entries: 2, cutoff: new Date(clock.now().getTime() - 7 * DAY).toISOString() });
    const kept = await sql.query<{ key: string }>(`SELECT message_key AS key FROM tss_event_log.messages WHERE topic = 'tss.retention-test' ORDER BY log_offset`);
    expect(kept.rows.map((r) => r.key)).toEqual(['old-3']);
  });
});
