import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { brokerPort, brokerScript } from './support/own-broker';
import { fixKafkajsRequestQueue } from '@tss/messaging';
import { brokerEnv } from '../src/start-services';


/**
 * `npm run start:services` starts its broker with `brokerEnv`: the broker's data in the data folder,
 * kept across a stop. Events published but not yet consumed when the command stops (a service that
 * was down or behind) are there at the next start; their outbox rows are already marked published.
 */
describe('start:services: the broker keeps its data in TSS_DATA_DIR across a restart', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let port: number;
  const script = (command: string, extra: NodeJS.ProcessEnv = {}) => brokerScript(command, { ...env, ...extra });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-broker-data-'));
    port = await brokerPort();
    env = brokerEnv({ dataDir, kafkaPort: port });
  });

  afterAll(async () => {
    await script('stop', { KAFKA_KEEP_DATA: '0' }).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('an event no one consumed before the stop is read after the next start; a stop without a pid file and a start on other ports keep the data', async () => {
    expect(env.KAFKA_RUN_DIR).toBe(path.join(dataDir, 'kafka'));
    await script('start');
    fixKafkajsRequestQueue(); // kafkajs's own timer otherwise wakes every 1 ms, with a TimeoutNegativeWarning
    const kafka = new Kafka({ clientId: 'keep-data-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'ticket.created', messages: [{ key: 't-1', value: 'published, not yet consumed' }] });
    await producer.disconnect();
    await script('stop');
    expect(existsSync(path.join(dataDir, 'kafka', 'data', 'meta.properties'))).toBe(true);

    // A stop that finds no pid file (a broker that died, or stopped already) leaves the data too.
    expect(existsSync(path.join(dataDir, 'kafka', 'kafka.pid'))).toBe(false);
    await script('stop');
    expect(existsSync(path.join(dataDir, 'kafka', 'data', 'meta.properties'))).toBe(true);

    // Other ports than the kept data's: refused with what to do, and the data left as it was.
    const elsewhere = await script('start', { KAFKA_PORT: String(await brokerPort()) }).then(
      () => 'started',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(elsewhere).toMatch(/kept broker data .* was made for other ports/);
    expect(existsSync(path.join(dataDir, 'kafka', 'data', 'meta.properties'))).toBe(true);

    await script('start');
    const consumer = kafka.consumer({ groupId: 'keep-data-reader' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'ticket.created', fromBeginning: true });
    const read = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    await consumer.disconnect();
    expect(read).toBe('published, not yet consumed');
  }, 300_000);
});
