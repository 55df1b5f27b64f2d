import type { Logger } from 'pino';
import { systemClock, type Clock } from '@tss/service-kit';
import { toKafkaHeaders } from '../kafka/cloud-event-binding';
import {
  DEAD_LETTER_TOPIC,
  deadLetterHeaders,
  type DeadLetter,
  type EventTransport,
  type OutboundMessage,
  type OutboxCopy,
  type SubscribeOptions,
  type Subscription,
  type TransportDatabaseOptions,
  type TransportRetentionOptions,
} from '../transport';
import { EventLog, type LogEntry } from './event-log';
import { EventLogRetention } from './event-log-retention';
import { GroupReader } from './group-reader';

export interface InProcessTransportOptions {
  logger?: Logger;
  /** Fallback for readers: appends by this process wake them at once. */
  pollIntervalMs?: number;
  maxBackoffMs?: number;
  batchSize?: number;
  /** See GroupReaderOptions.lingerMs. */
  lingerMs?: number;
}

/** Default linger of a busy group between reads: a few ms against a round trip per message. */
export const IN_PROCESS_LINGER_MS = 15;

/**
 * The single-process transport keeps Kafka's promise (docs/adr/0013): `publish` resolves once the
 * messages are appended to a log in PostgreSQL, and every consumer group reads that log from its
 * own committed offset. So a group that subscribes after the relay published, or that was stopped
 * while others published, still gets every message, after a restart too. Messages go through the
 * same encoding as on Kafka, so validation sees what it would there.
 */
export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process' as const;
  private log?: EventLog;
  private databaseUrl?: string;
  private clock: Clock = systemClock;
  /** The log's one pruner in this process (docs/adr/0032). */
  private retention?: EventLogRetention;
  private readonly readers = new Map<string, GroupReader>();
  /** The topics each group of this process reads: who must have read an entry before it is scrubbed. */
  private readonly topicsOf = new Map<string, readonly string[]>();
  private closed = false;

  constructor(private readonly options: InProcessTransportOptions = {}) {}

  /**
   * Opens (and migrates) the log in the platform's database; hosts call it before they start.
   * Appends are timed by `clock` (the platform's), which retention ages entries by.
   */
  async useDatabase(databaseUrl: string, options: TransportDatabaseOptions = {}): Promise<void> {
    if (this.databaseUrl === databaseUrl) return;
    if (this.databaseUrl) throw new Error('in-process transport already uses another database');
    this.databaseUrl = databaseUrl;
    this.clock = options.clock ?? systemClock;
    this.log = await EventLog.open(databaseUrl, { clock: this.clock });
  }

  /**
   * Prunes the log on a schedule, as Kafka's retention prunes a topic (docs/adr/0032, addendum
   * of 2026-12-05, second session). One pruner per transport whoever calls; `close` stops it.
   */
  startRetention(options: TransportRetentionOptions): void {
    this.retention ??= new EventLogRetention({ ...options, log: this.openLog(), clock: this.clock });
    this.retention.start();
  }

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    await this.append(
      messages.map((m) => ({ topic: m.topic, key: m.key, headers: toKafkaHeaders(m.event), value: Buffer.from(JSON.stringify(m.event.data)) })),
    );
  }

  /** The log is in the platform's database: a relay on that same database copies rows in (docs/adr/0053). */
  copyFromOutbox(databaseUrl: string): OutboxCopy | undefined {
    if (this.closed || !this.log || databaseUrl !== this.databaseUrl) return undefined;
    return { appendSql: (rows) => EventLog.appendFromSql(rows), appended: () => this.wakeReaders() };
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const log = this.openLog();
    if (this.readers.has(options.group)) throw new Error(`group ${options.group} already subscribed in this process`);
    const reader = new GroupReader({
      ...options,
      log,
      pollIntervalMs: this.options.pollIntervalMs ?? 1_000,
      maxBackoffMs: this.options.maxBackoffMs ?? 2_000,
      batchSize: this.options.batchSize ?? 100,
      lingerMs: this.options.lingerMs ?? IN_PROCESS_LINGER_MS,
      logger: this.options.logger,
      onCommitted: (entries) => this.scrubConsumed(entries),
    });
    this.readers.set(options.group, reader);
    this.topicsOf.set(options.group, options.topics);
    return {
      stop: async () => {
        await reader.stop();
        // Its committed offset still counts: a group stopped for a while is waited for.
        if (this.readers.get(options.group) === reader) this.readers.delete(options.group);
      },
    };
  }

  /**
   * P9 (docs/adr/0070): once the last group reading a topic has committed an entry that carries
   * data in transit, the log keeps it without that data. The groups are this process's (single-
   * process mode runs them all); a failure leaves the entry as it was, and is logged.
   */
  private async scrubConsumed(entries: readonly { offset: string; topic: string }[]): Promise<void> {
    const topics = new Set(entries.map((e) => e.topic));
    for (const topic of topics) {
      const groups = [...this.topicsOf].filter(([, read]) => read.includes(topic)).map(([group]) => group);
      const offsets = entries.filter((e) => e.topic === topic).map((e) => e.offset);
      try {
        await this.openLog().scrubConsumed(offsets, groups);
      } catch (error) {
        this.options.logger?.warn({ err: error, topic, offsets }, 'in-process log: data in transit not scrubbed');
      }
    }
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.append([{ topic: DEAD_LETTER_TOPIC, key: letter.message.key, headers: deadLetterHeaders(letter), value: letter.message.raw.value }]);
  }

  async ping(): Promise<void> {
    await this.openLog().ping();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
    this.readers.clear();
    await this.retention?.stop();
    await this.log?.close();
  }

  private async append(entries: LogEntry[]): Promise<void> {
    await this.openLog().append(entries);
    this.wakeReaders();
  }

  private wakeReaders(): void {
    for (const reader of this.readers.values()) reader.wake();
  }

  private openLog(): EventLog {
    if (this.closed) throw new Error('in-process transport is closed');
    if (!this.log) throw new Error('in-process transport has no database yet: call useDatabase(url) before using it');
    return this.log;
  }
}
