import { setTimeout as delay } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { isKnownEventType, topicsOf, validateEnvelope, validateEvent, type CloudEvent, type EventContract, type EventData } from '@tss/contracts';
import { contextFromCarrier, err, inSpan, isConnectionFailure, ok, SpanKind, type Clock, type Result } from '@tss/service-kit';
import { DeadLetterOperator } from '../dead-letters/dead-letter-operator';
import { DeadLetterStore } from '../dead-letters/dead-letter.store';
import { recordHandled, recordHandledAllUnlessParked } from '../inbox/inbox';
import { fromKafkaMessage } from '../kafka/cloud-event-binding';
import { messagingMetrics, reportDeadLetters } from '../metrics/messaging-metrics';
import type { Outbox } from '../outbox/outbox';
import type { UnitOfWork } from '../outbox/unit-of-work';
import type { BatchProgress, EventTransport, InboundMessage, Subscription } from '../transport';
import { TransactionWrites, type BatchWrites } from './batch-writes';
import { NotYet } from './not-yet';
import type { PassOver } from './pass-over';

export interface HandlerContext {
  tx: EntityManager;
  outbox: Outbox;
  /** When the handler runs, from the injected clock. */
  now: Date;
  logger: Logger;
  /**
   * Writes deferred to the end of the transaction, each kind in one call for the whole batch
   * (docs/adr/0049): for rows no later handler of the batch reads.
   */
  batch: BatchWrites;
  /**
   * Set on an attempt whose `NotYet` would not be retried: the consumer's `notYetMaxWaitMs` is
   * spent (it would dead-letter the event, parking its key), or an operator's one-off replay. A
   * handler that would rather go ahead without what it waits for than lose the event checks it.
   */
  waitSpent?: true;
  /**
   * Set on an operator's `dead-letters replay <id> --pass-over` only: the handler may go past what
   * the event waits for, where it knows how, instead of answering `NotYet`, and says what it passed
   * (docs/adr/0072, addendum of 2026-12-05, seventh session). Never set on a delivery.
   */
  passOver?: PassOver;
}

export type EventHandler<TData> = (event: CloudEvent<TData>, ctx: HandlerContext) => Promise<void>;

export interface HandlerBinding {
  contract: EventContract;
  handle: EventHandler<unknown>;
}

/** Binds a handler to one contract version; bind V1 and V2 both while producers roll. */
export const on = <C extends EventContract>(contract: C, handle: EventHandler<EventData<C>>): HandlerBinding => ({
  contract,
  handle: handle as EventHandler<unknown>,
});

/**
 * What a consumer does with events of a family (`ticket.`) whose type this release does not know:
 * a newer release's, during a rolling upgrade (docs/adr/0072). The handler gets the envelope with
 * `data` unchecked. Without one, such an event in a family the consumer reads is left for a newer
 * member of the group while it is young (`newerTypeWaitMs`), then skipped.
 */
export interface NewerTypeBinding {
  family: string;
  handle: EventHandler<unknown>;
}

export const onNewerTypes = (family: string, handle: EventHandler<unknown>): NewerTypeBinding => ({ family, handle });

export interface EventConsumerOptions {
  group: string;
  schema: string;
  transport: EventTransport;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  bindings: readonly HandlerBinding[];
  /** Handlers of event types newer than this release, by family. */
  newerTypes?: readonly NewerTypeBinding[];
  /** Attempts for a handler that keeps failing before its event is dead-lettered. */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** Longest single wait between two attempts. */
  maxRetryDelayMs?: number;
  /** How long, in summed waits, a handler may keep answering `NotYet` before its event is dead-lettered. */
  notYetMaxWaitMs?: number;
  /** Most events handled in one transaction (docs/performance.md); 1 handles each on its own. */
  batchSize?: number;
  /**
   * How long after its own time (CloudEvents `time`) an event of a type no contract of this release
   * knows, in a family the consumer reads and with no `newerTypes` handler, is left for a newer
   * member of the group before it is skipped (docs/adr/0072, addendum of 2026-12-05, third session):
   * a rolling upgrade's length. Only where the transport can deliver it again later
   * (`BatchProgress.retryLater`, Kafka); 0 skips it at once. Default DEFAULT_NEWER_TYPE_WAIT_MS.
   */
  newerTypeWaitMs?: number;
}

