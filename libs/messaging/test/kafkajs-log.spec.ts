import { Kafka, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, logLevel } from 'kafkajs';
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
});
