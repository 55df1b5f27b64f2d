import type { Logger } from 'pino';
import type { CloudEventEnvelope } from '@tss/contracts';
import type { Clock } from '@tss/service-kit';
import type { RetentionSettings } from './retention/retention-settings';

export interface OutboundMessage {
  topic: string;
  /** The ticket id (CloudEvents subject): one key's messages keep their order. */
  key: string;
  event: CloudEventEnvelope;
}

/** A message as it arrives, before validation: `event` is what could be decoded, `raw` what came. */
export interface InboundMessage {
  topic: string;
  key: string | undefined;
  event: unknown;
  /** A decoding failure, if the bytes could not even be read as an event. */
  decodeError?: string;
  /** Original bytes and headers, kept for dead-lettering. */
  raw: { value: Buffer | null; headers: Record<string, string> };
  /** Transport position, for logs and dead letters (Kafka partition/offset). */
  position?: string;
}

/**
 * Delivery contract for `handle`: resolve when the message is dealt with (handled, skipped or
 * dead-lettered); reject to have it delivered again later (at-least-once; the inbox dedups).
 */
export type MessageHandler = (message: InboundMessage) => Promise<void>;

/** What a batch handler reports while it works through a batch. */
export interface BatchProgress {
  /** The first `count` messages of the batch are dealt with: their offsets may be committed. */
  handled(count: number): void;
  /** False once the subscription is stopping (or Kafka took the partition away): stop early, the rest is redelivered. */
  isRunning(): boolean;
  /** Keeps a Kafka group membership alive during a long batch; nothing in-process. */
  heartbeat(): Promise<void>;
  /**
   * A retry's wait handed to the transport (docs/adr/0013, addendum of 2026-12-05, second
   * session): the message after the ones reported `handled` is delivered again, with the rest,
   * after `delayMs`; the batch handler resolves at once. Kafka pauses the partition meanwhile, so
   * the member's other partitions are fetched and its heartbeats go on. Absent (in-process, one
   * reader per group): the batch handler waits in line, heartbeating.
   */
  retryLater?(delayMs: number): void;
}

/**
 * Delivery contract for `handleBatch`: messages of one fetch (Kafka: its partitions one after the
 * other, each in order, docs/adr/0087) or of one group's read (in-process), in order. Resolve when
 * the messages reported `handled` are dealt with; reject to have every message after the last one
 * reported delivered again (at-least-once; the inbox dedups).
 */
export type BatchHandler = (messages: readonly InboundMessage[], progress: BatchProgress) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: every group gets every message once; members of a group share the load. */
  group: string;
  topics: readonly string[];
  handle: MessageHandler;
  /** When given, the transport hands over messages in batches here instead of one by one to `handle`. */
  handleBatch?: BatchHandler;
}

export interface Subscription {
  /** Stops fetching, lets the message in hand finish, leaves the group. */
  stop(): Promise<void>;
}

/** Dead letters go here: original bytes plus why and where they failed. */
export const DEAD_LETTER_TOPIC = 'tss.dead-letter';

export interface DeadLetter {
  message: InboundMessage;
  group: string;
  reason: string;
}

/** A dead letter's headers, the same on both transports: the original ones plus why and where it failed. */
export const deadLetterHeaders = ({ message, group, reason }: DeadLetter): Record<string, string> => ({
  ...message.raw.headers,
  'dlq-reason': reason.slice(0, 2_000),
  'dlq-group': group,
  'dlq-topic': message.topic,
  ...(message.position ? { 'dlq-position': message.position } : {}),
});

/**
 * A transport whose log is a table in the outbox's own database (the in-process transport in
 * single-process mode) lets the relay copy rows there in one statement, without reading them
 * out (docs/adr/0053).
 */
export interface OutboxCopy {
  /**
   * An `INSERT … SELECT` that appends the rows of `rows` (a `WITH` name with columns `position`,
   * `topic`, `message_key`, `event` and `appended_at`, the relay's clock time) to the log in
   * position order, encoded as `publish` would, returning one row per message. It takes the log's
   * append lock, held to the commit.
   */
  appendSql(rows: string): string;
  /** After a copy committed: the log's readers in this process look at once. */
  appended(): void;
}

export interface TransportDatabaseOptions {
  /** The time the log records appends at, which its retention ages them by (default: the system's). */
  clock?: Clock;
}

export interface TransportRetentionOptions extends RetentionSettings {
  logger: Logger;
}

/** The port both transports implement (docs/adr/0003, 0013). */
export interface EventTransport {
  readonly kind: 'kafka' | 'in-process';
  /** Resolves once every message is durably accepted by the transport. */
  publish(messages: readonly OutboundMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  deadLetter(letter: DeadLetter): Promise<void>;
  /**
   * Transports that keep their log in PostgreSQL (in-process) open it in the platform's database
   * here; hosts call it before any relay or consumer starts. Kafka needs none.
   */
  useDatabase?(databaseUrl: string, options?: TransportDatabaseOptions): Promise<void>;
  /**
   * Transports that keep their log themselves (in-process) prune it, as Kafka's topic retention
   * does (docs/adr/0032): the platform starts this once its workers run; `close` stops it. Once
   * per transport, so once per process; a second call changes nothing. Kafka needs none.
   */
  startRetention?(options: TransportRetentionOptions): void;
  /** The copy into the log, when the log lives in the database at `databaseUrl` (the same url `useDatabase` had); undefined otherwise. */
  copyFromOutbox?(databaseUrl: string): OutboxCopy | undefined;
  /**
   * Calls `listener` once the broker is unreachable (at once during an outage); returns its
   * removal. A stopping relay gives up a batch the broker cannot take then (docs/adr/0020,
   * addendum of 2026-12-05). Transports without a broker (in-process) have none.
   */
  onUnreachable?(listener: () => void): () => void;
  /** Readiness: the broker answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
