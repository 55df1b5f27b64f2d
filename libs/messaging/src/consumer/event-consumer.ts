import { setTimeout as delay } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { topicsOf, validateEvent, type CloudEvent, type EventContract, type EventData } from '@tss/contracts';
import { contextFromCarrier, inSpan, isConnectionFailure, SpanKind, type Clock } from '@tss/service-kit';
import { recordHandled } from '../inbox/inbox';
import type { Outbox } from '../outbox/outbox';
import type { UnitOfWork } from '../outbox/unit-of-work';
import type { EventTransport, InboundMessage, Subscription } from '../transport';

export interface HandlerContext {
  tx: EntityManager;
  outbox: Outbox;
  /** When the handler runs, from the injected clock. */
  now: Date;
  logger: Logger;
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

export interface EventConsumerOptions {
  group: string;
  schema: string;
  transport: EventTransport;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  bindings: readonly HandlerBinding[];
  /** Attempts for a handler that keeps failing before its event is dead-lettered. */
  maxAttempts?: number;
  retryBaseMs?: number;
}

export type ConsumeOutcome = 'handled' | 'duplicate' | 'skipped' | 'dead-lettered';

/**
 * Validates each event against its contract, runs its handler and records the event id in the
 * inbox in one transaction. Bad events and handlers that keep failing go to the dead-letter
 * topic and the consumer moves on; an unreachable database is not the event's fault, so that
 * message is redelivered instead.
 */
export class EventConsumer {
  private subscription?: Subscription;
  private readonly bindings = new Map<string, HandlerBinding>();
  private readonly types = new Set<string>();
  readonly outcomes: Record<ConsumeOutcome, number> = { handled: 0, duplicate: 0, skipped: 0, 'dead-lettered': 0 };

  constructor(private readonly options: EventConsumerOptions) {
    for (const b of options.bindings) {
      this.bindings.set(`${b.contract.type}@${b.contract.version}`, b);
      this.types.add(b.contract.type);
    }
  }

  get topics(): string[] {
    return topicsOf(this.options.bindings.map((b) => b.contract));
  }

  async start(): Promise<void> {
    if (this.bindings.size === 0) return;
    this.subscription = await this.options.transport.subscribe({
      group: this.options.group,
      topics: this.topics,
      handle: async (message) => {
        const outcome = await this.consume(message);
        this.outcomes[outcome] += 1;
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  async consume(message: InboundMessage): Promise<ConsumeOutcome> {
    const { logger } = this.options;
    if (message.decodeError) return this.deadLetter(message, message.decodeError);
    const type = (message.event as { type?: unknown } | undefined)?.type;
    if (typeof type === 'string' && !this.types.has(type)) return 'skipped'; // another consumer's event on a shared topic
    const validation = validateEvent(message.event);
    if (!validation.ok) return this.deadLetter(message, validation.reason);
    const binding = this.bindings.get(`${validation.contract.type}@${validation.contract.version}`);
    if (!binding) return this.deadLetter(message, `${validation.contract.type} v${validation.contract.version} is not handled by ${this.options.group}`);
    const event = validation.event;

    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await inSpan(
          `consume ${event.type}`,
          { kind: SpanKind.CONSUMER, parent: contextFromCarrier(event), attributes: { 'tss.consumer_group': this.options.group, 'tss.event_id': event.id } },
          () => this.handleOnce(binding, event),
        );
      } catch (error) {
        if (isConnectionFailure(error)) throw error; // infrastructure: redeliver later, never dead-letter
        logger.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'event handler failed');
        if (attempt >= maxAttempts) return this.deadLetter(message, `handler failed ${attempt} times: ${(error as Error).message}`);
        await delay((this.options.retryBaseMs ?? 200) * 2 ** (attempt - 1));
      }
    }
  }

  private handleOnce(binding: HandlerBinding, event: CloudEvent<unknown>): Promise<ConsumeOutcome> {
    const { schema, group, clock, outbox, logger } = this.options;
    return this.options.unitOfWork.run(async (tx) => {
      const now = clock.now();
      if (!(await recordHandled(tx, schema, group, event, now))) return 'duplicate' as const;
      await binding.handle(event, { tx, outbox, now, logger: logger.child({ eventId: event.id, type: event.type }) });
      return 'handled' as const;
    });
  }

  private async deadLetter(message: InboundMessage, reason: string): Promise<ConsumeOutcome> {
    this.options.logger.error({ reason, topic: message.topic, position: message.position }, 'event dead-lettered');
    await this.options.transport.deadLetter({ message, group: this.options.group, reason });
    return 'dead-lettered';
  }
}
