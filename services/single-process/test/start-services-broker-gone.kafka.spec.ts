import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { freePortRange, waitFor } from '@tss/service-kit/testing';
import { brokerPort, brokerScript } from './support/own-broker';
import { brokerEnv, startServices, SERVICE_PROCESSES, type RunningServices } from '../src/start-services';
import { testBundles } from '@tss/runtime/testing';


// An outside test of `npm run start:services`: the broker stopped by hand, then SIGTERM to the
// launcher. gateway, ticket-intake and notification each logged `shutdown timed out` (waitingFor
// `<service>:workers`), the launcher took 35 s, and notification's row in notification.instances
// stayed. A broker outage is not the services' failure (DESIGN "Readiness"): each stops cleanly
// within SHUTDOWN_TIMEOUT_MS, removes what is its own, and leaves unpublished events in its outbox.
describe('start:services: stopping after the broker went away', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: RunningServices | undefined;
  let ownBroker: (command: string, extra?: NodeJS.ProcessEnv) => Promise<unknown>;
  const lines: string[] = [];
  const linesOf = (service: string) => lines.filter((line) => line.startsWith(`[${service}] `));

  beforeAll(async () => {
    db = await createTestDatabase('start_services_broker_gone', { from: 'empty' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-broker-gone-'));
    // A broker of this suite's own, so stopping it disturbs no other suite.
    const kafkaPort = await brokerPort();
    const env = brokerEnv({ dataDir, kafkaPort });
    ownBroker = (command, extra = {}) => brokerScript(command, { ...env, ...extra });
    await ownBroker('start');
    running = await startServices({
      dataDir,
      basePort: await freePortRange(SERVICE_PROCESSES.length),
      metricsBasePort: 0,
      pgPort: 0,
      kafkaPort,
      databaseUrl: db.url,
      kafkaBrokers: `127.0.0.1:${kafkaPort}`,
      kafkaNamePrefix: `bg${randomBytes(4).toString('hex')}.`,
      bundles: testBundles(),
      logLevel: 'info',
      write: (line) => lines.push(line),
    }).catch((error: unknown) => {
      throw new Error(`start:services failed: ${String(error)}\n${lines.slice(-40).join('\n')}`);
    });
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
    await ownBroker?.('stop', { KAFKA_KEEP_DATA: '0' }).catch(() => undefined);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('every service exits 0 within SHUTDOWN_TIMEOUT_MS, notification removes its instance row, the outbox keeps what was not published', async () => {
    const services = running!;
    // Every service joined its group and publishes: the clients are connected when the broker goes.
    await waitFor(
      'every service consuming and publishing',
      () => SERVICE_PROCESSES.every(({ name }) => linesOf(name).some((line) => line.includes('consuming and publishing events'))),
      { timeoutMs: 120_000 },
    );
    const client = new PlatformClient(services.gatewayUrl);
    const admin = await client.token(services.admin.clientId, services.admin.clientSecret);
    const partner = await client.partner(admin, 'Broker-gone partner');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      expect((await sql.query('SELECT count(*)::int AS n FROM notification.instances')).rows[0].n).toBe(1);

      await ownBroker('stop');
      await waitFor(
        'every service to find Kafka unreachable',
        () => SERVICE_PROCESSES.every(({ name }) => linesOf(name).some((line) => line.includes('Kafka unreachable'))),
        { timeoutMs: 60_000 },
      );
      // Filed during the outage: its events wait in intake's outbox, a publish of them in kafkajs's retries.
      const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket());
      expect(filed.status).toBe(201);
      const unpublished = async () =>
        (await sql.query('SELECT count(*)::int AS n FROM ticket_intake.outbox WHERE published_at IS NULL AND message_key = $1', [filed.body.id])).rows[0].n as number;
      expect(await unpublished()).toBeGreaterThan(0);
      const heldBack = await unpublished();

      const stoppingFrom = lines.length;
      const startedAt = performance.now();
      await services.stop();
      const stopMs = performance.now() - startedAt;
      const stopLines = lines.slice(stoppingFrom);

      expect(stopLines.filter((line) => line.includes('shutdown timed out'))).toEqual([]);
      // Nothing at error level (pino 50 and up), and no service the launcher names as not stopped cleanly.
      expect(stopLines.filter((line) => /"level":(5|6)0\b/.test(line) || line.includes('did not stop cleanly'))).toEqual([]);
      expect(services.exits).toEqual(Object.fromEntries(SERVICE_PROCESSES.map(({ name }) => [name, expect.objectContaining({ code: 0, signal: null })])));
      // What needs the broker is given up at once: each service well within its budget (about
      // a second with the broker up), not SHUTDOWN_TIMEOUT_MS of kafkajs retries.
      for (const { name } of SERVICE_PROCESSES) expect({ name, withinMs: services.exits[name].stopMs < 3_000 }).toEqual({ name, withinMs: true });
      expect(stopMs).toBeLessThan(SERVICE_PROCESSES.length * 3_000);
      expect((await sql.query('SELECT count(*)::int AS n FROM notification.instances')).rows[0].n).toBe(0);
      expect(await unpublished()).toBe(heldBack);
    } finally {
      await sql.end();
    }
  }, 300_000);
});
