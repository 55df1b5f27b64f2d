import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { bootstrapAdmin, forwardToServices, gatewayService, gatewayTokenAuthority, type ServiceUrls } from '@tss/gateway';
import { fixKafkajsRequestQueue, KafkaTransport } from '@tss/messaging';
import type { ServiceInstanceOptions, ServiceModule } from '@tss/runtime';
import type { Clock } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import type { ServiceInstances } from './service-instances';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
export const KAFKA_TEST_BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',');

/** Services mode over the real broker: each module its own instance, with its own Kafka client. */
export const startOverKafka = (services: ServiceInstances, topicPrefix: string, module: ServiceModule, extra: Partial<ServiceInstanceOptions> = {}) =>
  services.start(module, { transport: new KafkaTransport({ brokers: KAFKA_TEST_BROKERS, clientId: module.name, logger, topicPrefix }), ...extra });

/**
 * The gateway forwarding to `routed` (each listening on its own port), with a bootstrap admin,
 * as services mode runs it. Returns the gateway's URL.
 */
export const startGatewayOverKafka = async (
  services: ServiceInstances,
  options: { topicPrefix: string; clock: Clock; admin: { clientId: string; clientSecret: string }; routed: readonly ServiceModule[] },
): Promise<string> => {
  const urls: Record<string, string> = {};
  const gateway = await startOverKafka(services, options.topicPrefix, gatewayService, {
    keySource: (host) => gatewayTokenAuthority(host.dataSource, options.clock),
    extendApp: async (app) => {
      await app.register(forwardToServices(urls as unknown as ServiceUrls, { timeoutMs: 5_000 }));
    },
  });
  const gatewayUrl = await services.listen(gateway);
  const { dataSource, unitOfWork, outbox, logger } = gateway.host;
  await bootstrapAdmin({ dataSource, unitOfWork, outbox, clock: options.clock, logger }, options.admin);
  for (const module of options.routed) urls[module.name] = await services.listen(await startOverKafka(services, options.topicPrefix, module));
  return gatewayUrl;
};

export interface SeenEvent {
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

/**
 * A plain kafkajs consumer reading `topics` from their start: the events as another system sees
 * them. The topics (and `alsoCreate`, topics the services will need) are created first, retried
 * until each has a leader (a service may be creating one at the same moment).
 */
export const readTopics = async (
  topics: readonly string[],
  groupId: string,
  options: { alsoCreate?: readonly string[] } = {},
): Promise<{ seen: SeenEvent[]; close(): Promise<void> }> => {
  const created = [...topics, ...(options.alsoCreate ?? [])];
  fixKafkajsRequestQueue();
  const kafka = new Kafka({ clientId: `${groupId}-reader`, brokers: KAFKA_TEST_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `topics ${created.join(', ')} with leaders`,
      async () => {
        try {
          await admin.createTopics({ topics: created.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
          const metadata = await admin.fetchTopicMetadata({ topics: created });
          return metadata.topics.every((t) => t.partitions.every((p) => p.leader >= 0));
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000 },
    );
  } finally {
    await admin.disconnect();
  }
  const seen: SeenEvent[] = [];
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      seen.push({ type: header('ce_type')!, subject: header('ce_subject')!, data: JSON.parse(message.value!.toString()) as Record<string, unknown> });
    },
  });
  return { seen, close: () => consumer.disconnect() };
};
