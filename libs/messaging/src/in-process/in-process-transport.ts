import { fromKafkaMessage, toKafkaHeaders } from '../kafka/cloud-event-binding';
import {
  DEAD_LETTER_TOPIC,
  type DeadLetter,
  type EventTransport,
  type InboundMessage,
  type OutboundMessage,
  type SubscribeOptions,
  type Subscription,
} from '../transport';

interface Group {
  topics: Set<string>;
  handle: SubscribeOptions['handle'];
  /** Messages of one group are handled one at a time, in publish order, as a Kafka partition would. */
  tail: Promise<void>;
  stopped: boolean;
}

/**
 * The single-process transport. `publish` resolves only after every subscribed group has dealt
 * with the message (handled it, skipped it or dead-lettered it); if a handler asks for
 * redelivery, `publish` rejects and the outbox relay retries later. So the outbox row stays
 * unpublished until consumers committed: nothing is lost if the process dies (docs/adr/0003).
 * Messages go through the same encoding as on Kafka, so validation sees what it would there.
 */
export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process' as const;
  private readonly groups = new Map<string, Group>();
  private closed = false;
  readonly deadLetters: DeadLetter[] = [];

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    this.assertOpen();
    for (const message of messages) {
      const inbound = this.encode(message);
      await Promise.all(
        [...this.groups.values()].filter((g) => !g.stopped && g.topics.has(message.topic)).map((g) => this.deliver(g, inbound)),
      );
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    if (this.groups.has(options.group)) throw new Error(`group ${options.group} already subscribed in this process`);
    const group: Group = { topics: new Set(options.topics), handle: options.handle, tail: Promise.resolve(), stopped: false };
    this.groups.set(options.group, group);
    return {
      stop: async () => {
        group.stopped = true;
        await group.tail.catch(() => undefined);
        this.groups.delete(options.group);
      },
    };
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    this.deadLetters.push(letter);
    const inbound: InboundMessage = { ...letter.message, topic: DEAD_LETTER_TOPIC };
    await Promise.all([...this.groups.values()].filter((g) => g.topics.has(DEAD_LETTER_TOPIC)).map((g) => this.deliver(g, inbound)));
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.groups.values()].map((g) => g.tail.catch(() => undefined)));
    this.groups.clear();
  }

  private deliver(group: Group, message: InboundMessage): Promise<void> {
    const run = group.tail.then(() => group.handle(message));
    group.tail = run.catch(() => undefined);
    return run;
  }

  private encode(message: OutboundMessage): InboundMessage {
    const headers = toKafkaHeaders(message.event);
    const value = Buffer.from(JSON.stringify(message.event.data));
    const decoded = fromKafkaMessage(headers, value);
    return { topic: message.topic, key: message.key, event: decoded.event, decodeError: decoded.error, raw: { value, headers } };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('in-process transport is closed');
  }
}
