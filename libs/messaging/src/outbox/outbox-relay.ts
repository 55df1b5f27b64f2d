import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { CloudEventEnvelope } from '@tss/contracts';
import { Type } from '@sinclair/typebox';
import { contextFromCarrier, envSchema, loadConfig, spansRecorded, timerDelayMs, traceCarrierOf, type Clock } from '@tss/service-kit';
import { assertSchemaName, databaseUrlOf, listen, prepared, type Listening } from '@tss/persistence';
import { messagingMetrics, reportBacklog, type OutboxBacklog } from '../metrics/messaging-metrics';
import type { EventTransport, OutboundMessage, OutboxCopy } from '../transport';
import { publishedEventSql } from './in-transit-data';
import { outboxChannel } from './outbox-notify.migration';
import { CommitEchoes, type AnnouncedCommit } from './commit-echoes';
import { RelaySession } from './relay-session';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  schema: string;
  transport: EventTransport;
  clock: Clock;
  logger: Logger;
  /** The `service` label of its metrics; the schema when not given. */
  service?: string;
  batchSize?: number;
  /**
   * Fallback poll. Commits wake the relay at once (NOTIFY from the outbox trigger, or a kick from
   * this process), so this only bounds the delay after a lost notification or a lock hand-over.
   */
  pollIntervalMs?: number;
  /** Longest wait between attempts while the broker or database is down. */
  maxBackoffMs?: number;
  /**
   * Under load (the last drain published something, but fewer than `PIPELINE_FROM_ROWS`), how
   * long a commit's wake-up waits for more commits before the next drain, so rows leave in
   * batches rather than one round trip each (issue #8, docs/performance.md). An idle relay drains
   * at once, and so does one whose last drain was a batch already (docs/adr/0056). 0 turns it off.
   */
  lingerMs?: number;
  /** How long a stopping relay still waits for a batch the transport has not acknowledged yet. */
  stopGraceMs?: number;
}

/**
 * Default `batchSize`: rows per drain. A burst (10,000 SLA breaches due within a second) drains
 * in a few statements instead of a hundred; the Kafka transport splits a batch into requests the
 * broker accepts (docs/adr/0051).
 */
export const OUTBOX_RELAY_BATCH_SIZE = 500;

/** The relay's setting, read by the runtime for every hosted service: in the process's one schema (docs/adr/0015). */
export const OutboxRelayEnv = {
  OUTBOX_RELAY_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 5_000,
    default: OUTBOX_RELAY_BATCH_SIZE,
    description: 'Outbox rows a relay publishes per batch (docs/adr/0051)',
  }),
};
const OutboxRelaySchema = envSchema(OutboxRelayEnv);

/** `OUTBOX_RELAY_BATCH_SIZE` (500): an integer from 1 to 5,000; a ConfigError naming it on anything else. */
export const relayBatchSizeFrom = (env: NodeJS.ProcessEnv): number => loadConfig(OutboxRelaySchema, env).OUTBOX_RELAY_BATCH_SIZE;

/**
 * Default `stopGraceMs`. A broker that is up acknowledges a batch in milliseconds; one still unanswered
 * this long after a stop is in kafkajs's connection retries (tens of seconds in an outage, and
 * disconnecting does not end them). The relay then stops without it: the rows stay unpublished
 * and go at the next start (the consumers' inboxes absorb a batch that did arrive meanwhile).
 */
export const OUTBOX_RELAY_STOP_GRACE_MS = 2_000;

/** A batch at least this large (or a full one) means load: the next is read while it is published. */
export const PIPELINE_FROM_ROWS = 100;

/** Default `lingerMs`: well under the 1 s the outbox may take to drain after a burst. */
export const OUTBOX_RELAY_LINGER_MS = 15;

interface OutboxRow {
  position: string;
  topic: string;
  message_key: string;
  event: CloudEventEnvelope;
}

/** The transport refused a batch: the database connection is fine and the lock is kept. */
class PublishFailed extends Error {
  override name = 'PublishFailed';
}

/** The relay stopped before the transport answered for a batch (`stopGraceMs`): it stays unpublished. */
class PublishAbandoned extends PublishFailed {
  override name = 'PublishAbandoned';
}

