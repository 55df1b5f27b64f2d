import pino from 'pino';
import { loadConfig } from '@tss/service-kit';
import { kafkaTransportOptionsFrom, ServiceProcessEnv } from '../src/service-process';

const logger = pino({ level: 'silent' });
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBsample\n-----END CERTIFICATE-----\n';
const base = { DATABASE_URL: 'postgres://tss:pw@pg:5432/tss', KAFKA_BROKERS: 'b1:9093, b2:9093', TSS_JWKS_URL: 'http://gateway/.well-known/jwks.json' };
const optionsOf = (env: Record<string, string>) => kafkaTransportOptionsFrom(loadConfig(ServiceProcessEnv, { ...base, ...env }), 'notification', logger, () => CA_PEM);

describe("a services-mode process's Kafka settings → its transport (docs/adr/0013)", () => {
  it('KAFKA_TOPIC_REPLICATION_FACTOR: replicas of the topics it creates; 1 when unset (one development broker)', () => {
    expect(optionsOf({}).replicationFactor).toBe(1);
    expect(optionsOf({ KAFKA_TOPIC_REPLICATION_FACTOR: '3', KAFKA_TOPIC_PARTITIONS: '12' })).toMatchObject({ replicationFactor: 3, partitions: 12 });
    expect(() => optionsOf({ KAFKA_TOPIC_REPLICATION_FACTOR: '0' })).toThrow(/KAFKA_TOPIC_REPLICATION_FACTOR/);
  });

  it('TLS with a CA file and SCRAM credentials reach kafkajs as ssl and sasl', () => {
    const options = optionsOf({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/etc/tss/kafka-ca/ca.crt',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'tss',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(options).toMatchObject({
      brokers: ['b1:9093', 'b2:9093'],
      clientId: 'notification',
      security: { ssl: { ca: [CA_PEM] }, sasl: { mechanism: 'scram-sha-512', username: 'tss', password: 's3cret' } },
    });
    expect(optionsOf({}).security).toEqual({});
  });

  it('KAFKA_SESSION_TIMEOUT_MS, KAFKA_HEARTBEAT_INTERVAL_MS, KAFKA_REBALANCE_TIMEOUT_MS reach its consumer group; unset: 10 s, 3 s, 60 s as before (docs/adr/0020)', () => {
    const groupTimeouts = (env: Record<string, string>) => {
      const { sessionTimeoutMs, heartbeatIntervalMs, rebalanceTimeoutMs } = optionsOf(env);
      return { sessionTimeoutMs, heartbeatIntervalMs, rebalanceTimeoutMs };
    };
    expect(groupTimeouts({})).toEqual({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 60_000 });
    expect(groupTimeouts({ KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '5000', KAFKA_REBALANCE_TIMEOUT_MS: '120000' })).toEqual({
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 5_000,
      rebalanceTimeoutMs: 120_000,
    });
  });

  it("the group's timeouts outside what the broker takes (group.min/max.session.timeout.ms: 6 s, 30 min) are refused by the schema, each named", () => {
    for (const [name, value] of [
      ['KAFKA_SESSION_TIMEOUT_MS', '5999'],
      ['KAFKA_SESSION_TIMEOUT_MS', '1800001'],
      ['KAFKA_HEARTBEAT_INTERVAL_MS', '99'],
      ['KAFKA_REBALANCE_TIMEOUT_MS', '1800001'],
      ['KAFKA_SESSION_TIMEOUT_MS', '10s'],
    ]) {
      expect(() => optionsOf({ [name]: value })).toThrow(new RegExp(`${name}=`));
    }
  });
});
