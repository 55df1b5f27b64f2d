import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { CloudEventEnvelope } from '@tss/contracts';
import { contextFromCarrier, traceCarrierOf, type Clock } from '@tss/service-kit';
import { assertSchemaName } from '@tss/persistence';
import type { EventTransport, OutboundMessage } from '../transport';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  schema: string;
  transport: EventTransport;
  clock: Clock;
  logger: Logger;
  batchSize?: number;
  /** How often to look for rows written by other replicas, or missed kicks. */
  pollIntervalMs?: number;
  /** Longest wait between attempts while the broker or database is down. */
  maxBackoffMs?: number;
}

interface OutboxRow {
  position: string;
  topic: string;
  message_key: string;
  event: CloudEventEnvelope;
}

/**
 * Publishes the outbox in commit order. One relay per schema works at a time (an advisory
 * transaction lock), so a ticket's events leave in the order they were written even with many
 * replicas. A row is marked published only after the transport acknowledged it; a crash between
 * the two republishes it, which consumers' inboxes absorb (at-least-once, docs/adr/0003).
 */
export class OutboxRelay {
  private readonly schema: string;
  private running = false;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private kicked = false;
  private failures = 0;
  /** Count of events published by this relay instance (metrics, tests). */
  publishedCount = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.schema = assertSchemaName(options.schema);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Asks for a drain now (called after a transaction that wrote to the outbox committed). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
  }

  /** Publishes one batch; returns how many rows it published (0 if another relay holds the lock). */
  async drainOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const runner = this.options.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [`outbox:${this.schema}`])) as {
        locked: boolean;
      }[];
      if (!locked) {
        await runner.rollbackTransaction();
        return 0;
      }
      const rows = (await runner.query(
        `SELECT position, topic, message_key, event FROM "${this.schema}".outbox WHERE published_at IS NULL ORDER BY position LIMIT $1`,
        [batchSize],
      )) as OutboxRow[];
      if (rows.length === 0) {
        await runner.rollbackTransaction();
        return 0;
      }
      const spans: Span[] = [];
      const messages: OutboundMessage[] = rows.map((row) => {
        // A producer span per event, child of the request that wrote it, so one trace runs on.
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
      await runner.query(`UPDATE "${this.schema}".outbox SET published_at = $1 WHERE position = ANY($2::bigint[])`, [
        this.options.clock.now(),
        rows.map((r) => r.position),
      ]);
      await runner.commitTransaction();
      this.publishedCount += rows.length;
      return rows.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async loop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    while (this.running) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.drainOnce();
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.options.logger.warn({ err: error, failures: this.failures }, 'outbox relay could not publish; will retry');
      }
      if (!this.running) break;
      if (published === batchSize || (this.kicked && this.failures === 0)) continue;
      await this.sleep(this.failures > 0 ? this.backoffMs() : (this.options.pollIntervalMs ?? 500));
    }
  }

  private backoffMs(): number {
    return Math.min(this.options.maxBackoffMs ?? 5_000, 100 * 2 ** Math.min(this.failures, 10));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