/** A rolling upgrade's length, about: how long a newer type's event waits for a newer member by default. */
export const DEFAULT_NEWER_TYPE_WAIT_MS = 300_000;

export type ConsumeOutcome = 'handled' | 'duplicate' | 'skipped' | 'dead-lettered' | 'parked';

type Checked =
  | { kind: 'skip' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'valid'; binding: Pick<HandlerBinding, 'handle'>; event: CloudEvent<unknown> }
  /** A type no contract of this release knows, in a family the consumer reads, with no handler for it: a newer member's. */
  | { kind: 'newer'; type: string; id: unknown; time: unknown };

/** `ticket.` of `ticket.created`: the family a type belongs to. */
const familyOf = (type: string): string => type.slice(0, type.indexOf('.') + 1);

/**
 * A message the consumer let go of without an outcome: its wait was handed to the transport
 * (`BatchProgress.retryLater`), or the transport took it back (`isRunning` false: stopping, or
 * Kafka gave its partition to another member). Not reported handled: it is delivered again.
 */
type GivenBack = 'given-back';

/** An event whose retry waits between deliveries (`BatchProgress.retryLater`): its next attempt and its summed waits so far. */
interface Retrying {
  attempt: number;
  waitedMs: number;
}

/**
 * Longest stretch of a wait in line without a heartbeat: well inside Kafka's session timeout
 * (10 s, heartbeats every 3 s, docs/adr/0020); kafkajs sends at most one per heartbeat interval.
 */
const WAIT_HEARTBEAT_EVERY_MS = 1_000;

/**
 * Retries remembered between deliveries: one per partition whose event waits, so a few; more
 * only after partitions moved to other members while they waited (those events go on there).
 * Past it the oldest is forgotten, which only restarts that event's wait.
 */
const MAX_REMEMBERED_RETRIES = 1_000;

const eventIdOf = (message: InboundMessage): unknown =>
  typeof message.event === 'object' && message.event !== null && 'id' in message.event ? message.event.id : undefined;

/** The consumer is stopping: the message in hand is given back for redelivery, not dead-lettered. */
class Stopping extends Error {
  override name = 'Stopping';
}

/** The batch stops before event `index` (a parked key): it goes on its own. */
class OneAtATime extends Error {
  override name = 'OneAtATime';
  constructor(readonly index: number) {
    super(`event ${index} of the batch goes on its own`);
  }
}

/** A deferred write failed after the batch's handlers ran: the batch's transaction rolls back. */
class FlushFailed extends Error {
  override name = 'FlushFailed';
  constructor(override readonly cause: unknown) {
    super('a deferred write of the batch failed', { cause });
  }
}

/** The handler of event `index` failed: the batch's transaction rolls back. */
class HandlerFailed extends Error {
  override name = 'HandlerFailed';
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`handler of event ${index} of the batch failed`, { cause });
  }
}

/**
 * Validates each event against its contract, runs its handler and records the event id in the
 * inbox in one transaction. A key's order is kept under failure (DESIGN "Order"): a handler that
 * answers `NotYet` is retried for a bounded time; an event that is bad or keeps failing is
 * dead-lettered into the service's schema (and the transport's dead-letter topic), and every later
 * event of its key is parked behind it until an operator replays or skips it. An unreachable
 * database is not the event's fault, so that message is redelivered instead.
 */
export class EventConsumer {
  private subscription?: Subscription;
  private stopping = new AbortController();
  private stopReporting?: () => void;
  private readonly bindings = new Map<string, HandlerBinding>();
  private readonly types = new Set<string>();
  /** The families of the types it binds (`ticket.`): a newer type of these may be one a newer release of it handles. */
  private readonly families = new Set<string>();
  private readonly store: DeadLetterStore;
  /** By event id: events whose retry waits between deliveries (Kafka), in the order they began waiting. */
  private readonly retrying = new Map<string, Retrying>();
  /** `dead-letters list|replay|skip` for this consumer's group. */
  readonly deadLetters: DeadLetterOperator;
  readonly outcomes: Record<ConsumeOutcome, number> = { handled: 0, duplicate: 0, skipped: 0, 'dead-lettered': 0, parked: 0 };

