import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Type, type Static } from '@sinclair/typebox';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError, envSchema, loadConfig } from '@tss/service-kit';
import type { KafkaTransportOptions } from './kafka-transport';

/**
 * How a services-mode process reaches the brokers: TLS and SASL (docs/adr/0013, addendum of
 * 2026-12-04). Spread into the process's env schema; unset, the connection is plaintext without
 * authentication, as before.
 */
export const KafkaConnectionEnv = {
  KAFKA_SSL: Type.Boolean({ default: false, description: "TLS to the brokers, their certificates checked against KAFKA_SSL_CA_FILE or Node's CAs" }),
  KAFKA_SSL_CA_FILE: Type.Optional(Type.String({ minLength: 1, description: "PEM file of the CA the brokers' certificates chain to (a Strimzi cluster CA); default: Node's CAs" })),
  KAFKA_SASL_MECHANISM: Type.Optional(Type.Union([Type.Literal('plain'), Type.Literal('scram-sha-256'), Type.Literal('scram-sha-512')])),
  KAFKA_SASL_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  KAFKA_SASL_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
};
const KafkaConnectionSchema = envSchema(KafkaConnectionEnv);
export type KafkaConnectionSettings = Static<typeof KafkaConnectionSchema>;

/** What kafkajs takes for TLS and SASL. */
export interface KafkaClientSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

export type ReadTextFile = (path: string) => string;
const readTextFile: ReadTextFile = (path) => readFileSync(path, 'utf8');

/**
 * The kafkajs `ssl` and `sasl` options of these settings. Certificates are always checked: there
 * is no setting that turns the check off. Call after `kafkaConnectionProblems` found none.
 */
export const kafkaSecurityOptions = (settings: KafkaConnectionSettings, readFile: ReadTextFile = readTextFile): KafkaClientSecurity => {
  const { KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = settings;
  return {
    ...(KAFKA_SSL ? { ssl: KAFKA_SSL_CA_FILE ? { ca: [readFile(KAFKA_SSL_CA_FILE)] } : true } : {}),
    ...(mechanism && username && password ? { sasl: { mechanism, username, password } } : {}),
  };
};

/**
 * Rules the schema cannot say, for `loadConfigOrExit`: each setting named, the password never
 * shown. Settings the schema refuses are left to its own message.
 */
export const kafkaConnectionProblems = (env: NodeJS.ProcessEnv, readFile: ReadTextFile = readTextFile): string[] => {
  let s: KafkaConnectionSettings;
  try {
    s = loadConfig(KafkaConnectionSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return [];
    throw error;
  }
  const problems: string[] = [];
  if (s.KAFKA_SSL_CA_FILE && !s.KAFKA_SSL) problems.push('KAFKA_SSL_CA_FILE needs KAFKA_SSL=true');
  if (s.KAFKA_SSL_CA_FILE && s.KAFKA_SSL) {
    try {
      if (!readFile(s.KAFKA_SSL_CA_FILE).includes('-----BEGIN CERTIFICATE-----')) {
        problems.push(`KAFKA_SSL_CA_FILE=${s.KAFKA_SSL_CA_FILE} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
      }
    } catch (error) {
      problems.push(`KAFKA_SSL_CA_FILE=${s.KAFKA_SSL_CA_FILE} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (s.KAFKA_SASL_MECHANISM && !(s.KAFKA_SASL_USERNAME && s.KAFKA_SASL_PASSWORD)) {
    problems.push(`KAFKA_SASL_MECHANISM=${s.KAFKA_SASL_MECHANISM} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  }
  if (!s.KAFKA_SASL_MECHANISM && (s.KAFKA_SASL_USERNAME || s.KAFKA_SASL_PASSWORD)) {
    problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)');
  }
  return problems;
};

/** The kafkajs client settings of a transport, its log creator aside. */
export const kafkaClientConfig = (options: KafkaTransportOptions): Omit<KafkaConfig, 'logCreator' | 'logLevel'> => ({
  clientId: options.clientId,
  brokers: [...options.brokers],
  ...options.security,
  retry: { initialRetryTime: 300, retries: 8, maxRetryTime: options.maxRetryTimeMs ?? 10_000 },
  connectionTimeout: 3_000,
  ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
});
