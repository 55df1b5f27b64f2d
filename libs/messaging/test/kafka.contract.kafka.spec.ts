import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { KafkaTransport } from '../src/kafka/kafka-transport';
import { describeTransportContract } from '../src/testing';

// The same contract against a real broker (KAFKA_BROKERS); each run gets topics of its own.
describeTransportContract('kafka', async () => {
  const transport = new KafkaTransport({
    brokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    clientId: 'contract-test',
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    topicPrefix: `t${randomUUID().slice(0, 8)}.`,
  });
  await transport.ping();
  return transport;
});
