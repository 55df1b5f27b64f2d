import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { logCapture } from '@tss/service-kit/testing';
import { loadConfig, envSchema } from '@tss/service-kit';
import { KafkaConnectionEnv, kafkaSecurityOptions } from '../src/kafka/kafka-connection';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { describeTransportContract } from '../src/testing';

// A real broker's SASL_PLAINTEXT listener (KAFKA_SASL_PORT=<port> deploy/kafka/kafka-broker.sh run ...),
// reached with the settings a services-mode process reads (docs/adr/0013, addendum of 2026-12-04).
const brokers = (process.env.KAFKA_TEST_SASL_BROKERS ?? '').split(',');
const security = (password: string) =>
  kafkaSecurityOptions(
    loadConfig(envSchema(KafkaConnectionEnv), { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'tss', KAFKA_SASL_PASSWORD: password }),
  );

describeTransportContract('kafka over SASL/PLAIN', async () => {
  const transport = new KafkaTransport({
    brokers,
    clientId: 'sasl-contract-test',
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    topicPrefix: `s${randomUUID().slice(0, 8)}.`,
    security: security(process.env.KAFKA_TEST_SASL_PASSWORD ?? ''),
  });
  await transport.ping();
  return transport;
});

describe('SASL/PLAIN with a wrong password', () => {
  it('is refused by the broker, and the password appears in no log line', async () => {
    const { lines, stream } = logCapture();
    const wrong = `wrong-${randomUUID()}`;
    const transport = new KafkaTransport({ brokers, clientId: 'sasl-refused-test', logger: pino({ level: 'debug' }, stream), maxRetryTimeMs: 500, security: security(wrong) });
    try {
      await expect(transport.ping()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    } finally {
      await transport.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain(wrong);
  });
});
