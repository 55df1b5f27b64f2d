import pino from 'pino';
import { metricsRegistry } from '@tss/service-kit';
import { logCapture, TestClock } from '@tss/service-kit/testing';
import { BrokerStatus } from '../src/kafka/broker-status';

const capture = () => {
  const { lines, stream } = logCapture();
  return { lines, logger: pino({ level: 'debug' }, stream) };
};

const reachable = async (client: string): Promise<number | undefined> =>
  (await metricsRegistry().getSingleMetric('tss_kafka_broker_reachable')?.get())?.values.find((v) => v.labels.client === client)?.value;

describe('Kafka broker status (issue #8: an outage is one event)', () => {
  it('logs an outage once when it starts and once when it ends, whatever kafkajs says in between', async () => {
    const { lines, logger } = capture();
    const clock = new TestClock('2026-12-01T10:00:00.000Z');
    const status = new BrokerStatus('status-test', logger, clock);
    expect(await reachable('status-test')).toBe(1);

    for (let i = 0; i < 120; i += 1) status.failed('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { kafka: { namespace: 'Connection' } });
    clock.advanceMs(10_000);
    status.succeeded();
    status.succeeded(); // a second success is no second "back" line

    const loud = lines.filter((l) => l.level >= 30);
    expect(loud).toHaveLength(2);
    expect(loud[0]).toMatchObject({ level: 40, outage: 'started' });
    expect(loud[0].msg).toContain('ECONNREFUSED');
    // At warn, as the start: a launcher at warn (start:services) shows the outage end too.
    expect(loud[1]).toMatchObject({ level: 40, outage: 'ended', outageMs: 10_000, suppressedLogLines: 119 });
    expect(lines.filter((l) => l.level === 20)).toHaveLength(119); // the rest stay available at debug
    expect(status.reachable).toBe(true);
  });

  it('exports reachability as a gauge: 0 during the outage, 1 after', async () => {
    const { logger } = capture();
    const status = new BrokerStatus('gauge-test', logger, new TestClock());
    status.failed('The group coordinator is not available', {});
    expect(status.reachable).toBe(false);
    expect(await reachable('gauge-test')).toBe(0);
    status.succeeded();
    expect(await reachable('gauge-test')).toBe(1);
  });

  it('tells a listener once that the broker is unreachable: at once during an outage, else when one starts; a removed one is not told', () => {
    const { logger } = capture();
    const status = new BrokerStatus('listener-test', logger, new TestClock());
    const told: string[] = [];
    status.onUnreachable(() => told.push('waiting'));
    const removed = status.onUnreachable(() => told.push('removed'));
    removed();
    expect(told).toEqual([]);

    status.failed('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {});
    status.failed('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {});
    status.onUnreachable(() => told.push('during the outage'));
    expect(told).toEqual(['waiting', 'during the outage']);

    status.succeeded();
    status.onUnreachable(() => told.push('after it'));
    expect(told).toEqual(['waiting', 'during the outage']);
    status.failed('The group coordinator is not available', {});
    expect(told).toEqual(['waiting', 'during the outage', 'after it']);
  });
});
