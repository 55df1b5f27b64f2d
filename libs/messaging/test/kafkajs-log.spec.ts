import { createRequire } from 'node:module';
import { Kafka, KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, type KafkaJSProtocolError, logLevel } from 'kafkajs';
import { DatabaseError } from 'pg';
import pino from 'pino';
import { metricsRegistry } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { BrokerStatus } from '../src/kafka/broker-status';
import { EventHandlingFailed, kafkajsLogCreator } from '../src/kafka/kafkajs-log';

const reachable = async (client: string): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_kafka_broker_reachable')?.get())?.values.find((v) => v.labels.client === client)?.value;

/** PostgreSQL refusing connections while it shuts down (57P03), as pg reports it. */
const databaseShuttingDown = (): DatabaseError => {
  const error = new DatabaseError('the database system is shutting down', 107, 'error');
  error.code = '57P03';
  error.severity = 'FATAL';
  return error;
};

/** The error kafkajs makes of a broker's error code in an answer (its own table, frozen at 2.2.4). */
const answered = (code: number): KafkaJSProtocolError =>
  (createRequire(__filename)('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): KafkaJSProtocolError }).createErrorFromCode(code);
const TOPIC_ALREADY_EXISTS = 36;
const NOT_CONTROLLER = 41;
const GROUP_LOAD_IN_PROGRESS = 14;
const GROUP_COORDINATOR_NOT_AVAILABLE = 15;
const LEADER_NOT_AVAILABLE = 5;
const TOPIC_AUTHORIZATION_FAILED = 29;

/**
 * kafkajs's own logger (Kafka#logger), writing through the transport's log creator: the lines
 * below are the ones kafkajs writes, with its namespaces and fields.
 */
const kafkajsLogger = (client: string) => {
  const { lines, stream } = logCapture();
  const logger = pino({ level: 'debug' }, stream);
  const status = new BrokerStatus(client, logger, new TestClock('2026-12-04T10:00:00.000Z'));
  const kafka = new Kafka({ clientId: client, brokers: ['127.0.0.1:1'], logLevel: logLevel.WARN, logCreator: kafkajsLogCreator(logger, status) });
  return { lines, status, kafkajs: kafka.logger() };
};

describe('kafkajs ERROR lines: the broker’s or a handler’s', () => {
  it('a handler’s database error while Kafka answers is the database’s: no outage, the gauge stays 1', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('handler-db-error');
    const failed = new EventHandlingFailed(databaseShuttingDown());

    // What kafkajs writes when eachBatch rejects, again at each retry, then when its retries are spent.
    for (let retry = 0; retry < 3; retry += 1) {
      kafkajs.namespace('Runner').error('Error when calling eachBatch', { topic: 'ticket.events', partition: 0, offset: '42', stack: failed.stack, error: failed });
    }
    const spent = new KafkaJSNumberOfRetriesExceeded(failed, { retryCount: 10, retryTime: 10_000 });
    kafkajs.namespace('Consumer').error(`Crash: ${spent.name}: ${spent.message}`, { groupId: 'notification', retryCount: 10, stack: spent.stack });
    kafkajs.namespace('Consumer').error('Restarting the consumer in 300ms', { retryCount: 10, retryTime: 300, groupId: 'notification' });

    expect(status.reachable).toBe(true);
    expect(await reachable('handler-db-error')).toBe(1);
    expect(lines.filter((l) => /Kafka unreachable/.test(l.msg))).toEqual([]);
    const told = lines.filter((l) => l.level === 40);
    expect(told).toHaveLength(5);
    expect(told[0].msg).toMatch(/^database unavailable/);
    expect(told[0]).toMatchObject({ err: { code: '57P03', message: 'the database system is shutting down' }, kafka: { namespace: 'Runner', topic: 'ticket.events', partition: 0 } });
    expect(told[3].msg).toBe('Crash: KafkaJSNumberOfRetriesExceeded: event handling failed: the database system is shutting down');
  });

  it('a handler’s other error is the handler’s, and starts no outage either', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('handler-bug');
    const failed = new EventHandlingFailed(new TypeError("Cannot read properties of undefined (reading 'id')"));

    kafkajs.namespace('Runner').error('Error when calling eachMessage', { topic: 'ticket.events', partition: 1, offset: '7', stack: failed.stack, error: failed });

    expect(status.reachable).toBe(true);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([expect.stringMatching(/^event handling failed/)]);
  });

  it('the broker’s errors are an outage: a refused connection, and retries spent on one', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('broker-down');

    const spent = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { retryCount: 10, retryTime: 10_000 });
    kafkajs.namespace('Consumer').error(`Crash: ${spent.name}: ${spent.message}`, { groupId: 'notification', retryCount: 10, stack: spent.stack });
    expect(status.reachable).toBe(false);
    expect(await reachable('broker-down')).toBe(0);

    kafkajs.namespace('Connection').error('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', clientId: 'broker-down' });
    kafkajs.namespace('Consumer').error('Restarting the consumer in 300ms', { retryCount: 10, retryTime: 300, groupId: 'notification' });
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([expect.stringMatching(/^Kafka unreachable: Crash: KafkaJSNumberOfRetriesExceeded/)]);
    expect(lines.filter((l) => l.level === 20)).toHaveLength(2); // the rest of the outage at debug
  });

  it('a rebalance is the group’s, not an outage: logged as such, the gauge stays 1 (docs/adr/0020)', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('rebalance');
    const connection = { broker: '127.0.0.1:9092', clientId: 'rebalance', correlationId: 11, size: 10 };

    // What kafkajs writes when a member joins (a heartbeat told to rejoin), when a commit comes from
    // the generation before, when the coordinator moved, and when the member's session had expired.
    kafkajs.namespace('Connection').error('Response Heartbeat(key: 12, version: 3)', { ...connection, error: 'The group is rebalancing, so a rejoin is needed' });
    kafkajs.namespace('Connection').error('Response OffsetCommit(key: 8, version: 5)', { ...connection, error: 'Specified group generation id is not valid' });
    kafkajs.namespace('Connection').error('Response Heartbeat(key: 12, version: 3)', { ...connection, error: 'This is not the correct coordinator for this group' });
    kafkajs.namespace('Connection').error('Response Heartbeat(key: 12, version: 3)', { ...connection, error: 'The coordinator is not aware of this member' });
    kafkajs
      .namespace('Runner')
      .error('The coordinator is not aware of this member, re-joining the group', { groupId: 'rating', memberId: 'rating-1', error: 'The coordinator is not aware of this member' });

    expect(status.reachable).toBe(true);
    expect(await reachable('rebalance')).toBe(1);
    expect(lines.filter((l) => /Kafka unreachable/.test(l.msg) || l.outage !== undefined)).toEqual([]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Kafka group rebalancing: Response Heartbeat(key: 12, version: 3): The group is rebalancing, so a rejoin is needed'],
      [30, 'Kafka group rebalancing: Response OffsetCommit(key: 8, version: 5): Specified group generation id is not valid'],
      [30, 'Kafka group rebalancing: Response Heartbeat(key: 12, version: 3): This is not the correct coordinator for this group'],
      [40, 'Kafka group membership lost, rejoining: Response Heartbeat(key: 12, version: 3): The coordinator is not aware of this member'],
      [40, 'Kafka group membership lost, rejoining: The coordinator is not aware of this member, re-joining the group'],
    ]);
    expect(lines[0]).toMatchObject({ kafka: { namespace: 'Connection', broker: '127.0.0.1:9092', error: 'The group is rebalancing, so a rejoin is needed' } });

    // The broker's own errors are still an outage.
    kafkajs.namespace('Connection').error('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', clientId: 'rebalance' });
    expect(status.reachable).toBe(false);
    expect(await reachable('rebalance')).toBe(0);
  });

  it('a fresh broker’s answers are the broker settling, not an outage: CreateTopics errors, a coordinator not available or loading (docs/adr/0020)', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('settling');
    const connection = { broker: '127.0.0.1:9092', clientId: 'settling', correlationId: 3, size: 40 };

    // What kafkajs writes when two services create the same topic at once (one is told it exists),
    // when the controller is not ready, when the group's coordinator is not there yet or loading,
    // and when a new topic's partition has no leader yet.
    const alreadyExists = new KafkaJSAggregateError('Topic creation errors', [answered(TOPIC_ALREADY_EXISTS)]);
    kafkajs.namespace('Connection').error('Response CreateTopics(key: 19, version: 3)', { ...connection, error: alreadyExists.message });
    kafkajs.namespace('Connection').error('Response CreateTopics(key: 19, version: 3)', { ...connection, error: answered(NOT_CONTROLLER).message });
    kafkajs.namespace('Connection').error('Response GroupCoordinator(key: 10, version: 2)', { ...connection, error: answered(GROUP_COORDINATOR_NOT_AVAILABLE).message });
    kafkajs.namespace('Connection').error('Response JoinGroup(key: 11, version: 5)', { ...connection, error: answered(GROUP_LOAD_IN_PROGRESS).message });
    kafkajs.namespace('Producer').error(`Failed to send messages: ${answered(LEADER_NOT_AVAILABLE).message}`, { retryCount: 0, retryTime: 300 });

    expect(status.reachable).toBe(true);
    expect(await reachable('settling')).toBe(1);
    expect(lines.filter((l) => /Kafka unreachable/.test(l.msg) || l.outage !== undefined)).toEqual([]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'Kafka broker settling: Response CreateTopics(key: 19, version: 3): Topic creation errors'],
      [30, 'Kafka broker settling: Response CreateTopics(key: 19, version: 3): This is not the correct controller for this cluster'],
      [30, 'Kafka broker settling: Response GroupCoordinator(key: 10, version: 2): The group coordinator is not available'],
      [30, "Kafka broker settling: Response JoinGroup(key: 11, version: 5): The coordinator is loading and hence can't process requests for this group"],
      [30, 'Kafka broker settling: Failed to send messages: There is no leader for this topic-partition as we are in the middle of a leadership election'],
    ]);
    expect(lines[2]).toMatchObject({ kafka: { namespace: 'Connection', broker: '127.0.0.1:9092', error: 'The group coordinator is not available' } });

    // Not reaching it is still an outage; the broker's answers during one are lines of it.
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    kafkajs.namespace('Connection').error(refused.message, { broker: '127.0.0.1:9092', clientId: 'settling' });
    kafkajs.namespace('Connection').error('Response GroupCoordinator(key: 10, version: 2)', { ...connection, error: answered(GROUP_COORDINATOR_NOT_AVAILABLE).message });
    expect(status.reachable).toBe(false);
    expect(await reachable('settling')).toBe(0);
    expect(lines.slice(5).map((l) => [l.level, l.msg])).toEqual([
      [40, 'Kafka unreachable: Connection error: connect ECONNREFUSED 127.0.0.1:9092; events wait in the outboxes and are published when it is back'],
      [20, 'Kafka broker settling: Response GroupCoordinator(key: 10, version: 2): The group coordinator is not available'],
    ]);
  });

  it('a consumer crashed on the coordinator loading, as after a broker’s restart, is the broker settling: info, its restart at debug', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('loading');
    const loading = answered(GROUP_LOAD_IN_PROGRESS);

    // What kafkajs writes every 300 ms while a restarted broker loads the group's offsets (the
    // landing CI run of stop 45: 21 warn lines for one outage, against a bound of 14).
    for (let restart = 0; restart < 3; restart += 1) {
      kafkajs.namespace('Consumer').error(`Crash: ${loading.name}: ${loading.message}`, { groupId: 'sla-timer', retryCount: 0, stack: loading.stack });
      kafkajs.namespace('Consumer').error('Restarting the consumer in 300ms', { retryCount: 0, retryTime: 300, groupId: 'sla-timer' });
    }
    // A crash of the same group on a handler's failure: its restart is a warning again.
    const failed = new KafkaJSNumberOfRetriesExceeded(new EventHandlingFailed(new TypeError('boom')), { retryCount: 10, retryTime: 10_000 });
    kafkajs.namespace('Consumer').error(`Crash: ${failed.name}: ${failed.message}`, { groupId: 'sla-timer', retryCount: 10, stack: failed.stack });
    kafkajs.namespace('Consumer').error('Restarting the consumer in 300ms', { retryCount: 10, retryTime: 300, groupId: 'sla-timer' });

    expect(status.reachable).toBe(true);
    expect(await reachable('loading')).toBe(1);
    const settling = [30, "Kafka broker settling: Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group"];
    const restart = [20, 'Restarting the consumer in 300ms'];
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      settling,
      restart,
      settling,
      restart,
      settling,
      restart,
      [40, 'Crash: KafkaJSNumberOfRetriesExceeded: event handling failed: boom'],
      [40, 'Restarting the consumer in 300ms'],
    ]);
  });

  it('an answer that is no passing state, or a consumer’s crash once its retries on an answer are spent, is a warning, not an outage', async () => {
    const { lines, status, kafkajs } = kafkajsLogger('answered');
    const connection = { broker: '127.0.0.1:9092', clientId: 'answered', correlationId: 5, size: 40 };

    kafkajs.namespace('Connection').error('Response Metadata(key: 3, version: 6)', { ...connection, error: answered(TOPIC_AUTHORIZATION_FAILED).message });
    const spent = new KafkaJSNumberOfRetriesExceeded(answered(GROUP_COORDINATOR_NOT_AVAILABLE), { retryCount: 10, retryTime: 10_000 });
    kafkajs.namespace('Consumer').error(`Crash: ${spent.name}: ${spent.message}`, { groupId: 'rating', retryCount: 10, stack: spent.stack });
    kafkajs.namespace('Consumer').error('Restarting the consumer in 300ms', { retryCount: 10, retryTime: 300, groupId: 'rating' });
    const refused = answered(TOPIC_AUTHORIZATION_FAILED);
    kafkajs.namespace('Consumer').error(`Crash: ${refused.name}: ${refused.message}`, { groupId: 'rating', retryCount: 0, stack: refused.stack });
    // A passing answer kafkajs does not retry: no restart follows, so it is no settling.
    const exists = answered(TOPIC_ALREADY_EXISTS);
    kafkajs.namespace('Consumer').error(`Crash: ${exists.name}: ${exists.message}`, { groupId: 'rating', retryCount: 0, stack: exists.stack });

    expect(status.reachable).toBe(true);
    expect(await reachable('answered')).toBe(1);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'Kafka broker answered with an error: Response Metadata(key: 3, version: 6): Not authorized to access topics: [Topic authorization failed]'],
      [40, 'Kafka broker answered with an error: Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available'],
      [40, 'Restarting the consumer in 300ms'],
      [40, 'Kafka broker answered with an error: Crash: KafkaJSProtocolError: Not authorized to access topics: [Topic authorization failed]'],
      [40, 'Kafka broker answered with an error: Crash: KafkaJSProtocolError: Topic with this name already exists'],
    ]);
  });
});
