import { databaseUrlOf } from '@tss/persistence';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/**
 * The relay's reads walk `outbox_unpublished` in position order: neither a bitmap scan nor a
 * sequential scan with a sort (docs/adr/0088). Each published row leaves its entry in that partial
 * index until a vacuum. An index scan marks an entry dead once it finds its row version dead to
 * everyone, and skips it from then on; the other two mark nothing, so every read went through
 * every row published since the last vacuum (5,940 entries for 32 rows, at 230 tickets/s). The
 * planner chose them from statistics a burst had outdated. The relay's connection runs nothing
 * else: its other statements go by the primary key or by row address. Statements, not startup
 * options, so that poolers in session mode pass them through.
 */
const RELAY_PLANNER_SETTINGS = 'SET enable_bitmapscan = off; SET enable_seqscan = off';

/**
 * The relay's own PostgreSQL connection, apart from the service's pool: it holds the schema's
 * session-level advisory lock, so exactly one relay per schema publishes without any transaction
 * staying open while the broker is slow or away. If the connection dies, PostgreSQL releases the
 * lock with it and another replica takes over. It does not LISTEN: the relay hears the outbox's
 * commits on the process's shared listening connection (docs/adr/0089, addendum of the
 * twenty-fourth session).
 */
export class RelaySession {
  private broken = false;
  private locked = false;

  private constructor(
    private readonly client: Client,
    private readonly lockName: string,
  ) {}

  static async open(options: { dataSource: DataSource; schema: string; logger: Logger; onError: () => void }): Promise<RelaySession> {
    const client = new Client({ connectionString: databaseUrlOf(options.dataSource), application_name: `${options.schema}:outbox-relay` });
    const session = new RelaySession(client, `outbox:${options.schema}`);
    // Without a listener an 'error' event (server restart) would crash the process.
    client.on('error', (error) => {
      session.broken = true;
      options.logger.warn({ err: error }, 'outbox relay connection lost');
      options.onError();
    });
    try {
      await client.connect();
      await client.query(RELAY_PLANNER_SETTINGS);
    } catch (error) {
      await client.end().catch(() => undefined); // the connect error is the one worth reporting
      throw error;
    }
    return session;
  }

  get usable(): boolean {
    return !this.broken;
  }

  /** True while this session holds the schema's relay lock; tries to take it when not. */
  async holdsLock(): Promise<boolean> {
    if (!this.locked) {
      const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.lockName]);
      this.locked = rows[0]?.locked === true;
    }
    return this.locked;
  }

  query<R extends object>(sql: string, params: unknown[]): Promise<R[]> {
    return this.client.query<R>(sql, params).then((r) => r.rows);
  }

  /** Closing the connection releases the lock. */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined); // already gone: nothing left to release
  }
}
