import { Client, type Notification } from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/** The url a service's data source was configured with: its own connections (relays, listeners) open with it. */
export const databaseUrlOf = (dataSource: DataSource): string => {
  const url = (dataSource.options as { url?: unknown }).url;
  if (typeof url !== 'string') throw new Error('this needs a data source configured with a url');
  return url;
};

/** A channel listened to on the process's shared connection (`listen`). */
export interface Listening {
  /** False once the shared connection is lost or this is closed: listen again before relying on it. */
  readonly usable: boolean;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** The database's url (`databaseUrlOf` a service's data source). */
  url: string;
  channel: string;
  logger: Logger;
  /**
   * A NOTIFY on the channel, with the process ID of the backend whose commit sent it; or, without
   * one, the connection lost (wake up, and listen again before the next read).
   */
  onNotify: (senderPid?: number) => void;
}

/** The application_name of the shared connection, in `pg_stat_activity`. */
export const LISTENER_APPLICATION_NAME = 'tss:listener';

interface Subscriber {
  onNotify: (senderPid?: number) => void;
  logger: Logger;
}

/** A channel name as an SQL identifier. */
const quoted = (channel: string): string => `"${channel.replaceAll('"', '""')}"`;

/** Open listeners by database url: one per database in a process. */
const listeners = new Map<string, SharedListener>();

/**
 * One connection per database per process LISTENs for every channel the process's outbox relays,
 * timer workers and webhook senders wait on (docs/adr/0089). Before PostgreSQL 19 a NOTIFY signals
 * every backend that listens to anything in its database, whatever the channel, and each one wakes
 * to read the queue: with a connection per waiter, twelve backends woke for each commit. A
 * subscriber's LISTEN has finished when `listen` resolves, so a read after it misses no commit.
 * Losing the connection wakes every subscriber and makes their `Listening` unusable; the next
 * `listen` opens a new one. The connection closes with its last subscriber.
 */
class SharedListener {
  private readonly channels = new Map<string, { subscribers: Set<Subscriber>; listened: Promise<void> }>();
  private readonly connected: Promise<void>;
  private lost = false;
  private established = false;
  /** The connection's statements, one after another in the order sent (pg no longer queues them for us). */
  private statements: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly url: string,
    private readonly client: Client,
  ) {
    // Without a listener an 'error' event (server restart) would crash the process.
    client.on('error', (error) => this.loseConnection(error));
    client.on('end', () => this.loseConnection(new Error('the listening connection ended')));
    client.on('notification', (message: Notification) => {
      for (const subscriber of this.channels.get(message.channel)?.subscribers ?? []) subscriber.onNotify(message.processId);
    });
    this.connected = client.connect().then(() => {
      this.established = true;
    });
    // A failed connect rejects every `listen` waiting on it; this only retires the connection.
    this.connected.catch((error: unknown) => this.loseConnection(error));
  }

  get usable(): boolean {
    return !this.lost;
  }

  /** Adds the subscriber at once (so a concurrent last close keeps the connection), then waits for its LISTEN. */
  async subscribe(channel: string, subscriber: Subscriber): Promise<void> {
    let entry = this.channels.get(channel);
    if (!entry) {
      const listened = this.connected.then(() => this.run(`LISTEN ${quoted(channel)}`));
      entry = { subscribers: new Set(), listened };
      this.channels.set(channel, entry);
    }
    entry.subscribers.add(subscriber);
    try {
      await entry.listened;
    } catch (error) {
      await this.unsubscribe(channel, subscriber);
      throw error;
    }
    if (this.lost) {
      await this.unsubscribe(channel, subscriber);
      throw new Error('the listening connection was lost');
    }
  }

  async unsubscribe(channel: string, subscriber: Subscriber): Promise<void> {
    const entry = this.channels.get(channel);
    if (!entry?.subscribers.delete(subscriber) || entry.subscribers.size > 0) return;
    this.channels.delete(channel);
    if (this.channels.size === 0) {
      if (listeners.get(this.url) === this) listeners.delete(this.url);
      this.lost = true;
      await this.client.end().catch(() => undefined);
    } else if (!this.lost) {
      // Queued after any LISTEN sent before it: a subscriber that comes back meanwhile listens again after it.
      await this.run(`UNLISTEN ${quoted(channel)}`).catch(() => undefined);
    }
  }

  /** Sends `sql` once every statement sent before it has been answered. */
  private run(sql: string): Promise<void> {
    const done = this.statements.then(() => this.client.query(sql)).then(() => undefined);
    this.statements = done.catch(() => undefined);
    return done;
  }

  private loseConnection(error: unknown): void {
    if (this.lost) return;
    this.lost = true;
    if (listeners.get(this.url) === this) listeners.delete(this.url);
    void this.client.end().catch(() => undefined);
    // Before it was open, the subscribers are still waiting for their LISTEN, which rejects.
    if (!this.established) return;
    const subscribers = [...this.channels.entries()].flatMap(([channel, entry]) => [...entry.subscribers].map((subscriber) => ({ channel, subscriber })));
    for (const { channel, subscriber } of subscribers) {
      subscriber.logger.warn({ err: error, channel }, 'listening connection lost; listening again on a new one');
      subscriber.onNotify();
    }
  }
}

/**
 * LISTENs for `channel` on the process's shared connection to the database at `url`, opening
 * it if need be. Resolves once the LISTEN has run; rejects if the connection cannot be opened.
 */
export const listen = async (options: ListenOptions): Promise<Listening> => {
  const { url } = options;
  let shared = listeners.get(url);
  if (!shared) {
    shared = new SharedListener(url, new Client({ connectionString: url, application_name: LISTENER_APPLICATION_NAME }));
    listeners.set(url, shared);
  }
  const subscriber: Subscriber = { onNotify: options.onNotify, logger: options.logger };
  await shared.subscribe(options.channel, subscriber);
  const listener = shared;
  let closed = false;
  return {
    get usable() {
      return !closed && listener.usable;
    },
    async close() {
      if (closed) return;
      closed = true;
      await listener.unsubscribe(options.channel, subscriber);
    },
  };
};