  constructor(private readonly options: EventConsumerOptions) {
    for (const b of options.bindings) {
      this.bindings.set(`${b.contract.type}@${b.contract.version}`, b);
      this.types.add(b.contract.type);
      if (familyOf(b.contract.type)) this.families.add(familyOf(b.contract.type));
    }
    this.store = new DeadLetterStore(options.schema);
    this.deadLetters = new DeadLetterOperator({
      consumer: this,
      store: this.store,
      unitOfWork: options.unitOfWork,
      clock: options.clock,
      group: options.group,
      logger: options.logger,
    });
  }

  get group(): string {
    return this.options.group;
  }

  get topics(): string[] {
    return topicsOf(this.options.bindings.map((b) => b.contract));
  }

  async start(): Promise<void> {
    if (this.bindings.size === 0) return;
    const stopping = new AbortController();
    this.stopping = stopping;
    this.stopReporting = reportDeadLetters({
      service: this.options.group,
      deadLetters: () =>
        this.options.unitOfWork.run(async (tx) => (await this.store.counts(tx, this.options.group)).filter((c) => c.kind === 'failed').map((c) => ({ status: c.status, count: c.n }))),
    });
    this.subscription = await this.options.transport.subscribe({
      group: this.options.group,
      topics: this.topics,
      handle: async (message) => this.count(await this.consume(message)),
      // Always by batch, even of one (`batchSize` 1 handles each event on its own there): a retry's
      // wait needs the transport's progress, to heartbeat or to hand the wait over (docs/adr/0013).
      handleBatch: (messages, progress) => this.consumeBatch(messages, progress),
    });
    // Stopped while subscribing (a broker outage holds a subscribe in its connection retries, and
    // shutdown does not wait for it): the late subscription is let go at once.
    if (stopping.signal.aborted) await this.stop();
  }

  private count(outcome: ConsumeOutcome, n = 1): void {
    this.outcomes[outcome] += n;
    messagingMetrics().consumed.inc({ service: this.options.group, outcome }, n);
  }

  async stop(): Promise<void> {
    // A message waiting between retries is given back at once rather than holding up shutdown.
    this.stopping.abort();
    await this.subscription?.stop();
    this.subscription = undefined;
    this.stopReporting?.();
    this.stopReporting = undefined;
    this.retrying.clear();
  }

  /**
   * One message in its own transaction, with retries waited in line. `failedInBatch`: its handler
   * already failed once in a batch's transaction (`consumeBatch`), which counts as its first attempt.
   */
  async consume(message: InboundMessage, { failedInBatch }: { failedInBatch?: { error: unknown } } = {}): Promise<ConsumeOutcome> {
    const outcome = await this.consumeOne(message, failedInBatch);
    // Without a transport's progress only `stop` ends a wait, and it throws `Stopping` from the pause.
    if (outcome === 'given-back') throw new Stopping('consumer stopping; the message will be redelivered');
    return outcome;
  }

