import pino from 'pino';
import { envSchema, loadConfig } from '@tss/service-kit';
import { kafkaClientConfig, KafkaConnectionEnv, kafkaConnectionProblems, kafkaSecurityOptions } from '../src/kafka/kafka-connection';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBsample\n-----END CERTIFICATE-----\n';
const files: Record<string, string> = { '/etc/tss/kafka-ca/ca.crt': CA_PEM, '/etc/tss/not-a-cert': 'hello' };
const readFile = (path: string): string => {
  if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return files[path];
};
const settings = (env: Record<string, string>) => loadConfig(envSchema(KafkaConnectionEnv), env);
const options = (env: Record<string, string>) => kafkaSecurityOptions(settings(env), readFile);

describe('Kafka connection settings → kafkajs options (TLS and SASL, docs/adr/0013)', () => {
  it('nothing set: plaintext without authentication, as before', () => {
    expect(options({})).toEqual({});
    expect(kafkaConnectionProblems({}, readFile)).toEqual([]);
  });

  it("KAFKA_SSL=true alone: TLS, the brokers' certificates checked against Node's CAs", () => {
    expect(options({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
    expect(options({ KAFKA_SSL: 'false' })).toEqual({});
  });

  it('KAFKA_SSL_CA_FILE: that PEM is the CA the brokers are checked against (a Strimzi cluster CA), never unchecked', () => {
    const { ssl } = options({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/etc/tss/kafka-ca/ca.crt' });
    expect(ssl).toEqual({ ca: [CA_PEM] });
    expect(ssl).not.toHaveProperty('rejectUnauthorized');
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('KAFKA_SASL_MECHANISM=%s with username and password: kafkajs sasl', (mechanism) => {
    expect(options({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'tss', KAFKA_SASL_PASSWORD: 's3cret' })).toEqual({
      ssl: true,
      sasl: { mechanism, username: 'tss', password: 's3cret' },
    });
  });

  it('SASL without TLS (a SASL_PLAINTEXT listener) is allowed', () => {
    expect(options({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'tss', KAFKA_SASL_PASSWORD: 's3cret' })).toEqual({
      sasl: { mechanism: 'plain', username: 'tss', password: 's3cret' },
    });
  });

  it('the transport hands kafkajs the brokers, the client id and these options', () => {
    const config = kafkaClientConfig({
      brokers: ['b1:9093', 'b2:9093'],
      clientId: 'notification',
      logger: pino({ level: 'silent' }),
      security: { ssl: { ca: [CA_PEM] }, sasl: { mechanism: 'scram-sha-512', username: 'tss', password: 's3cret' } },
    });
    expect(config).toMatchObject({
      clientId: 'notification',
      brokers: ['b1:9093', 'b2:9093'],
      ssl: { ca: [CA_PEM] },
      sasl: { mechanism: 'scram-sha-512', username: 'tss', password: 's3cret' },
    });
    const plain = kafkaClientConfig({ brokers: ['b1:9092'], clientId: 'rating', logger: pino({ level: 'silent' }) });
    expect(plain).not.toHaveProperty('ssl');
    expect(plain).not.toHaveProperty('sasl');
  });

  it('settings that cannot work together are refused at start, each named, the password never shown', () => {
    const problems = (env: Record<string, string>) => kafkaConnectionProblems(env, readFile);
    expect(problems({ KAFKA_SSL_CA_FILE: '/etc/tss/kafka-ca/ca.crt' })).toEqual(['KAFKA_SSL_CA_FILE needs KAFKA_SSL=true']);
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/etc/tss/missing.crt' })).toEqual([
      expect.stringMatching(/^KAFKA_SSL_CA_FILE=\/etc\/tss\/missing\.crt cannot be read: ENOENT/),
    ]);
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/etc/tss/not-a-cert' })).toEqual([
      'KAFKA_SSL_CA_FILE=/etc/tss/not-a-cert holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    ]);
    expect(problems({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'tss' })).toEqual([
      'KAFKA_SASL_MECHANISM=scram-sha-512 needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    ]);
    const withoutMechanism = problems({ KAFKA_SASL_USERNAME: 'tss', KAFKA_SASL_PASSWORD: 's3cret' });
    expect(withoutMechanism).toEqual(['KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)']);
    // A value the schema refuses is its message's, not these rules'.
    expect(problems({ KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual([]);
    expect(() => settings({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(() => settings({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: '' , KAFKA_SSL: 'maybe' })).toThrow(/KAFKA_SSL/);
    expect(JSON.stringify(withoutMechanism)).not.toContain('s3cret');
  });
});
