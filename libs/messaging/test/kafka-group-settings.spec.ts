import { envSchema, loadConfig } from '@tss/service-kit';
import { KafkaConsumerGroupEnv, kafkaConsumerGroupOptions, kafkaConsumerGroupProblems } from '../src/kafka/kafka-group-settings';

const settings = (env: Record<string, string>) => loadConfig(envSchema(KafkaConsumerGroupEnv), env);

/** The consumer group's timings as settings (docs/adr/0020, addendum of 2026-12-05, fifth session). */
describe("Kafka consumer group settings: session timeout, heartbeat, rebalance timeout", () => {
  it('unset: 10 s, 3 s and 60 s, what the services always ran with', () => {
    expect(kafkaConsumerGroupOptions(settings({}))).toEqual({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 60_000 });
    expect(kafkaConsumerGroupProblems({})).toEqual([]);
  });

  it("the broker's bounds: a session timeout of 6 s to 30 min (group.min/max.session.timeout.ms), each end taken", () => {
    expect(kafkaConsumerGroupOptions(settings({ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '1999' })).sessionTimeoutMs).toBe(6_000);
    expect(kafkaConsumerGroupProblems({ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '1999' })).toEqual([]);
    const longest = { KAFKA_SESSION_TIMEOUT_MS: '1800000', KAFKA_HEARTBEAT_INTERVAL_MS: '599999', KAFKA_REBALANCE_TIMEOUT_MS: '1800000' };
    expect(kafkaConsumerGroupOptions(settings(longest))).toEqual({ sessionTimeoutMs: 1_800_000, heartbeatIntervalMs: 599_999, rebalanceTimeoutMs: 1_800_000 });
    expect(kafkaConsumerGroupProblems(longest)).toEqual([]);
  });

  it.each([
    ['KAFKA_SESSION_TIMEOUT_MS', '5999', 'greater or equal to 6000'],
    ['KAFKA_SESSION_TIMEOUT_MS', '1800001', 'less or equal to 1800000'],
    ['KAFKA_SESSION_TIMEOUT_MS', '0', 'greater or equal to 6000'],
    ['KAFKA_SESSION_TIMEOUT_MS', '10s', 'Expected integer'],
    ['KAFKA_HEARTBEAT_INTERVAL_MS', '99', 'greater or equal to 100'],
    ['KAFKA_HEARTBEAT_INTERVAL_MS', '600001', 'less or equal to 600000'],
    ['KAFKA_REBALANCE_TIMEOUT_MS', '5999', 'greater or equal to 6000'],
    ['KAFKA_REBALANCE_TIMEOUT_MS', '1800001', 'less or equal to 1800000'],
  ])('%s=%s is refused by the schema (%s); the rules across leave it to its message', (name, value, expected) => {
    expect(() => settings({ [name]: value })).toThrow(new RegExp(`${name}="?${value}"?: .*${expected}`));
    expect(kafkaConsumerGroupProblems({ [name]: value })).toEqual([]);
  });

  it('a heartbeat not below a third of the session timeout: one line naming both, with the most it may be', () => {
    expect(kafkaConsumerGroupProblems({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '10000' })).toEqual([
      'KAFKA_HEARTBEAT_INTERVAL_MS=10000 is not below a third of KAFKA_SESSION_TIMEOUT_MS=30000: at most 9999 ms, so one late heartbeat does not cost a member its partitions',
    ]);
    expect(kafkaConsumerGroupProblems({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '9999' })).toEqual([]);
    // The default heartbeat against a short session is named as the default.
    expect(kafkaConsumerGroupProblems({ KAFKA_SESSION_TIMEOUT_MS: '9000' })).toEqual([
      'KAFKA_HEARTBEAT_INTERVAL_MS (unset: 3000) is not below a third of KAFKA_SESSION_TIMEOUT_MS=9000: at most 2999 ms, so one late heartbeat does not cost a member its partitions',
    ]);
    expect(kafkaConsumerGroupProblems({ KAFKA_HEARTBEAT_INTERVAL_MS: '3334' })).toEqual([
      'KAFKA_HEARTBEAT_INTERVAL_MS=3334 is not below a third of KAFKA_SESSION_TIMEOUT_MS (unset: 10000): at most 3333 ms, so one late heartbeat does not cost a member its partitions',
    ]);
  });

  it('a rebalance timeout below the session timeout: one line naming both', () => {
    expect(kafkaConsumerGroupProblems({ KAFKA_SESSION_TIMEOUT_MS: '120000', KAFKA_HEARTBEAT_INTERVAL_MS: '10000' })).toEqual([
      'KAFKA_REBALANCE_TIMEOUT_MS (unset: 60000) is below KAFKA_SESSION_TIMEOUT_MS=120000: a rebalance would drop a member its session still keeps; raise it to at least the session timeout',
    ]);
    expect(kafkaConsumerGroupProblems({ KAFKA_SESSION_TIMEOUT_MS: '120000', KAFKA_HEARTBEAT_INTERVAL_MS: '10000', KAFKA_REBALANCE_TIMEOUT_MS: '120000' })).toEqual([]);
  });
});
