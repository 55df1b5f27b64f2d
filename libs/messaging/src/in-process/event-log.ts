import type { DataSource } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate, pingDatabase } from '@tss/persistence';
import { systemClock, type Clock } from '@tss/service-kit';
import { kafkaBindingSql } from '../kafka/cloud-event-binding';
import { consumedValueSql } from '../outbox/in-transit-data';
import { EVENT_LOG_SCHEMA, EventLogTables1764900000000 } from './event-log.migration';
import { EventLogAppendTimes1765604100000 } from './event-log-append-times.migration';
import { MaskKeptLogEntries1765501360000 } from './mask-kept-log-entries.migration';
import { MaskKeptLogFileNames1765604110000 } from './mask-kept-log-file-names.migration';
import { MaskKeptLogStaffTexts1765606100000 } from './mask-kept-log-staff-texts.migration';
import { MaskKeptLogNames1765606430000 } from './mask-kept-log-names.migration';
import { MaskKeptLogPrivateKeys1765606320000 } from './mask-kept-log-private-keys.migration';
import { MaskKeptLogKeyRemainders1765606550000 } from './mask-kept-log-key-remainders.migration';

export interface LogEntry {
  topic: string;
  key: string | undefined;
  headers: Record<string, string>;
  value: Buffer | null;
}

export interface LoggedEntry extends LogEntry {
  /** bigint as text: the entry's place in the log. */
  offset: string;
}

interface LoggedRow {
  log_offset: string;
  topic: string;
  message_key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
}

const APPEND_LOCK = `${EVENT_LOG_SCHEMA}:append`;

/** The log's migrations, oldest first: every start applies those the database lacks. */
export const EVENT_LOG_MIGRATIONS = [EventLogTables1764900000000, MaskKeptLogEntries1765501360000, EventLogAppendTimes1765604100000, MaskKeptLogFileNames1765604110000, MaskKeptLogStaffTexts1765606100000, MaskKeptLogPrivateKeys1765606320000, MaskKeptLogNames1765606430000, MaskKeptLogKeyRemainders1765606550000];

export interface EventLogOptions {
  /** The time entries are appended at, which the log's retention ages them by (default: the system's). */
  clock?: Clock;
}

/**
 * One batch of the entries retention may delete (docs/adr/0032, addendum of 2026-12-05, second
 * session; `$1` the cutoff, `$2` the batch size): appended before the cutoff, and committed by
 * every known group (at or below the lowest committed offset), read through the append-time
 * index. No known group, no lowest offset: nothing. No ORDER BY: any will do. `SKIP LOCKED`:
 * entries another process's pass (or a scrub) holds are left to it.
 */
export const EXPIRED_ENTRIES_SQL = `SELECT log_offset FROM "${EVENT_LOG_SCHEMA}".messages
  WHERE appended_at < $1 AND log_offset <= (SELECT min(log_offset) FROM "${EVENT_LOG_SCHEMA}".group_offsets)
  LIMIT $2 FOR UPDATE SKIP LOCKED`;

/** A group's committed offset, the group and the offset given as the parameters named. */
const commitSql = (group: string, offset: string): string =>
  `INSERT INTO "${EVENT_LOG_SCHEMA}".group_offsets (consumer_group, log_offset) VALUES (${group}, ${offset})
       ON CONFLICT (consumer_group) DO UPDATE SET log_offset = excluded.log_offset`;

/**
 * The read of `read`: `$1` the offset read after, `$2` the topics, `$3` the limit. Each topic's
 * entries come in offset order from the `(topic, log_offset)` index and are merged, so a read
 * touches about `limit` entries however far behind the group is (docs/adr/0088). As one
 * `topic = ANY(...)` it gathered the group's whole backlog and sorted it for each batch: a group
 * 6,000 entries behind read 6,216 to keep 100, and a catch-up cost the square of its backlog.
 */
export const readSql = (topicCount: number): string => {
  if (topicCount < 1) throw new RangeError('a read names at least one topic');
  const columns = 'log_offset, topic, message_key, headers, value';
  const perTopic = Array.from(
    { length: topicCount },
    (_, i) => `(SELECT ${columns} FROM "${EVENT_LOG_SCHEMA}".messages WHERE topic = ($2::text[])[${i + 1}] AND log_offset > $1 ORDER BY log_offset LIMIT $3)`,
  );
  return `SELECT ${columns} FROM (${perTopic.join(' UNION ALL ')}) entries ORDER BY log_offset LIMIT $3`;
};

/**
 * The in-process transport's log in PostgreSQL: appended entries and each consumer group's
 * committed offset. Entries outlive the process, so a group that subscribes late, or restarts,
 * reads on from its offset exactly as a Kafka consumer group would. Like a topic, the log keeps
 * entries for the retention period (`EventLogRetention`), and longer while a known group has
 * still to read them.
 */
