import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, envSchema, loadConfig } from '@tss/service-kit';

/**
 * How long the group waits for a silent member before handing its partitions to the others.
 * Kafka's default is 45 s, kafkajs's 30 s; 10 s with a 3 s heartbeat resumes sooner after a crash
 * and held under the load measured then (docs/adr/0020). CPU-starved nodes need more: a setting.
 */
export const DEFAULT_KAFKA_SESSION_TIMEOUT_MS = 10_000;
export const DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS = 3_000;
/** kafkajs's own default, which the services always ran with. */
export const DEFAULT_KAFKA_REBALANCE_TIMEOUT_MS = 60_000;

/**
 * What a broker takes by default (group.min.session.timeout.ms, group.max.session.timeout.ms):
 * the project's test broker and the Strimzi cluster of docs/operations.md keep both. A session
 * outside them is refused by the broker at every join (INVALID_SESSION_TIMEOUT), so at start here.
 */
const BROKER_MIN_SESSION_TIMEOUT_MS = 6_000;
const BROKER_MAX_SESSION_TIMEOUT_MS = 1_800_000;

/**
 * A services-mode process's consumer group timings (docs/adr/0020, addendum of 2026-12-05, fifth
 * session). Spread into the process's env schema; `kafkaConsumerGroupProblems` checks the rules
 * across them.
 */
export const KafkaConsumerGroupEnv = {
  KAFKA_SESSION_TIMEOUT_MS: Type.Integer({
    minimum: BROKER_MIN_SESSION_TIMEOUT_MS,
    maximum: BROKER_MAX_SESSION_TIMEOUT_MS,
    default: DEFAULT_KAFKA_SESSION_TIMEOUT_MS,
    description:
      "How long the consumer group waits for a member that sent no heartbeat before handing its partitions to the others: raise it on CPU-starved nodes; a crashed member's partitions wait this long. Within the broker's group.min/max.session.timeout.ms (6000-1800000 by default)",
  }),
  KAFKA_HEARTBEAT_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: DEFAULT_KAFKA_HEARTBEAT_INTERVAL_MS,
    description: 'How often a consumer tells its group it is alive (between fetches and messages); below a third of KAFKA_SESSION_TIMEOUT_MS',
  }),
  KAFKA_REBALANCE_TIMEOUT_MS: Type.Integer({
    minimum: BROKER_MIN_SESSION_TIMEOUT_MS,
    maximum: BROKER_MAX_SESSION_TIMEOUT_MS,
    default: DEFAULT_KAFKA_REBALANCE_TIMEOUT_MS,
    description: 'How long a rebalance waits for every member to rejoin before it goes on without the late ones; at least KAFKA_SESSION_TIMEOUT_MS',
  }),
};
const KafkaConsumerGroupSchema = envSchema(KafkaConsumerGroupEnv);
export type KafkaConsumerGroupSettings = Static<typeof KafkaConsumerGroupSchema>;

/** What the transport takes (`KafkaTransportOptions`), from the checked settings. */
export const kafkaConsumerGroupOptions = (settings: KafkaConsumerGroupSettings): { sessionTimeoutMs: number; heartbeatIntervalMs: number; rebalanceTimeoutMs: number } => ({
  sessionTimeoutMs: settings.KAFKA_SESSION_TIMEOUT_MS,
  heartbeatIntervalMs: settings.KAFKA_HEARTBEAT_INTERVAL_MS,
  rebalanceTimeoutMs: settings.KAFKA_REBALANCE_TIMEOUT_MS,
});

/**
 * Rules across the three, for `loadConfigOrExit`: one line naming both settings of each, a default
 * named as such. Values the schema refuses are left to its own message.
 */
export const kafkaConsumerGroupProblems = (env: NodeJS.ProcessEnv): string[] => {
  let s: KafkaConsumerGroupSettings;
  try {
    s = loadConfig(KafkaConsumerGroupSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return [];
    throw error;
  }
  const as = (name: keyof KafkaConsumerGroupSettings): string => (env[name] === undefined ? `${name} (unset: ${s[name]})` : `${name}=${s[name]}`);
  const problems: string[] = [];
  // Three heartbeats a session, as Kafka advises: one late or lost heartbeat must not cost the
  // member its partitions. kafkajs itself refuses only a heartbeat at or above the session.
  if (s.KAFKA_HEARTBEAT_INTERVAL_MS * 3 >= s.KAFKA_SESSION_TIMEOUT_MS) {
    problems.push(
      `${as('KAFKA_HEARTBEAT_INTERVAL_MS')} is not below a third of ${as('KAFKA_SESSION_TIMEOUT_MS')}: at most ${Math.ceil(s.KAFKA_SESSION_TIMEOUT_MS / 3) - 1} ms, so one late heartbeat does not cost a member its partitions`,
    );
  }
  // During a rebalance the coordinator drops a member that has not rejoined within the rebalance
  // timeout, however long its session: a shorter one would undo a raised session timeout there.
  if (s.KAFKA_REBALANCE_TIMEOUT_MS < s.KAFKA_SESSION_TIMEOUT_MS) {
    problems.push(
      `${as('KAFKA_REBALANCE_TIMEOUT_MS')} is below ${as('KAFKA_SESSION_TIMEOUT_MS')}: a rebalance would drop a member its session still keeps; raise it to at least the session timeout`,
    );
  }
  return problems;
};
