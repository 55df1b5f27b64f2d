import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { logCapture } from '@tss/service-kit/testing';
import { loadConfig, envSchema } from '@tss/service-kit';
import { KafkaConnectionEnv, kafkaConnectionProblems, kafkaSecurityOptions, type KafkaClientSecurity } from '../src/kafka/kafka-connection';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { describeTransportContract } from '../src/testing';

// Two listeners of a real broker (KAFKA_SASL_PORT=<port> KAFKA_SASL_SSL_PORT=<port>
// deploy/kafka/kafka-broker.sh run ...): SASL/PLAIN in clear, and SCRAM-SHA-512 over TLS with a
// CA of the broker's own, as the production values reach Strimzi's `tls` listener. Each is reached
// from the variables a services-mode process reads, through the same start checks and mapping
// (kafkaConnectionProblems, kafkaSecurityOptions reading the CA file): docs/adr/0013, addenda of
// 2026-12-04.
interface Listener {
  name: string;
  brokers: string[];
  env: (password: string) => Record<string, string>;
}

const PLAIN: Listener = {
  name: 'SASL/PLAIN over SASL_PLAINTEXT',
  brokers: (process.env.KAFKA_TEST_SASL_BROKERS ?? '').split(','),
  env: (password) => ({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'tss', KAFKA_SASL_PASSWORD: password }),
};

const SCRAM_OVER_TLS: Listener = {
  name: 'SASL/SCRAM-SHA-512 over TLS (SASL_SSL)',
  brokers: (process.env.KAFKA_TEST_SASL_SSL_BROKERS ?? '').split(','),
  env: (password) => ({
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: process.env.KAFKA_TEST_SASL_SSL_CA_FILE ?? '',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'tss',
    KAFKA_SASL_PASSWORD: password,
  }),
};

/** What a service does with these variables at start: refuse settings that cannot work, then map them. */
const securityFrom = (env: Record<string, string>): KafkaClientSecurity => {
  const problems = kafkaConnectionProblems(env);
  if (problems.length > 0) throw new Error(`refused at start: ${problems.join('; ')}`);
  return kafkaSecurityOptions(loadConfig(envSchema(KafkaConnectionEnv), env));
};

const password = process.env.KAFKA_TEST_SASL_PASSWORD ?? '';

/** The error `ping` rejected with (it must reject). */
const pingFailure = async (transport: KafkaTransport): Promise<Error> => {
  try {
    await transport.ping();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`ping rejected with a non-Error: ${String(error)}`, { cause: error });
  } finally {
    await transport.close();
  }
  throw new Error('ping succeeded');
};

/**
 * The whole contract over SCRAM-SHA-512 and TLS, the production values' listener; over PLAIN, what
 * depends on the connection (a delivery, a group that reconnects after a stop, a batch at the
 * broker's request limit): the rest is the broker's behaviour, the same on every listener, and the
 * plain listener's suite runs all of it (kafka.contract.kafka.spec.ts). Each run of the contract
 * here took about 26 s of CI's 20 minutes (docs/adr/0074).
 */
const CONNECTION_TESTS = [
  'delivers each committed event once, in order per ticket',
  'a stopped group gets what was published while it was stopped, once',
  "one relay batch larger than a broker's request limit (1 MiB by default) is delivered whole, once, in order",
];

for (const listener of [PLAIN, SCRAM_OVER_TLS]) {
  const only = listener === PLAIN ? { only: CONNECTION_TESTS } : {};
  describeTransportContract(`kafka over ${listener.name}`, async () => {
    const transport = new KafkaTransport({
      brokers: listener.brokers,
      clientId: 'sasl-contract-test',
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      topicPrefix: `s${randomUUID().slice(0, 8)}.`,
      security: securityFrom(listener.env(password)),
    });
    await transport.ping();
    return transport;
  }, only);

  describe(`${listener.name} with a wrong password`, () => {
    it('is refused by the broker as an authentication failure, and the password appears in no log line nor in the error', async () => {
      const { lines, stream } = logCapture();
      const wrong = `wrong-${randomUUID()}`;
      const transport = new KafkaTransport({
        brokers: listener.brokers,
        clientId: 'sasl-refused-test',
        logger: pino({ level: 'debug' }, stream),
        maxRetryTimeMs: 500,
        security: securityFrom(listener.env(wrong)),
      });
      const error = await pingFailure(transport);
      expect(error).toMatchObject({ name: 'KafkaJSSASLAuthenticationError', message: expect.stringMatching(/authentication failed/i) });
      expect(lines.length).toBeGreaterThan(0);
      expect(JSON.stringify(lines)).not.toContain(wrong);
      expect(`${error.message} ${error.stack ?? ''}`).not.toContain(wrong);
    });
  });
}

describe('SASL_SSL: the broker certificate is checked', () => {
  it("KAFKA_SSL=true without KAFKA_SSL_CA_FILE (Node's CAs): the broker's certificate from its own CA is refused", async () => {
    const { KAFKA_SSL_CA_FILE, ...withoutCa } = SCRAM_OVER_TLS.env(password);
    expect(KAFKA_SSL_CA_FILE).not.toBe('');
    const transport = new KafkaTransport({
      brokers: SCRAM_OVER_TLS.brokers,
      clientId: 'tls-unknown-ca-test',
      logger: pino({ level: 'silent' }),
      maxRetryTimeMs: 200,
      security: securityFrom(withoutCa),
    });
    const error = await pingFailure(transport);
    expect(`${error.message} ${String(error.cause ?? '')}`).toMatch(/certificate/i);
  });
});
