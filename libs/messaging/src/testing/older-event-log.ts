import type { DataSource, MigrationInterface } from 'typeorm';
import { createServiceDataSource, initializeAndMigrate } from '@tss/persistence';
import { EventLog, EVENT_LOG_MIGRATIONS } from '../in-process/event-log';
import { EVENT_LOG_SCHEMA } from '../in-process/event-log.migration';

export { EVENT_LOG_SCHEMA };

const timestampOf = (migration: { name: string }): number => Number(/(\d{13})$/.exec(migration.name)?.[1] ?? Number.NaN);

/**
 * The single process's event log as an older release left it, for the tests of an upgrade: the
 * log's migrations whose 13-digit timestamp is below `before`. The log's own open applies the rest.
 */
export const migrateOlderEventLog = async (databaseUrl: string, before: number): Promise<void> => {
  const dataSource = createServiceDataSource({ url: databaseUrl, schema: EVENT_LOG_SCHEMA, migrations: EVENT_LOG_MIGRATIONS.filter((m) => timestampOf(m) < before), poolSize: 1 });
  try {
    await initializeAndMigrate(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
};

/** An entry as an older release appended it. */
export interface OlderLogEntry {
  topic: string;
  /** Default: `content-type: application/json` alone. */
  headers?: Record<string, string>;
  /** Text is written as UTF-8; a Buffer as it is (bytes that are not UTF-8 too). */
  value: string | Buffer | null;
  /** `published` (default): JSON.stringify's text as `publish` wrote it; `copied`: the relay's copy, the data as jsonb prints it (docs/adr/0053). */
  as?: 'published' | 'copied';
}

/**
 * An upgrade test's event log: an older release's (`migrateOlderEventLog(before)`), appended to
 * with the named entries in their order, then opened, which applies the migrations from `before`
 * on. Each named entry's value is read back after, and one migration can be run again.
 */
export class UpgradedEventLog {
  private constructor(
    private readonly dataSource: DataSource,
    private readonly offsets: ReadonlyMap<string, string>,
  ) {}

  static async create(databaseUrl: string, before: number, entries: Record<string, OlderLogEntry>): Promise<UpgradedEventLog> {
    await migrateOlderEventLog(databaseUrl, before);
    const dataSource = createServiceDataSource({ url: databaseUrl, schema: EVENT_LOG_SCHEMA, poolSize: 1 });
    await dataSource.initialize();
    try {
      const offsets = new Map<string, string>();
      for (const [name, entry] of Object.entries(entries)) {
        const bytes = typeof entry.value === 'string' ? Buffer.from(entry.value, 'utf8') : entry.value;
        const value = entry.as === 'copied' ? `convert_to((convert_from($3, 'UTF8')::jsonb)::text, 'UTF8')` : '$3';
        const [{ offset }] = (await dataSource.query(
          `INSERT INTO "${EVENT_LOG_SCHEMA}".messages (topic, message_key, headers, value) VALUES ($1, 'k', $2, ${value}) RETURNING log_offset::text AS offset`,
          [entry.topic, entry.headers ?? { 'content-type': 'application/json' }, bytes],
        )) as { offset: string }[];
        offsets.set(name, offset);
      }
      await (await EventLog.open(databaseUrl)).close();
      return new UpgradedEventLog(dataSource, offsets);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  }

  /** Each named entry's value as it is kept now. */
  async values(): Promise<Record<string, Buffer | null>> {
    const rows = (await this.dataSource.query(`SELECT log_offset::text AS offset, value FROM "${EVENT_LOG_SCHEMA}".messages ORDER BY log_offset`)) as { offset: string; value: Buffer | null }[];
    const names = new Map([...this.offsets].map(([name, offset]) => [offset, name]));
    return Object.fromEntries(rows.filter((row) => names.has(row.offset)).map((row) => [names.get(row.offset)!, row.value]));
  }

  /** Each named entry's value as UTF-8 text. */
  async texts(): Promise<Record<string, string | null>> {
    return Object.fromEntries(Object.entries(await this.values()).map(([name, value]) => [name, value === null ? null : value.toString('utf8')]));
  }

  /** A named entry's value, parsed. */
  async data(name: string): Promise<unknown> {
    return JSON.parse((await this.texts())[name]!) as unknown;
  }

  /** Runs `migration` once more on the log as it is, as a second upgrade would. */
  async runAgain(migration: MigrationInterface): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await migration.up(runner);
    } finally {
      await runner.release();
    }
  }

  async close(): Promise<void> {
    await this.dataSource.destroy();
  }
}
