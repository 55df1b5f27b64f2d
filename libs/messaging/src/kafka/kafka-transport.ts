import { Kafka, KafkaJSError, logLevel, Partitioners, type Admin, type Consumer, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '@tss/service-kit';
import { BrokerStatus } from './broker-status';
import { watchConsumerBroker } from './consumer-broker-watch';
import { EventHandlingFailed, kafkajsLogCreator } from './kafkajs-log';
import { reportConsumerLag } from './consumer-lag';
import { RetryPauses } from './retry-pauses';
import { DEFAULT_SEPARATE_CONCURRENCY, FetchBatches } from './fetch-batches';
import { DEAD_LETTER_TOPIC, deadLetterHeaders, type DeadLetter, type EventTransport, type InboundMessage, type OutboundMessage, type SubscribeOptions, type Subscription } from '../transport';
import { fromKafkaMessage, headersToStrings, toKafkaHeaders } from './cloud-event-binding';
import { fixKafkajsRequestQueue } from './request-queue-fix';
import { kafkaClientConfig, type KafkaClientSecurity } from './kafka-connection';
import { DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS, DEFAULT_KAFKA_REBALANCE_TIMEOUT_MS, DEFAULT_KAFKA_SESSION_TIMEOUT_MS } from './kafka-group-settings';

/**
 * The most a publish puts in one produce request: under the broker's default `message.max.bytes`
 * (1 MiB), with room for the record batch's own overhead.
 */
export const PUBLISH_REQUEST_BYTES = 900 * 1024;

/** A message's size on the wire, near enough: key, value, header names and values. */
const messageBytes = (message: Message): number => {
  let bytes = 64 + Buffer.byteLength(String(message.key ?? '')) + Buffer.byteLength(String(message.value ?? ''));
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(String(value ?? ''));
  return bytes;
};

/**
 * kafkajs's workers for a consumer with a batch handler: at least the partitions one fetch
 * brings (topics × partitions assigned to the member), so that all of them reach FetchBatches
 * together. An idle worker costs nothing; with more partitions than this, the rest of a fetch
 * comes in a second round.
 */
const KAFKAJS_WORKERS = 64;

export interface KafkaTransportOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Partitions for topics this transport creates. */
  partitions?: number;
  /** Replicas of each partition of topics this transport creates (KAFKA_TOPIC_REPLICATION_FACTOR; default 1). */
  replicationFactor?: number;
  /** TLS and SASL (KAFKA_SSL*, KAFKA_SASL_*; `kafkaSecurityOptions`); absent: plaintext, no authentication. */
  security?: KafkaClientSecurity;
  /** Cap for one wait between reconnect attempts. */
  maxRetryTimeMs?: number;
  /** How long a request to the broker may go unanswered before it fails (kafkajs `requestTimeout`); default kafkajs's 30 s. */
  requestTimeoutMs?: number;
  /**
   * Partitions one consumer handles at the same time when a fetch's batches are not merged (more
   * than `mergeLimit` messages in all; docs/adr/0087). Default 3.
   */
  partitionsConsumedConcurrently?: number;
  /** A fetch's partition batches are handled as one batch while they hold at most this many messages (docs/adr/0087). Default 100; 0 never merges. */
  mergeLimit?: number;
  /** Prepended to every topic and consumer group name: isolates environments (or test runs) sharing a cluster. */
  topicPrefix?: string;
  /**
   * How long the group waits for a silent member before handing its partitions to the others:
   * after a crash (kill -9), consumption of its partitions resumes after about this long. kafkajs
   * has no static membership (KIP-345), so a restarted member always rejoins (docs/adr/0020).
   * KAFKA_SESSION_TIMEOUT_MS, KAFKA_HEARTBEAT_INTERVAL_MS, KAFKA_REBALANCE_TIMEOUT_MS
   * (`kafkaConsumerGroupOptions`); absent: 10 s, 3 s, 60 s.
   */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for the members to rejoin. */
  rebalanceTimeoutMs?: number;
  clock?: Clock;
}

