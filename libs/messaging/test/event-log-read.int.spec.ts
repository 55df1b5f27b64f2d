import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '@tss/persistence';
import { createTestDatabase, explainedStatements, type TestDatabase } from '@tss/persistence/testing';
import { EventLog, readSql } from '../src/in-process/event-log';
import { EVENT_LOG_SCHEMA } from '../src/in-process/event-log.migration';

/**
 * docs/adr/0088: a group's read of the log costs about its batch, however far behind the group
 * is. Before, a read gathered every entry of the group's topics after its offset and sorted them
 * to keep the first few: a catch-up cost the square of its backlog.
 */
describe('the in-process log: a read of a group far behind', () => {
  let db: TestDatabase;
  let log: EventLog;
  let dataSource: DataSource;
  const BACKLOG = 4_000;

  beforeAll(async () => {
    db = await createTestDatabase('event_log_read', { from: 'empty' });
    log = await EventLog.open(db.url);
    // The group's two topics are one entry in ten of the log, interleaved with another's as producers write them.
    const topicOf = (i: number) => (i % 20 === 0 ? 'tss.rating' : i % 20 === 1 ? 'tss.partner' : 'tss.ticket');
    const entries = Array.from({ length: BACKLOG }, (_, i) => ({ topic: topicOf(i), key: `k${i % 50}`, headers: {}, value: Buffer.from(`{"n":${i}}`) }));
    for (let i = 0; i < entries.length; i += 500) await log.append(entries.slice(i, i + 500));
    dataSource = createServiceDataSource({ url: db.url, schema: EVENT_LOG_SCHEMA, migrations: [] });
    await dataSource.initialize();
    // The planner knows the backlog is there: the old read chose its plan from these.
    await dataSource.query(`ANALYZE "${EVENT_LOG_SCHEMA}".messages`);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await log?.close();
    await db?.drop();
  });

  const TOPICS = ['tss.rating', 'tss.partner'];

  it('returns the first entries of its topics after the offset, in log order, each once (a topic named twice too)', async () => {
    const all = await log.read(['tss.ticket', 'tss.partner', 'tss.rating'], '0', BACKLOG);
    expect(all).toHaveLength(BACKLOG);
    const after = all[25].offset;
    const read = await log.read([...TOPICS, 'tss.rating'], after, 20);
    const expected = all.filter((e) => BigInt(e.offset) > BigInt(after) && TOPICS.includes(e.topic)).slice(0, 20);
    expect(read.map((e) => [e.offset, e.topic])).toEqual(expected.map((e) => [e.offset, e.topic]));
    expect(read.map((e) => e.value?.toString())).toEqual(expected.map((e) => e.value?.toString()));
  });

  it(`goes through about its batch of entries, ${BACKLOG} entries behind: neither the whole backlog of its topics nor the log between them`, async () => {
    const LIMIT = 50;
    const { tx, plans } = explainedStatements(dataSource.manager);
    const read = (await tx.query(readSql(TOPICS.length), ['0', TOPICS, LIMIT])) as unknown[];
    expect(read).toHaveLength(LIMIT);
    // At most a batch from each topic. The old read went through all 400 entries of the two topics
    // (a bitmap scan, then a sort), or through the log in order until 50 of them (500 entries).
    expect(plans[0].rowsScanned).toBeLessThanOrEqual(TOPICS.length * LIMIT);
    expect(plans[0].sorts).toBe(0);
  });
});