  /**
   * `consume`, within a transport's batch when `progress` is given (docs/adr/0013, addendum of
   * 2026-12-05, second session): a retry's wait is handed to the transport when it can redeliver
   * later (Kafka pauses the partition, so the member's other partitions and its heartbeats go on);
   * otherwise it is waited in line with heartbeats, and ends, the message given back, once the
   * transport takes it back. An event is dead-lettered only while its transport still runs it.
   */
  private async consumeOne(message: InboundMessage, failedInBatch?: { error: unknown }, progress?: BatchProgress): Promise<ConsumeOutcome | GivenBack> {
    const checked = this.check(message);
    if (checked.kind === 'skip') return 'skipped';
    if (checked.kind === 'newer') return this.leaveForNewerMember(message, checked, progress);
    if (checked.kind === 'invalid') return this.deadLetter(message, checked.reason);
    const { binding, event } = checked;
    const { logger } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 5;
    // A delivery again after a wait handed to the transport: the attempts and waits go on.
    const resumed = this.retrying.get(event.id);
    this.retrying.delete(event.id);
    let waitedMs = resumed?.waitedMs ?? 0;
    let earlier = failedInBatch;
    /** Dead-letters, unless the transport took the message back meanwhile (its new owner tries it). */
    const giveUp = (reason: string): Promise<ConsumeOutcome | GivenBack> =>
      progress && !progress.isRunning() ? Promise.resolve('given-back') : this.deadLetter(message, reason, event);
    for (let attempt = resumed?.attempt ?? 1; ; attempt += 1) {
      let error: unknown;
      const waitMs = Math.min(this.options.maxRetryDelayMs ?? 5_000, (this.options.retryBaseMs ?? 200) * 2 ** Math.min(attempt - 1, 16));
      // Bounded by summed waits, not by reading the time: the clock may be a test's, standing still.
      const waitSpent = waitedMs + waitMs > (this.options.notYetMaxWaitMs ?? 60_000);
      /** Whether the handler ran this attempt told that a `NotYet` would be its last (the batch's attempt was not). */
      let told = waitSpent;
      if (earlier) {
        error = earlier.error;
        earlier = undefined;
        told = false;
      } else {
        try {
          return await inSpan(
            `consume ${event.type}`,
            { kind: SpanKind.CONSUMER, parent: contextFromCarrier(event), attributes: { 'tss.consumer_group': this.options.group, 'tss.event_id': event.id } },
            () => this.options.unitOfWork.run((tx) => this.apply(tx, message, binding, event, { park: true, waitSpent })),
          );
        } catch (caught) {
          error = caught;
        }
      }
      if (isConnectionFailure(error)) throw error; // infrastructure: redeliver later, never dead-letter
      if (error instanceof NotYet) {
        if (waitSpent) {
          if (told) return giveUp(`not yet after ${waitedMs} ms of retries: ${error.message}`);
          continue; // once more at once, the handler told (`waitSpent`) that this answer is its last
        }
        logger.debug({ eventId: event.id, type: event.type, attempt, reason: error.message }, 'event not applicable yet; retrying');
      } else {
        logger.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'event handler failed');
        if (attempt >= maxAttempts) return giveUp(`handler failed ${attempt} times: ${(error as Error).message}`);
      }
      waitedMs += waitMs;
      if (progress?.retryLater) {
        this.remember(event.id, { attempt: attempt + 1, waitedMs });
        progress.retryLater(waitMs);
        return 'given-back';
      }
      if (!(await this.waitInLine(waitMs, progress))) return 'given-back';
    }
  }

  /**
   * An event of a type only a newer release knows, in a family this consumer reads, and no handler
   * for it here (docs/adr/0072, addendum of 2026-12-05, third session): during a rolling upgrade a
   * newer member of the group may handle it, but only if this one does not commit past it. While
   * the event is younger than `newerTypeWaitMs` by its own time, it is handed back as a `NotYet`
   * wait is (`retryLater`: Kafka pauses this partition alone, nothing past the event is committed,
   * and the partition's next owner reads it again), looked at again at least every
   * `maxRetryDelayMs`. Then, or at once when it is older on arrival (a rollback reading what the
   * newer release wrote) or the transport cannot deliver it again later, it is skipped, said once.
   * No wait is remembered between deliveries: the event's age alone decides, on any member.
   */
  private leaveForNewerMember(message: InboundMessage, newer: Extract<Checked, { kind: 'newer' }>, progress?: BatchProgress): ConsumeOutcome | GivenBack {
    const { clock, logger } = this.options;
    const waitMs = this.options.newerTypeWaitMs ?? DEFAULT_NEWER_TYPE_WAIT_MS;
    const at = typeof newer.time === 'string' ? Date.parse(newer.time) : Number.NaN;
    const ageMs = clock.now().getTime() - at;
    const where = { type: newer.type, eventId: newer.id, topic: message.topic, position: message.position, key: message.key };
    // A producer's clock ahead of ours makes the age negative: the wait is still bounded, by `waitMs - ageMs`.
    if (progress?.retryLater && waitMs > 0 && ageMs < waitMs) {
      const delayMs = Math.max(1, Math.min(waitMs - ageMs, this.options.maxRetryDelayMs ?? 5_000));
      logger.debug({ ...where, ageMs, newerTypeWaitMs: waitMs, delayMs }, 'event of a type newer than this release left for a newer member of the group');
      progress.retryLater(delayMs);
      return 'given-back';
    }
    logger.warn(
      { ...where, ...(Number.isNaN(ageMs) ? {} : { ageMs }), newerTypeWaitMs: waitMs },
      'event of a type newer than this release skipped: no contract or handler for it here, and no newer member took it',
    );
    return 'skipped';
  }

  private remember(eventId: string, retrying: Retrying): void {
    this.retrying.set(eventId, retrying);
    for (const oldest of this.retrying.keys()) {
      if (this.retrying.size <= MAX_REMEMBERED_RETRIES) break;
      this.retrying.delete(oldest);
    }
  }

  /**
   * Waits `ms` before a retry, heartbeating at least every WAIT_HEARTBEAT_EVERY_MS so a Kafka
   * member keeps its place in the group. False once the transport took the message back
   * (`isRunning` false): the wait ends there, the message is neither handled nor dead-lettered.
   */
  private async waitInLine(ms: number, progress?: BatchProgress): Promise<boolean> {
    for (let left = ms; left > 0; ) {
      const slice = Math.min(left, WAIT_HEARTBEAT_EVERY_MS);
      await this.pause(slice);
      left -= slice;
      if (progress) {
        await progress.heartbeat();
        if (!progress.isRunning()) return false;
      }
    }
    return true;
  }

  /**
   * A batch in order (docs/performance.md): up to `batchSize` events in one transaction, with one
   * multi-row inbox insert, and the key locks and parking check taken once for the batch; each
   * handler runs in that transaction, in order. When the handler of event i fails (a bug, a poison
   * event, `NotYet`), the transaction rolls back; the events before i go again as one batch, and
   * event i goes on its own, that failure counting as its first attempt: it is retried or
   * dead-lettered exactly as without batches (a retry's wait handed to the transport when it can
   * deliver again later, `BatchProgress.retryLater`), its key's later events are parked behind
   * it, and every other event is handled exactly once, each key in order. An invalid event or one
   * of a parked key ends the batch before it in the same way. A connection failure rejects: what
   * was not reported `handled` is redelivered. A failing deferred write (`HandlerContext.batch`)
   * rolls the whole batch back, and its events go one at a time, each with its own attempts.
   */
  async consumeBatch(messages: readonly InboundMessage[], progress: BatchProgress): Promise<void> {
    const size = Math.max(1, this.options.batchSize ?? 100);
    let start = 0;
    let limit = size;
    /** Where a handler failed in a batch's transaction, and how: that event's first attempt. */
    let failure: { at: number; error: unknown } | undefined;
    /** Events before this index go one at a time: their batch's deferred writes failed, for a reason not pinned on one event. */
    let singlyUntil = 0;
    const done = async (n: number) => {
      start += n;
      progress.handled(start);
      await progress.heartbeat();
    };
    while (start < messages.length) {
      if (!progress.isRunning()) return;
      const chunk = messages.slice(start, start + limit);
      limit = size;
      // An event waiting between deliveries goes on its own: its batch would only fail at it again.
      // A chunk of one event goes the batch's way too: its key lock, then its parking check and
      // inbox row in one statement, one fewer than the one-event path (docs/adr/0087).
      const headId = eventIdOf(chunk[0]);
      const waiting = typeof headId === 'string' && this.retrying.has(headId);
      if (failure?.at !== start && start >= singlyUntil && !waiting) {
        const result = await this.applyBatch(chunk);
        if (result.kind === 'handled') {
          for (const outcome of result.outcomes) this.count(outcome);
          await done(chunk.length);
          continue;
        }
        if (result.kind === 'flush-failed') {
          singlyUntil = start + chunk.length;
          continue;
        }
        if (result.kind === 'failed') failure = { at: start + result.index, error: result.error };
        if (result.index > 0) {
          limit = result.index; // the events before it, as one batch; then it, on its own
          continue;
        }
      }
      const failedInBatch = failure?.at === start ? { error: failure.error } : undefined;
      if (failedInBatch) failure = undefined;
      const outcome = await this.consumeOne(chunk[0], failedInBatch, progress);
      if (outcome === 'given-back') return; // delivered again from this event: after its wait, or to the partition's new owner
      this.count(outcome);
      await done(1);
    }
  }

  /**
   * Tries `chunk` in one transaction. Answers where it had to stop instead: at an invalid event or
   * one of a parked key (to go on its own, untried), or at the event whose handler failed.
   */
  private async applyBatch(
    chunk: readonly InboundMessage[],
  ): Promise<
    | { kind: 'handled'; outcomes: ConsumeOutcome[] }
    | { kind: 'failed'; index: number; error: unknown }
    | { kind: 'alone'; index: number }
    | { kind: 'flush-failed'; error: unknown }
  > {
    const checked = chunk.map((m) => this.check(m));
    // A newer type's event goes on its own too: held or skipped there, and said once.
    const alone = checked.findIndex((c) => c.kind === 'invalid' || c.kind === 'newer');
    if (alone >= 0) return { kind: 'alone', index: alone };
    // Only other consumers' events (a shared topic): nothing to record, no transaction.
    if (checked.every((c) => c.kind === 'skip')) return { kind: 'handled', outcomes: checked.map((): ConsumeOutcome => 'skipped') };
    const { schema, group, clock, outbox, logger } = this.options;
    try {
      const outcomes = await this.options.unitOfWork.run(async (tx) => {
        const now = clock.now();
        const keys = [...new Set(chunk.filter((m, i) => checked[i].kind === 'valid' && m.key !== undefined).map((m) => m.key as string))];
        if (keys.length > 0) await this.store.lockKeys(tx, group, keys);
        // An event twice in one batch (republished by a relay) is handled at its first occurrence only.
        const firstOf = new Map<string, { index: number; type: string }>();
        checked.forEach((c, index) => {
          if (c.kind === 'valid' && !firstOf.has(c.event.id)) firstOf.set(c.event.id, { index, type: c.event.type });
        });
        // The parking check and the inbox rows in one statement, under the locks; a parked key throws
        // below, and the rollback takes the rows back.
        const events = [...firstOf].map(([id, { type }]) => ({ id, type }));
        const { parked, fresh } = await recordHandledAllUnlessParked(tx, schema, group, events, keys, now);
        const first = chunk.findIndex((m, i) => checked[i].kind === 'valid' && m.key !== undefined && parked.has(m.key));
        if (first >= 0) throw new OneAtATime(first);
        const batch = new TransactionWrites({ tx, outbox, now, logger });
        const result: ConsumeOutcome[] = [];
        for (let i = 0; i < chunk.length; i += 1) {
          const c = checked[i];
          if (c.kind !== 'valid') {
            result.push('skipped');
            continue;
          }
          const { binding, event } = c;
          if (firstOf.get(event.id)?.index !== i || !fresh.has(event.id)) {
            result.push('duplicate');
            continue;
          }
          try {
            await inSpan(
              `consume ${event.type}`,
              { kind: SpanKind.CONSUMER, parent: contextFromCarrier(event), attributes: { 'tss.consumer_group': group, 'tss.event_id': event.id } },
              () => binding.handle(event, { tx, outbox, now, logger: logger.child({ eventId: event.id, type: event.type }), batch }),
            );
          } catch (error) {
            throw new HandlerFailed(i, error);
          }
          result.push('handled');
        }
        try {
          await batch.flushAll();
        } catch (error) {
          throw new FlushFailed(error);
        }
        return result;
      });
      return { kind: 'handled', outcomes };
    } catch (error) {
      if (error instanceof OneAtATime) return { kind: 'alone', index: error.index };
      if (error instanceof HandlerFailed) {
        if (isConnectionFailure(error.cause)) throw error.cause;
        logger.debug({ err: error.cause, index: error.index, events: chunk.length }, 'batch rolled back at a failing event');
        return { kind: 'failed', index: error.index, error: error.cause };
      }
      if (error instanceof FlushFailed) {
        if (isConnectionFailure(error.cause)) throw error.cause;
        logger.warn({ err: error.cause, events: chunk.length }, 'a deferred write failed: the batch rolled back, its events go one at a time');
        return { kind: 'flush-failed', error: error.cause };
      }
      throw error; // the database itself (a connection failure): redelivered
    }
  }

  /**
   * Applies a message once in the caller's transaction, for an operator's replay: no parking
   * check (the caller holds the key) and no retries. A handler's error is thrown. `passOver`: the
   * operator's leave to go past what the event waits for, handed to the handler.
   */
  async applyOnce(tx: EntityManager, message: InboundMessage, { passOver }: { passOver?: PassOver } = {}): Promise<Result<ConsumeOutcome, string>> {
    const checked = this.check(message.event === undefined ? this.decoded(message) : message);
    if (checked.kind === 'skip' || checked.kind === 'newer') return ok('skipped');
    if (checked.kind === 'invalid') return err(checked.reason);
    return ok(await this.apply(tx, message, checked.binding, checked.event, { park: false, waitSpent: true, passOver }));
  }

  private decoded(message: InboundMessage): InboundMessage {
    const decoded = fromKafkaMessage(message.raw.headers, message.raw.value);
    return { ...message, event: decoded.event, decodeError: decoded.error };
  }

  private check(message: InboundMessage): Checked {
    if (message.decodeError) return { kind: 'invalid', reason: message.decodeError };
    const type = (message.event as { type?: unknown } | undefined)?.type;
    if (typeof type === 'string' && !this.types.has(type)) return this.newerType(message.event, type) ?? { kind: 'skip' }; // another consumer's event on a shared topic
    const validation = validateEvent(message.event);
    if (!validation.ok) return { kind: 'invalid', reason: validation.reason };
    const binding = this.bindings.get(`${validation.contract.type}@${validation.contract.version}`);
    if (!binding) return { kind: 'invalid', reason: `${validation.contract.type} v${validation.contract.version} is not handled by ${this.options.group}` };
    return { kind: 'valid', binding, event: validation.event };
  }

  /**
   * An event of a type no contract of this release names: handled when the consumer has a handler
   * for its family, left for a newer member when the consumer reads its family, else skipped.
   */
  private newerType(candidate: unknown, type: string): Checked | undefined {
    if (isKnownEventType(type)) return undefined;
    const newer = this.options.newerTypes?.find((b) => type.startsWith(b.family));
    if (!newer) {
      if (!familyOf(type) || !this.families.has(familyOf(type))) return undefined;
      const { id, time } = candidate as { id?: unknown; time?: unknown };
      return { kind: 'newer', type, id, time };
    }
    const envelope = validateEnvelope(candidate);
    return envelope.ok ? { kind: 'valid', binding: newer, event: envelope.event } : { kind: 'invalid', reason: envelope.reason };
  }

  private async apply(
    tx: EntityManager,
    message: InboundMessage,
    binding: Pick<HandlerBinding, 'handle'>,
    event: CloudEvent<unknown>,
    { park, waitSpent, passOver }: { park: boolean; waitSpent: boolean; passOver?: PassOver },
  ): Promise<ConsumeOutcome> {
    const { schema, group, clock, outbox, logger } = this.options;
    const now = clock.now();
    if (park && message.key !== undefined) {
      await this.store.lockKey(tx, group, message.key);
      if (await this.store.keyIsParked(tx, group, message.key)) {
        await this.store.add(tx, { group, message, eventId: event.id, eventType: event.type, reason: 'an earlier event of this key is dead-lettered', kind: 'held', at: now });
        logger.warn({ eventId: event.id, type: event.type, key: message.key }, 'event parked behind a dead letter of its key');
        return 'parked';
      }
    }
    if (!(await recordHandled(tx, schema, group, event, now))) return 'duplicate';
    const eventLogger = logger.child({ eventId: event.id, type: event.type });
    const batch = new TransactionWrites({ tx, outbox, now, logger: eventLogger });
    await binding.handle(event, { tx, outbox, now, logger: eventLogger, batch, ...(waitSpent ? { waitSpent: true as const } : {}), ...(passOver ? { passOver } : {}) });
    // One event's transaction: its deferred writes go right after it (a failure is this event's).
    await batch.flushAll();
    return 'handled';
  }

  private async pause(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.stopping.signal });
    } catch (error) {
      throw new Stopping('consumer stopping; the message will be redelivered', { cause: error });
    }
  }

  private async deadLetter(message: InboundMessage, reason: string, event?: CloudEvent<unknown>): Promise<ConsumeOutcome> {
    const { group, clock, logger } = this.options;
    logger.error({ reason, topic: message.topic, position: message.position }, 'event dead-lettered');
    await this.options.transport.deadLetter({ message, group, reason });
    await this.options.unitOfWork.run(async (tx) => {
      if (message.key !== undefined) await this.store.lockKey(tx, group, message.key);
      await this.store.add(tx, { group, message, eventId: event?.id, eventType: event?.type, reason, kind: 'failed', at: clock.now() });
    });
    return 'dead-lettered';
  }
}