/**
 * Runs a subscriber's handler for kafkajs. What it throws reaches kafkajs as EventHandlingFailed,
 * so kafkajs's lines about it are the handler's, not a broker outage (a database down is not
 * Kafka down); kafkajs's own errors (a heartbeat's rebalance) go on as they are, for kafkajs to act on.
 */
const handlerFailuresMarked = async (handle: () => Promise<void>): Promise<void> => {
  try {
    await handle();
  } catch (error) {
    if (error instanceof KafkaJSError) throw error;
    throw new EventHandlingFailed(error);
  }
};

/**
 * kafkajs transport: topics created if missing, keyed messages (ticket id) so each ticket's events
 * stay in one partition and in order, consumer groups, broker retries with backoff, a dead-letter
 * topic. kafkajs is frozen at 2.2.4; docs/adr/0002 records which brokers it is tested against.
 */
export class KafkaTransport implements EventTransport {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly knownTopics = new Set<string>();
  private readonly consumers = new Set<Consumer>();
  private readonly lagReporters = new Set<() => void>();
  /** Each subscription's partitions paused for a retry's wait. */
  private readonly retryPauses = new Set<RetryPauses>();
  private connecting?: Promise<void>;
  private readonly logger: Logger;
  readonly brokerStatus: BrokerStatus;

