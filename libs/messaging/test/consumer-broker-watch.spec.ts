import { EventEmitter } from 'node:events';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError, type Consumer } from 'kafkajs';
import pino from 'pino';
import { metricsRegistry } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { BrokerStatus } from '../src/kafka/broker-status';
import { brokerSilenceOf, watchConsumerBroker } from '../src/kafka/consumer-broker-watch';
import { EventHandlingFailed } from '../src/kafka/kafkajs-log';

const EVENTS = { REQUEST: 'consumer.network.request', REQUEST_TIMEOUT: 'consumer.network.request_timeout', HEARTBEAT: 'consumer.heartbeat', CRASH: 'consumer.crash' } as const;

/** A kafkajs consumer's instrumentation, as far as the watch uses it: events emitted by hand. */
const fakeConsumer = () => {
  const emitter = new EventEmitter();
  const consumer = {
    events: EVENTS,
    on: (name: string, listener: (event: unknown) => void) => {
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    },
  } as unknown as Pick<Consumer, 'on' | 'events'>;
  const emit = (name: keyof typeof EVENTS, payload: Record<string, unknown>) => emitter.emit(EVENTS[name], { id: 1, type: EVENTS[name], timestamp: 0, payload });
  return { consumer, emit, listeners: () => Object.values(EVENTS).reduce((n, e) => n + emitter.listenerCount(e), 0) };
};

const reachable = async (client: string): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_kafka_broker_reachable')?.get())?.values.find((v) => v.labels.client === client)?.value;

const timedOut = { broker: '127.0.0.1:9092', apiName: 'Fetch', apiKey: 1, apiVersion: 11, clientId: 'c', correlationId: 7, createdAt: 0, sentAt: 0, pendingDuration: 0 };

describe('a consumer tells the broker status what kafkajs logs no line for (a hung broker)', () => {
  const setUp = (client: string) => {
    const { lines, stream } = logCapture();
    const clock = new TestClock('2026-12-05T10:00:00.000Z');
    const status = new BrokerStatus(client, pino({ level: 'debug' }, stream), clock);
    const fake = fakeConsumer();
    const unwatch = watchConsumerBroker(fake.consumer, status);
    return { lines, clock, status, unwatch, ...fake };
  };

  it('a request timed out marks the broker unreachable with one warn line; the next answered request marks it reachable', async () => {
    const { lines, clock, status, emit } = setUp('watch-timeout');
    emit('REQUEST_TIMEOUT', timedOut);
    emit('REQUEST_TIMEOUT', { ...timedOut, apiName: 'Heartbeat' });
    expect(status.reachable).toBe(false);
    expect(await reachable('watch-timeout')).toBe(0);
    clock.advanceMs(30_000);
    emit('REQUEST', { broker: '127.0.0.1:9092', apiName: 'Fetch' });
    expect(status.reachable).toBe(true);
    expect(await reachable('watch-timeout')).toBe(1);
    const loud = lines.filter((l) => l.level >= 40);
    expect(loud.map((l) => [l.outage, l.msg])).toEqual([
      ['started', expect.stringContaining('request Fetch to 127.0.0.1:9092 timed out')],
      ['ended', 'Kafka reachable again'],
    ]);
    expect(loud[1]).toMatchObject({ outageMs: 30_000, suppressedLogLines: 1 });
  });

  it('a successful heartbeat ends the outage too', () => {
    const { status, emit } = setUp('watch-heartbeat');
    emit('REQUEST_TIMEOUT', timedOut);
    emit('HEARTBEAT', { groupId: 'g', memberId: 'm', groupGenerationId: 1 });
    expect(status.reachable).toBe(true);
  });

  it('a crash for want of an answer is an outage; a crash of the handler or on an error answer is not', () => {
    const { status, emit } = setUp('watch-crash');
    emit('CRASH', { groupId: 'g', restart: true, error: new KafkaJSNumberOfRetriesExceeded(new EventHandlingFailed(new Error('database down')), { retryCount: 5, retryTime: 1 }) });
    emit('CRASH', { groupId: 'g', restart: true, error: new KafkaJSProtocolError({ message: 'not authorized', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false } as never) });
    expect(status.reachable).toBe(true);
    emit('CRASH', { groupId: 'g', restart: true, error: new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection timeout'), { retryCount: 5, retryTime: 1 }) });
    expect(status.reachable).toBe(false);
  });

  it('the watch can be removed', () => {
    const { unwatch, listeners } = setUp('watch-removed');
    expect(listeners()).toBe(4);
    unwatch();
    expect(listeners()).toBe(0);
  });

  it('names the silence a crash was for, at any depth of its causes', () => {
    expect(brokerSilenceOf(new KafkaJSRequestTimeoutError('Request Fetch(key: 1, version: 11) timed out'))).toBe('KafkaJSRequestTimeoutError: Request Fetch(key: 1, version: 11) timed out');
    expect(brokerSilenceOf(new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), { retryCount: 5, retryTime: 1 }))).toContain('KafkaJSConnectionError');
    expect(brokerSilenceOf(new EventHandlingFailed(new KafkaJSConnectionError('from the handler')))).toBeUndefined();
    expect(brokerSilenceOf('not an error')).toBeUndefined();
  });
});
