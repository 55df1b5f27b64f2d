import { createRequire } from 'node:module';

/**
 * kafkajs's table of the broker's error codes (frozen at 2.2.4, docs/adr/0002): its log lines carry
 * an error's message (`error: e.message`), not its type, so an answer is recognised by its message.
 */
const { errorCodes } = createRequire(__filename)('kafkajs/src/protocol/error') as { errorCodes: readonly { type: string; message: string; retriable: boolean }[] };
const answers = new Map(errorCodes.map((e) => [e.message, e]));

/**
 * What kafkajs's CreateTopics makes of the per-topic errors of an answer (`KafkaJSAggregateError`):
 * the line does not say which they were. Mostly `TOPIC_ALREADY_EXISTS` from services creating the
 * same topic at once, which kafkajs then takes as done; any other is thrown to the caller, whose
 * publish or subscribe fails and is retried with its own line (the relay's warning).
 */
const TOPIC_CREATION_ERRORS = 'Topic creation errors';

/** Passing states of a broker that answers, kafkajs retries on them: a broker starting, a topic new. */
const isPassing = (message: string): boolean => {
  const known = answers.get(message);
  return message === TOPIC_CREATION_ERRORS || known?.retriable === true || known?.type === 'TOPIC_ALREADY_EXISTS';
};

/** "Response CreateTopics(key: 19, version: 3)": kafkajs's Connection, when an answer came back with an error. */
const RESPONSE = /^Response \w+\(key: \d+, version: \d+\)$/;
/** The error kafkajs makes of a broker's error code, as its name shows in a crash line. */
const PROTOCOL_ERROR = 'KafkaJSProtocolError';
/** Lines that end in the error's message: the producer's retries, a consumer's crash. */
const PREFIXES = [/^Failed to send messages: /, /^Crash: \w+: /];

export type BrokerAnswer = 'settling' | 'error';

/**
 * Whether a kafkajs ERROR line is about an answer of the broker (docs/adr/0020, addendum of
 * 2026-12-05, third session): the broker was reached and answered, so it is no outage. `settling`:
 * a state kafkajs retries through (a coordinator not available or loading, no leader yet, not the
 * controller, a topic that already exists), and a consumer crashed on such an answer that kafkajs
 * retries (it restarts the consumer; after a broker's restart the group's coordinator loads for
 * seconds, a crash every 300 ms meanwhile); `error`: any other answer (an authorization refused),
 * and a consumer's crash once kafkajs's retries on an answer are spent. A connection refused or reset, and a
 * request that timed out without an answer, are not answers: undefined.
 */
export const brokerAnswerOf = (message: string, fields: Record<string, unknown>): BrokerAnswer | undefined => {
  const error = typeof fields.error === 'string' ? fields.error : undefined;
  if (RESPONSE.test(message)) return error !== undefined && isPassing(error) ? 'settling' : 'error';
  const prefix = PREFIXES.find((p) => p.test(message));
  const text = prefix ? message.replace(prefix, '') : message;
  if (!answers.has(text)) return undefined;
  // A consumer crashed on a retriable answer itself settles with the broker: kafkajs restarts it
  // for those only. One whose retries on it were spent does not.
  if (message.startsWith('Crash: ')) return message.startsWith(`Crash: ${PROTOCOL_ERROR}: `) && answers.get(text)?.retriable === true ? 'settling' : 'error';
  return isPassing(text) ? 'settling' : 'error';
};