  constructor(private readonly options: KafkaTransportOptions) {
    fixKafkajsRequestQueue();
    this.logger = options.logger.child({ component: 'kafkajs' });
    this.brokerStatus = new BrokerStatus(options.clientId, this.logger, options.clock ?? systemClock);
    this.kafka = new Kafka({ ...kafkaClientConfig(options), logCreator: kafkajsLogCreator(this.logger, this.brokerStatus), logLevel: logLevel.WARN });
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // Publish waits for all in-sync replicas: the outbox row is marked published only after this.
      idempotent: false,
    });
    this.admin = this.kafka.admin();
  }

  private connect(): Promise<void> {
    this.connecting ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  private topic(name: string): string {
    return `${this.options.topicPrefix ?? ''}${name}`;
  }

  private unprefixed(topic: string): string {
    const prefix = this.options.topicPrefix ?? '';
    return topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
  }

  /** Creates the (prefixed) topics that do not exist yet. */
  async ensureTopics(names: readonly string[]): Promise<void> {
    const topics = names.map((n) => this.topic(n));
    const missing = topics.filter((t) => !this.knownTopics.has(t));
    if (missing.length === 0) return;
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const toCreate = missing.filter((t) => !existing.has(t));
    if (toCreate.length > 0) {
      try {
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: toCreate.map((topic) => ({
            topic,
            numPartitions: this.options.partitions ?? 3,
            replicationFactor: this.options.replicationFactor ?? 1,
          })),
        });
      } catch (error) {
        // kafkajs waits for leaders only through LEADER_NOT_AVAILABLE; a broker busy creating the
        // topic may answer UNKNOWN_TOPIC_OR_PARTITION for a moment instead. The topic exists: wait
        // for its leaders here.
        if ((error as { type?: unknown }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
        await this.waitForLeaders(toCreate);
      }
    }
    for (const t of missing) this.knownTopics.add(t);
  }

  /** Until every partition of the topics has a leader (10 s at most; then the last error). */
  private async waitForLeaders(topics: readonly string[]): Promise<void> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        const { topics: found } = await this.admin.fetchTopicMetadata({ topics: [...topics] });
        if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (error) {
        if (performance.now() > deadline) throw error;
      }
      if (performance.now() > deadline) throw new Error(`no leaders for ${topics.join(', ')} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics([...new Set(messages.map((m) => m.topic))]);
    // In requests of at most PUBLISH_REQUEST_BYTES, one after another: a broker refuses a record
    // batch over its `message.max.bytes` (1 MiB by default), and a relay batch of long replies
    // can be several. Sent in order, so each key's messages keep theirs.
    let request: { topic: string; message: Message }[] = [];
    let bytes = 0;
    const send = async () => {
      if (request.length === 0) return;
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of request) {
        const list = byTopic.get(topic);
        if (list) list.push(message);
        else byTopic.set(topic, [message]);
      }
      request = [];
      bytes = 0;
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })) });
    };
    for (const m of messages) {
      const message: Message = { key: m.key, value: JSON.stringify(m.event.data), headers: toKafkaHeaders(m.event) };
      const size = messageBytes(message);
      if (bytes + size > PUBLISH_REQUEST_BYTES) await send();
      request.push({ topic: this.topic(m.topic), message });
      bytes += size;
    }
    await send();
    this.brokerStatus.succeeded();
  }

  private inbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
    const headers = headersToStrings(message.headers);
    const decoded = fromKafkaMessage(headers, message.value);
    return {
      topic: this.unprefixed(topic),
      key: message.key?.toString('utf8'),
      event: decoded.event,
      decodeError: decoded.error,
      raw: { value: message.value, headers },
      position: `${topic}/${partition}@${message.offset}`,
    };
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const { handleBatch } = options;
    await this.ensureTopics([...options.topics]);
    const consumer = this.kafka.consumer({
      // The prefix isolates consumer groups too: two environments on one cluster never share a group.
      groupId: this.topic(options.group),
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: this.options.maxRetryTimeMs ?? 10_000 },
      sessionTimeout: this.options.sessionTimeoutMs ?? DEFAULT_KAFKA_SESSION_TIMEOUT_MS,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS,
      rebalanceTimeout: this.options.rebalanceTimeoutMs ?? DEFAULT_KAFKA_REBALANCE_TIMEOUT_MS,
      // An idle fetch returns after 1 s, so stopping (shutdown, rebalance) waits at most that.
      maxWaitTimeInMs: 1_000,
      allowAutoTopicCreation: false,
    });
    this.consumers.add(consumer);
    // Consumer lag, read from the broker at each metrics scrape (HPA and the lag alert, docs/operations.md).
    await this.connect();
    const stopReportingLag = reportConsumerLag({
      admin: this.admin,
      groupId: this.topic(options.group),
      topics: options.topics.map((t) => this.topic(t)),
      label: (name) => this.unprefixed(name),
    });
    this.lagReporters.add(stopReportingLag);
    const retryPauses = new RetryPauses();
    this.retryPauses.add(retryPauses);
    // A fetch's partitions handled as one batch, a larger fetch partition by partition, each in
    // order; the group's resolved offsets committed once per fetch, through the latest batch's
    // hooks, which all reach the same group (docs/adr/0087).
    let commitResolved: (() => Promise<void>) | undefined;
    const fetchBatches = handleBatch
      ? new FetchBatches(handleBatch, {
          mergeLimit: this.options.mergeLimit,
          separateConcurrency: this.options.partitionsConsumedConcurrently,
          commit: async () => commitResolved?.(),
        })
      : undefined;
    // A joined group or a fetch that came back means the cluster answers again; a request timed
    // out or a crash for want of an answer, that it does not (a hung broker logs no ERROR line).
    consumer.on(consumer.events.GROUP_JOIN, () => this.brokerStatus.succeeded());
    consumer.on(consumer.events.FETCH, () => this.brokerStatus.succeeded());
    watchConsumerBroker(consumer, this.brokerStatus);
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics.map((t) => this.topic(t)), fromBeginning: true });
    await consumer.run({
      // Batches: their offsets are committed by FetchBatches, after each fetch's batches.
      autoCommit: !fetchBatches,
      // Batches: every partition of a fetch handed over at once, to be merged into one batch
      // (FetchBatches, docs/adr/0087); kafkajs starts a worker per partition, up to this many.
      // Messages: partitions in parallel, each in order (one message at a time): a key lives in
      // one partition, so its order holds while one slow ticket no longer holds up the others (issue #7).
      partitionsConsumedConcurrently: fetchBatches ? KAFKAJS_WORKERS : (this.options.partitionsConsumedConcurrently ?? DEFAULT_SEPARATE_CONCURRENCY),
      // The offset of a message is committed only after `handle` resolved, i.e. after the inbox
      // transaction committed. A crash in between redelivers it; the inbox makes that a no-op.
      ...(fetchBatches
        ? {
            // A fetched batch of one partition, in order; an offset is resolved only once the batch
            // handler reported its message dealt with, and committed by FetchBatches after the fetch.
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary, uncommittedOffsets }) => {
              commitResolved = () => commitOffsetsIfNecessary(uncommittedOffsets());
              const inbound = batch.messages.map((message) => this.inbound(batch.topic, batch.partition, message));
              await handlerFailuresMarked(() =>
                fetchBatches.handle(inbound, {
                  handled: (count) => {
                    if (count > 0) resolveOffset(batch.messages[count - 1].offset);
                  },
                  isRunning: () => isRunning() && !isStale(),
                  heartbeat,
                  // Nothing after the handled messages is resolved, so nothing past the waiting one is committed.
                  retryLater: (delayMs) => retryPauses.hold(pause, delayMs),
                }),
              );
            },
          }
        : {
            eachMessage: async ({ topic, partition, message }) => {
              await handlerFailuresMarked(() => options.handle(this.inbound(topic, partition, message)));
            },
          }),
    });
    return {
      stop: async () => {
        stopReportingLag();
        this.lagReporters.delete(stopReportingLag);
        retryPauses.clear();
        this.retryPauses.delete(retryPauses);
        // Leaving the group needs the broker: during an outage kafkajs retries it for tens of seconds.
        await this.unlessUnreachable('leaving the consumer group', consumer.disconnect());
        this.consumers.delete(consumer);
      },
    };
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.ensureTopics([DEAD_LETTER_TOPIC]);
    await this.producer.send({
      topic: this.topic(DEAD_LETTER_TOPIC),
      acks: -1,
      messages: [{ key: letter.message.key ?? null, value: letter.message.raw.value, headers: deadLetterHeaders(letter) }],
    });
  }

  onUnreachable(listener: () => void): () => void {
    return this.brokerStatus.onUnreachable(listener);
  }

  /**
   * `work`, or less: once the broker is unreachable (already, or while it waits) it is left to
   * kafkajs and not waited for. A stop during an outage otherwise waited out kafkajs's connection
   * retries (a consumer's disconnect sends LeaveGroup; tens of seconds) and SHUTDOWN_TIMEOUT_MS
   * ran out (docs/adr/0020, addendum of 2026-12-05). Nothing is lost: the offsets of what was not
   * committed are delivered again (the inbox absorbs them), and the group hands a member that did
   * not leave to the others after its session timeout.
   */
  private async unlessUnreachable(what: string, work: Promise<unknown>): Promise<void> {
    // Once given up, its outcome is nobody's; until then a failure is the caller's.
    work.catch(() => undefined);
    let stopListening = (): void => undefined;
    const unreachable = new Promise<'unreachable'>((resolve) => {
      stopListening = this.brokerStatus.onUnreachable(() => resolve('unreachable'));
    });
    try {
      const outcome = await Promise.race([work.then(() => 'done' as const), unreachable]);
      if (outcome === 'unreachable') this.logger.info({ clientId: this.options.clientId }, `Kafka unreachable: ${what} left unfinished`);
    } finally {
      stopListening();
    }
  }

  async ping(): Promise<void> {
    await this.connect();
    await this.admin.describeCluster();
    this.brokerStatus.succeeded();
  }

  async close(): Promise<void> {
    for (const stop of this.lagReporters) stop();
    this.lagReporters.clear();
    for (const pauses of this.retryPauses) pauses.clear();
    this.retryPauses.clear();
    const consumers = [...this.consumers];
    this.consumers.clear();
    const disconnecting = (async () => {
      try {
        await Promise.all(consumers.map((c) => c.disconnect()));
      } finally {
        await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
      }
    })();
    await this.unlessUnreachable('disconnecting', disconnecting);
  }
}