/**
 * Publishes the outbox in position order. One relay per schema works at a time (a session-level
 * advisory lock on the relay's own connection); a ticket's events are written under its row lock,
 * so per ticket position order is sequence order (docs/adr/0013). A row is marked published only
 * after the transport acknowledged it, and no transaction is open meanwhile; a crash between the
 * two republishes it, which consumers' inboxes absorb (at-least-once, docs/adr/0003). Marking a
 * row published drops its `data.inTransit`, which is for consumers only (P9, docs/adr/0070).
 */
export class OutboxRelay {
  private readonly schema: string;
  private running = false;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private kicked = false;
  private readonly echoes = new CommitEchoes();
  private failures = 0;
  private session?: RelaySession;
  /** The outbox's NOTIFY, on the process's shared listening connection (docs/adr/0089). */
  private listening?: Listening;
  private stopReporting?: () => void;
  /** Aborted by `stop()`: a publish in flight gets `stopGraceMs` more, no longer. */
  private stopping = new AbortController();
  /** Count of events published by this relay instance (metrics, tests). */
  publishedCount = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.schema = assertSchemaName(options.schema);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.stopReporting = reportBacklog({ service: this.service, backlog: () => this.backlog() });
    this.loopDone = this.loop();
  }

  private get batchSize(): number {
    return this.options.batchSize ?? OUTBOX_RELAY_BATCH_SIZE;
  }

  /** Rows from which a drain counts as load: it reads ahead (ADR 0052), and needs no linger after it (ADR 0056). */
  private get loadRows(): number {
    return Math.min(PIPELINE_FROM_ROWS, this.batchSize);
  }

  private get service(): string {
    return this.options.service ?? this.schema;
  }

  /** Unpublished rows and the age of the oldest, by the injected clock (metrics). */
  async backlog(): Promise<OutboxBacklog> {
    const [row] = (await this.options.dataSource.query(`SELECT count(*)::int AS events, min(created_at) AS oldest FROM "${this.schema}".outbox WHERE published_at IS NULL`)) as {
      events: number;
      oldest: Date | null;
    }[];
    const oldestAgeSeconds = row.oldest ? Math.max(0, (this.options.clock.now().getTime() - row.oldest.getTime()) / 1000) : 0;
    return { events: row.events, oldestAgeSeconds };
  }

  /**
   * Asks for a drain now: after a commit that wrote to the outbox, here or, by NOTIFY, elsewhere.
   * A commit of this process's unit of work names itself, so that its NOTIFY, or the kick that
   * follows its NOTIFY, does not wake the relay a second time (docs/adr/0090).
   */
  kick(commit?: AnnouncedCommit): void {
    if (commit && !this.echoes.announced(commit)) return;
    this.kicked = true;
    this.wake?.();
  }

  /** A NOTIFY on the outbox's channel, sent by `backendPid`'s commit. */
  private notified(backendPid: number): void {
    if (this.echoes.notified(backendPid)) this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.wake?.();
    await this.loopDone;
    this.stopReporting?.();
    this.stopReporting = undefined;
  }

  /**
   * Publishes what the outbox holds, a batch at a time; returns how many rows it published (0 if
   * another relay holds the lock). Under load (a batch of at least `PIPELINE_FROM_ROWS`) it reads
   * the next batch, in the statement that marks the batch before published, while the transport
   * takes this one: a burst costs max(publish, read) per batch instead of their sum
   * (docs/performance.md). Batches still go to the transport one after another, in order.
   */
  async drainOnce(): Promise<number> {
    // Listening before the read: a commit after it wakes the relay again.
    await this.listen();
    const session = await this.openSession();
    if (!(await session.holdsLock())) return 0;
    const copy = this.copyInDatabase();
    if (copy) return this.copyAll(session, copy);
    let published = 0;
    /** Published, not yet marked: the next statement marks them. */
    let unmarked: string[] = [];
    let rows = await this.readBatch(session, [], []);
    while (rows.length > 0) {
      const positions = rows.map((r) => r.position);
      const publishing = this.untilStoppedTooLong(this.publishRows(rows));
      const pipelined = rows.length >= this.loadRows && this.running;
      // Started at once, on the relay's own connection, while the transport takes this batch.
      const next = pipelined ? this.readBatch(session, unmarked, positions) : this.mark(session, unmarked).then((): OutboxRow[] => []);
      const [sent, read] = await Promise.allSettled([publishing, next]);
      // A database error wins: the connection is in doubt (the batch is published again later,
      // which the consumers' inboxes absorb). A transport error keeps the connection and the marks.
      if (read.status === 'rejected') throw read.reason;
      if (sent.status === 'rejected') throw sent.reason instanceof PublishAbandoned ? sent.reason : new PublishFailed('the transport did not accept the batch', { cause: sent.reason });
      unmarked = positions;
      published += this.counted(rows.length);
      rows = read.value;
    }
    await this.mark(session, unmarked);
    return published;
  }

  /**
   * The transport's log is a table in this database (single-process mode) and no span would be
   * recorded: the rows go there in one statement, never read out (docs/adr/0053). With spans
   * recorded, every event goes the traced way, with its producer span.
   */
  private copyInDatabase(): OutboxCopy | undefined {
    if (spansRecorded()) return undefined;
    return this.options.transport.copyFromOutbox?.(databaseUrlOf(this.options.dataSource));
  }

  /**
   * Publishes the outbox into the transport's log, a batch per statement: marking the rows and
   * appending them commit together, so no row is published twice, none is lost, and the log takes
   * them in position order.
   */
  private async copyAll(session: RelaySession, copy: OutboxCopy): Promise<number> {
    let published = 0;
    for (;;) {
      // The log takes each event as written (`picked`, read from the statement's snapshot); the
      // outbox keeps it without its data in transit (docs/adr/0070).
      const [{ copied }] = await session.query<{ copied: number }>(
        `WITH picked AS MATERIALIZED (
           SELECT ctid AS row_id, position, topic, message_key, event FROM "${this.schema}".outbox WHERE published_at IS NULL ORDER BY position LIMIT $2),
         marked AS (
           UPDATE "${this.schema}".outbox SET published_at = $1, event = ${publishedEventSql('event')}
            WHERE ctid = ANY(ARRAY(SELECT row_id FROM picked))
           RETURNING position),
         batch AS (SELECT p.position, p.topic, p.message_key, p.event, $1::timestamptz AS appended_at FROM picked p JOIN marked m USING (position)),
         appended AS (${copy.appendSql('batch')})
         SELECT count(*)::int AS copied FROM appended`,
        [this.options.clock.now(), this.batchSize],
      );
      if (copied > 0) {
        copy.appended();
        published += this.counted(copied);
      }
      if (copied < this.batchSize) return published;
    }
  }

  /** Counts `n` events published (this relay's count and the service's metric); returns `n`. */
  private counted(n: number): number {
    this.publishedCount += n;
    messagingMetrics().published.inc({ service: this.service }, n);
    return n;
  }

  /**
   * Marks `unmarked` published and reads the next batch of unpublished rows, leaving out those
   * still being published (`inFlight`) and those this statement marks (it reads the snapshot from
   * before its own update). One round trip, no transaction left open.
   */
  private readBatch(session: RelaySession, unmarked: readonly string[], inFlight: readonly string[]): Promise<OutboxRow[]> {
    const skip = [...unmarked, ...inFlight];
    return session.query<OutboxRow>(
      prepared(`WITH marked AS (UPDATE "${this.schema}".outbox SET published_at = $1, event = ${publishedEventSql('event')} WHERE position = ANY($2::bigint[]))
       SELECT position, topic, message_key, event FROM "${this.schema}".outbox
        WHERE published_at IS NULL AND position <> ALL($3::bigint[]) ORDER BY position LIMIT $4`),
      [this.options.clock.now(), unmarked, skip, this.batchSize],
    );
  }

  private async mark(session: RelaySession, positions: readonly string[]): Promise<void> {
    if (positions.length === 0) return;
    await session.query(prepared(`UPDATE "${this.schema}".outbox SET published_at = $1, event = ${publishedEventSql('event')} WHERE position = ANY($2::bigint[])`), [
      this.options.clock.now(),
      positions,
    ]);
  }

  /**
   * `publishing`, except that once the relay is stopping it is waited for `stopGraceMs` at most,
   * then abandoned (PublishAbandoned): a shutdown during a broker outage must not wait out the
   * client's retries. When the transport says its broker is unreachable (now, or during the
   * grace), it is abandoned at once: the broker cannot take the batch (docs/adr/0020, addendum of
   * 2026-12-05). Its late outcome is nobody's, and handled here.
   */
  private untilStoppedTooLong(publishing: Promise<void>): Promise<void> {
    const { signal } = this.stopping;
    const graceMs = this.options.stopGraceMs ?? OUTBOX_RELAY_STOP_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    let stopListening: (() => void) | undefined;
    let startGrace = (): void => undefined;
    const giveUp = new Promise<never>((_resolve, reject) => {
      startGrace = () => {
        timer = setTimeout(() => reject(new PublishAbandoned(`the transport had not answered for the batch ${graceMs} ms after the relay was stopped`)), graceMs);
        stopListening = this.options.transport.onUnreachable?.(() => reject(new PublishAbandoned('the broker is unreachable and the relay was stopped')));
      };
    });
    if (signal.aborted) startGrace();
    else signal.addEventListener('abort', startGrace, { once: true });
    publishing.catch(() => undefined);
    giveUp.catch(() => undefined);
    return Promise.race([publishing, giveUp]).finally(() => {
      signal.removeEventListener('abort', startGrace);
      clearTimeout(timer);
      stopListening?.();
    });
  }

  /** Hands a batch to the transport, with a producer span per event, child of the request that wrote it. */
  private async publishRows(rows: readonly OutboxRow[]): Promise<void> {
    const spans: Span[] = [];
    const messages: OutboundMessage[] = rows.map((row) => {
      const span = trace
        .getTracer('tss')
        .startSpan(`publish ${row.event.type}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': row.topic, 'tss.event_id': row.event.id } }, contextFromCarrier(row.event));
      spans.push(span);
      const carrier = traceCarrierOf(trace.setSpan(context.active(), span));
      return { topic: row.topic, key: row.message_key, event: { ...row.event, ...carrier } };
    });
    try {
      await this.options.transport.publish(messages);
    } finally {
      for (const span of spans) span.end();
    }
  }

  private async openSession(): Promise<RelaySession> {
    if (this.session && !this.session.usable) await this.closeSession();
    this.session ??= await RelaySession.open({ dataSource: this.options.dataSource, schema: this.schema, logger: this.options.logger, onError: () => this.wake?.() });
    return this.session;
  }

  private async listen(): Promise<void> {
    if (this.listening?.usable) return;
    await this.listening?.close();
    this.listening = undefined;
    // What the lost connection would have said will not come; what the new one says from its LISTEN on pairs as usual.
    this.echoes.forget();
    this.listening = await listen({
      url: databaseUrlOf(this.options.dataSource),
      channel: outboxChannel(this.schema),
      logger: this.options.logger,
      // Without a sender the connection was lost: wake up and listen again.
      onNotify: (senderPid) => (senderPid === undefined ? this.kick() : this.notified(senderPid)),
    });
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.drainOnce();
        if (this.failures > 0) this.options.logger.info({ failedAttempts: this.failures }, 'outbox relay publishing again');
        this.failures = 0;
      } catch (error) {
        if (error instanceof PublishAbandoned) {
          this.options.logger.info({ reason: error.message }, 'outbox relay stopped with a batch unpublished; it is published at the next start');
          break;
        }
        this.failures += 1;
        // A database error leaves the connection in an unknown state: drop it, and the lock with it.
        if (!(error instanceof PublishFailed)) await this.closeSession();
        // An outage is one event: its first failure is a warning, the retries are debug (docs/adr/0020).
        const level = this.failures === 1 ? 'warn' : 'debug';
        this.options.logger[level]({ err: error, failures: this.failures }, 'outbox relay could not publish; will retry');
      }
      if (!this.running) break;
      if (this.kicked && this.failures === 0) {
        const lingerMs = this.options.lingerMs ?? OUTBOX_RELAY_LINGER_MS;
        // Small commits wait for company; batches (a fired burst of timers) need none (docs/adr/0056).
        if (published > 0 && published < this.loadRows && lingerMs > 0) await this.linger(lingerMs);
        continue;
      }
      await this.sleep(this.failures > 0 ? this.backoffMs() : (this.options.pollIntervalMs ?? 5_000));
    }
    await this.closeSession();
    await this.listening?.close();
    this.listening = undefined;
  }

  /** A short wait that kicks do not cut short (they are what it waits for); stopping does. */
  private linger(ms: number): Promise<void> {
    return this.sleep(ms, { onlyStopWakes: true });
  }

  private backoffMs(): number {
    return Math.min(this.options.maxBackoffMs ?? 5_000, 100 * 2 ** Math.min(this.failures, 10));
  }

  /** Waits `ms`, or less: a kick or a stop ends the wait (with `onlyStopWakes`, only a stop does). */
  private sleep(ms: number, { onlyStopWakes = false } = {}): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timerDelayMs(ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (onlyStopWakes && this.running) return;
        this.wake = undefined;
        done();
      };
    });
  }
}
