import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { KafkaTransport } from '@tss/messaging';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { systemClock } from '@tss/service-kit';
import { waitFor, logCapture } from '@tss/service-kit/testing';
import { brokerPort, brokerScript } from '../support/own-broker';
import { startSingleProcessPlatform, type RunningPlatform } from '../../src/single-process-platform';


/**
 * A broker of this suite's own, so stopping it disturbs no other suite. Its run folder is its own
 * too: a `KAFKA_RUN_DIR` inherited from a parent (`kafka-broker.sh run npx jest …` with one set)
 * would make this suite's stop stop the parent's broker.
 */
const broker = (port: number) => {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'tss-kafka-outage-'));
  const env = { KAFKA_PORT: String(port), KAFKA_KEEP_DATA: '1', KAFKA_RUN_DIR: runDir };
  return {
    start: () => brokerScript('start', env),
    stop: () => brokerScript('stop', env, 60_000),
    destroy: async () => {
      await brokerScript('stop', { ...env, KAFKA_KEEP_DATA: '0' }, 60_000);
      rmSync(runDir, { recursive: true, force: true });
    },
  };
};

describe('fault: Kafka down while tickets are filed', () => {
  let db: TestDatabase;
  let running: RunningPlatform;
  let kafka: ReturnType<typeof broker>;
  // Every log line of the platform, to count what an outage costs in logs.
  const { lines, stream: sink } = logCapture();

  beforeAll(async () => {
    const port = await brokerPort();
    kafka = broker(port);
    await kafka.start();
    db = await createTestDatabase('kafka_outage');
    const logger = pino({ level: 'debug' }, sink);
    running = await startSingleProcessPlatform({
      databaseUrl: db.url,
      clock: systemClock,
      logger,
      env: {},
      issuer: 'tss',
      audience: 'tss-api',
      relayPollIntervalMs: 100,
      transport: new KafkaTransport({ brokers: [`127.0.0.1:${port}`], clientId: 'outage', logger, topicPrefix: `o${randomUUID().slice(0, 6)}.`, maxRetryTimeMs: 2_000 }),
    });
  }, 180_000);

  afterAll(async () => {
    await running?.platform.stop();
    await db?.drop();
    await kafka?.destroy();
  }, 120_000);

  it('requests still succeed; the outbox holds the events and publishes them once Kafka is back', async () => {
    const client = new PlatformClient(running.platform.app.server);
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Outage');
    const query = (service: string, sql: string, params: unknown[] = []) => running.platform.host(service).dataSource.query(sql, params);
    const clocks = async (ticketIds: string[]) =>
      (await query('sla-timer', 'SELECT ticket_id, count(*)::int AS n FROM sla_timer.response_clocks WHERE ticket_id = ANY($1::uuid[]) GROUP BY ticket_id', [ticketIds])) as {
        ticket_id: string;
        n: number;
      }[];

    const before = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    await waitFor('a clock while Kafka is up', async () => (await clocks([before.body.id])).length === 1, { timeoutMs: 60_000 });

    const outageStartedAt = lines.length;
    await kafka.stop();
    const during: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket({ subject: `during outage ${i}` }));
      expect(response.status).toBe(201);
      during.push(response.body.id);
    }
    const held = await query('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.outbox WHERE published_at IS NULL AND message_key = ANY($1)', [during]);
    expect(held[0].n).toBe(10); // ticket.created + ticket.accepted for each, waiting in the outbox
    expect(await clocks(during)).toEqual([]);
    // Writes succeed through the outbox, so the platform stays ready (docs/adr/0020).
    expect((await client.http().get('/readyz')).status).toBe(200);

    await kafka.start();
    await waitFor('a clock for every ticket filed during the outage', async () => (await clocks(during)).length === during.length, { timeoutMs: 120_000 });
    expect((await clocks([...during, before.body.id])).every((c) => c.n === 1)).toBe(true);
    await waitFor('the outbox drained', async () => (await query('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.outbox WHERE published_at IS NULL'))[0].n === 0);

    // An outage is one event in the logs: one warning per Kafka client and relay when it starts,
    // not a line per retry (kafkajs alone wrote 40-120 ERROR lines per service in 10 s).
    const outage = lines.slice(outageStartedAt);
    const loud = outage.filter((l) => l.level >= 40);
    expect(loud.filter((l) => l.level >= 50)).toEqual([]);
    // Over the bound, the lines themselves are the failure's message.
    expect(loud.length <= 2 * 6 + 2 ? [] : loud.map((l) => `${l.level} ${l.msg}`)).toEqual([]);
    expect(loud.filter((l) => l.msg.startsWith('Kafka unreachable')).length).toBeGreaterThanOrEqual(1);
    expect(outage.some((l) => l.level === 40 && l.msg === 'Kafka reachable again')).toBe(true);
    // What kafkajs said meanwhile is still there, at debug.
    expect(outage.filter((l) => l.level === 20 && /ECONNREFUSED/.test(l.msg)).length).toBeGreaterThan(loud.length);
  }, 240_000);
});