export class EventLog {
  private constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  static async open(databaseUrl: string, options: EventLogOptions = {}): Promise<EventLog> {
    const dataSource = createServiceDataSource({
      url: databaseUrl,
      schema: EVENT_LOG_SCHEMA,
      migrations: EVENT_LOG_MIGRATIONS,
      poolSize: 4,
      applicationName: 'tss-event-log',
    });
    await initializeAndMigrate(dataSource);
    return new EventLog(dataSource, options.clock ?? systemClock);
  }

  async append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One statement in its own transaction, one round trip (a burst's relay drains are a chain of
    // them: docs/performance.md). Its first step takes the append lock, held to its commit, so
    // offsets are taken in commit order: a reader that has passed offset n never finds a smaller
    // one committed later (a bigserial alone is taken at insert). The rows go as one JSON
    // document, values in base64: node-postgres escapes each element of an array parameter in
    // JavaScript, which cost more than the insert.
    await this.dataSource.query(
      `WITH append_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtext($2)))
       INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value, appended_at)
       SELECT e.topic, e.key, e.headers, decode(e.value, 'base64'), $3::timestamptz
         FROM append_lock,
              ROWS FROM (json_to_recordset($1::json) AS (topic text, key text, headers jsonb, value text)) WITH ORDINALITY AS e(topic, key, headers, value, n)
        ORDER BY e.n`,
      [
        JSON.stringify(entries.map((e) => ({ topic: e.topic, key: e.key ?? null, headers: e.headers, value: e.value?.toString('base64') ?? null }))),
        APPEND_LOCK,
        this.clock.now(),
      ],
    );
  }

  /**
   * `append`, in SQL, of the rows of `rows` (a `WITH` name: position, topic, message_key, event,
   * appended_at), in position order, under the same append lock; `RETURNING` one row each
   * (docs/adr/0053).
   */
  static appendFromSql(rows: string): string {
    const binding = kafkaBindingSql('r.event');
    return `WITH append_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtext('${APPEND_LOCK}')))
       INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value, appended_at)
       SELECT r.topic, r.message_key, ${binding.headers}, ${binding.value}, r.appended_at
         FROM append_lock, ${rows} AS r
        ORDER BY r.position
       RETURNING log_offset`;
  }

  /**
   * The entries of `topics` after `afterOffset`, in log order. `commit`: a group's offset committed
   * in the same statement (a group reader's last batch, issue #15: one round trip per batch fewer).
   */
  async read(topics: readonly string[], afterOffset: string, limit: number, commit?: { group: string; offset: string }): Promise<LoggedEntry[]> {
    const named = [...new Set(topics)];
    const select = readSql(named.length);
    const rows = (await (commit
      ? this.dataSource.query(`WITH committed AS (${commitSql('$4', '$5')}) ${select}`, [afterOffset, named, limit, commit.group, commit.offset])
      : this.dataSource.query(select, [afterOffset, named, limit]))) as LoggedRow[];
    return rows.map((r) => ({ offset: r.log_offset, topic: r.topic, key: r.message_key ?? undefined, headers: r.headers, value: r.value }));
  }

  /**
   * Where `group` stands. A group never seen starts at the beginning: the oldest entry retention
   * has kept (Kafka's `fromBeginning`, its `earliest`).
   */
  async committedOffset(group: string): Promise<string> {
    const rows = (await this.dataSource.query(`SELECT log_offset FROM "${EVENT_LOG_SCHEMA}".group_offsets WHERE consumer_group = $1`, [group])) as {
      log_offset: string;
    }[];
    return rows[0]?.log_offset ?? '0';
  }

  async commit(group: string, offset: string): Promise<void> {
    await this.dataSource.query(commitSql('$1', '$2'), [group, offset]);
  }

  /**
   * P9 (docs/adr/0070): drops `inTransit` from the data of the entries at `offsets` that every
   * one of `groups` has committed; an entry some group has still to read keeps it.
   */
  async scrubConsumed(offsets: readonly string[], groups: readonly string[]): Promise<void> {
    if (offsets.length === 0 || groups.length === 0) return;
    await this.dataSource.query(
      `UPDATE "${EVENT_LOG_SCHEMA}".messages m SET value = ${consumedValueSql('m.value')}
        WHERE m.log_offset = ANY($1::bigint[])
          AND (SELECT count(*) FROM "${EVENT_LOG_SCHEMA}".group_offsets g
                WHERE g.consumer_group = ANY($2::text[]) AND g.log_offset >= m.log_offset) = cardinality($2::text[])`,
      [[...offsets], [...new Set(groups)]],
    );
  }

  /**
   * Deletes one batch of expired entries (`EXPIRED_ENTRIES_SQL`) as a statement of its own
   * (autocommit), so it locks only what it deletes, for as long as the statement. Returns how many went.
   */
  async pruneBatch(cutoff: Date, batchSize: number): Promise<number> {
    const result = (await this.dataSource.query(`DELETE FROM "${EVENT_LOG_SCHEMA}".messages WHERE log_offset IN (${EXPIRED_ENTRIES_SQL})`, [cutoff, batchSize])) as unknown;
    // TypeORM's PostgreSQL driver hands a DELETE back as [rows, rowCount].
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
  }

  ping(): Promise<void> {
    return pingDatabase(this.dataSource);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
