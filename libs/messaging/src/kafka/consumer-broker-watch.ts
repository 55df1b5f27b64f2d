import type { Consumer, RequestTimeoutEvent } from 'kafkajs';
import type { BrokerStatus } from './broker-status';
import { EventHandlingFailed } from './kafkajs-log';

/** What of a kafkajs consumer the watch needs: its instrumentation events. */
export type ConsumerInstrumentation = Pick<Consumer, 'on' | 'events'>;

/** kafkajs errors that say the broker did not answer (as against answering with an error). */
const BROKER_SILENT = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError']);

/**
 * Why a consumer's crash says the broker is unreachable, if it does: a connection error or a
 * request timed out, at any depth of the causes kafkajs wraps it in (retries spent). A crash of
 * a subscriber's handler (EventHandlingFailed) or a broker's error answer says nothing of that.
 */
export const brokerSilenceOf = (error: unknown): string | undefined => {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof EventHandlingFailed || e.name === EventHandlingFailed.prototype.name) return undefined;
    if (BROKER_SILENT.has(e.name)) return `${e.name}: ${e.message}`;
  }
  return undefined;
};

/**
 * Marks the broker unreachable when a consumer's request to it times out or the consumer crashes
 * for want of an answer, and reachable at its first answered request or heartbeat. A hung broker
 * (SIGSTOP, a frozen VM, a half-open connection) refuses no connection, so kafkajs logs no ERROR
 * line until the group is lost; a consumer that only fetches saw nothing else of it for minutes
 * (docs/adr/0020, addendum of 2026-12-05, sixth session). Returns what removes the listeners.
 */
export const watchConsumerBroker = (consumer: ConsumerInstrumentation, status: BrokerStatus): (() => void) => {
  const { events } = consumer;
  const removers = [
    consumer.on(events.REQUEST_TIMEOUT, (event: RequestTimeoutEvent) => {
      const { broker, apiName, apiVersion } = event.payload;
      status.failed(`request ${apiName} to ${broker} timed out`, { kafka: { namespace: 'Consumer', event: 'request_timeout', broker, apiName, apiVersion } });
    }),
    consumer.on(events.CRASH, (event) => {
      const silence = brokerSilenceOf(event.payload.error);
      if (silence) status.failed(`consumer crashed: ${silence}`, { kafka: { namespace: 'Consumer', event: 'crash', groupId: event.payload.groupId, restart: event.payload.restart } });
    }),
    // Any answer is the broker's (an error answer too, docs/adr/0020 third session); the coordinator's heartbeat too.
    consumer.on(events.REQUEST, () => status.succeeded()),
    consumer.on(events.HEARTBEAT, () => status.succeeded()),
  ];
  return () => {
    for (const remove of removers) remove();
  };
};
