import { logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { isConnectionFailure } from '@tss/service-kit';
import { brokerAnswerOf } from './broker-answer';
import type { BrokerStatus } from './broker-status';
import { groupRebalanceOf } from './group-rebalance';

/**
 * What a subscriber's handler threw, as kafkajs gets it (never a kafkajs error: kafkajs must see
 * those as they are, a rebalance from a heartbeat above all). Its name is in the stack kafkajs
 * logs when its retries on it are spent ("Caused by: EventHandlingFailed: …"), so those lines too
 * are told from the broker's.
 */
export class EventHandlingFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`event handling failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
// On the prototype, not as a field: the stack's first line is written before fields are set.
EventHandlingFailed.prototype.name = 'EventHandlingFailed';

/**
 * The handler failure a kafkajs ERROR line is about, if it is about one: "Error when calling
 * eachBatch/eachMessage" carries it, a crash after spent retries names it in its stack.
 */
const handlerFailureOf = (log: Record<string, unknown>): EventHandlingFailed | 'named' | undefined => {
  if (log.error instanceof EventHandlingFailed) return log.error;
  if (typeof log.stack === 'string' && log.stack.includes(`${EventHandlingFailed.prototype.name}: `)) return 'named';
  return undefined;
};

/** kafkajs restarts a crashed consumer; the line says nothing of why (the crash line before it did). */
const isRestart = (message: string): boolean => message.startsWith('Restarting the consumer');

/**
 * kafkajs's log lines as pino's. ERROR lines about the broker go through the broker status (one
 * line per outage, `tss_kafka_broker_reachable`); those about a subscriber's handler are the
 * handler's, logged at warn (a database outage as such): they say nothing of the broker, which
 * answered the fetch they came with. So are those about the group's rebalance, which the broker
 * answered too: at info, or at warn when the member's session had expired; and the broker's other
 * answers (docs/adr/0020, third session of 2026-12-05): a state it settles through at info (a
 * consumer's crash on one too, and the restart after it at debug), any other at warn, both at
 * debug during an outage. The rest keep their level.
 */
export const kafkajsLogCreator = (logger: Logger, status: BrokerStatus) => {
  // Consumer groups whose last crash was the broker settling: their restart line is one more of it.
  const settlingCrashes = new Set<unknown>();
  return () => (entry: LogEntry) => logKafkajs(logger, status, settlingCrashes, entry);
};

const logKafkajs = (logger: Logger, status: BrokerStatus, settlingCrashes: Set<unknown>, entry: LogEntry): void => {
  const { message, ...rest } = entry.log;
  if (entry.level !== logLevel.ERROR) {
    const fields = { kafka: { namespace: entry.namespace, ...rest } };
    if (entry.level === logLevel.WARN) logger.warn(fields, message);
    else logger.debug(fields, message);
    return;
  }
  const handlerFailure = handlerFailureOf(rest);
  if (handlerFailure) {
    const { error: _error, stack: _stack, ...context } = rest;
    const fields = { kafka: { namespace: entry.namespace, ...context } };
    if (handlerFailure === 'named') logger.warn(fields, message); // "Crash: …: event handling failed: …"
    else {
      const { cause } = handlerFailure;
      const text = isConnectionFailure(cause) ? 'database unavailable' : 'event handling failed';
      logger.warn({ ...fields, err: cause }, `${text}: ${cause instanceof Error ? cause.message : String(cause)}; kafkajs delivers the events again`);
    }
    return;
  }
  const fields = { kafka: { namespace: entry.namespace, ...rest } };
  const detail = typeof rest.error === 'string' && !message.startsWith(rest.error) ? `${message}: ${rest.error}` : message;
  const rebalance = groupRebalanceOf(message, rest);
  if (rebalance) {
    if (rebalance === 'membership-lost') logger.warn(fields, `Kafka group membership lost, rejoining: ${detail}`);
    else logger.info(fields, `Kafka group rebalancing: ${detail}`);
    return;
  }
  const answer = brokerAnswerOf(message, rest);
  if (answer) {
    if (message.startsWith('Crash: ')) {
      if (answer === 'settling') settlingCrashes.add(rest.groupId);
      else settlingCrashes.delete(rest.groupId);
    }
    const text = answer === 'settling' ? `Kafka broker settling: ${detail}` : `Kafka broker answered with an error: ${detail}`;
    // During an outage, one more line of it (the broker coming back): at debug, as its others.
    if (!status.reachable) logger.debug(fields, text);
    else if (answer === 'settling') logger.info(fields, text);
    else logger.warn(fields, text);
    return;
  }
  // During an outage a restart is one more line of it; otherwise it follows a handler's crash.
  if (isRestart(message)) {
    const afterSettling = settlingCrashes.delete(rest.groupId);
    if (status.reachable) {
      if (afterSettling) logger.debug(fields, message);
      else logger.warn(fields, message);
      return;
    }
  }
  status.failed(message, fields);
};
