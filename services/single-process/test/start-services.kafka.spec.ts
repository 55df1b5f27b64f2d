import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { freePortRange, waitFor } from '@tss/service-kit/testing';
import { startServices, SERVICE_PROCESSES, type RunningServices } from '../src/start-services';
import { attachmentFile, uploadSampleAttachment } from './support/platform-process';
import { testBundles } from '@tss/runtime/testing';

// `npm run start:services` for a newcomer: every service its own process, migrated, on distinct
// ports, behind the gateway; here on the run's broker and a database of the test's own.
describe('services mode in one command (npm run start:services)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: RunningServices;
  const lines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('start_services', { from: 'empty' });
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-start-services-'));
    // Process i listens on basePort + i: the whole range must be free, not only its first port.
    const basePort = await freePortRange(SERVICE_PROCESSES.length);
    running = await startServices({
      dataDir,
      basePort,
      metricsBasePort: 0,
      pgPort: 0,
      kafkaPort: 0,
      databaseUrl: db.url,
      kafkaBrokers: process.env.KAFKA_BROKERS,
      // Topics and consumer groups of this suite's own: no other suite's events, no shared group.
      kafkaNamePrefix: `ss${randomBytes(4).toString('hex')}.`,
      bundles: testBundles(),
      logLevel: 'warn',
      write: (line) => lines.push(line),
      restartDelayMs: 200,
    }).catch((error: unknown) => {
      throw new Error(`start:services failed: ${String(error)}\n${lines.slice(-40).join('\n')}`);
    });
  }, 240_000);

  afterAll(async () => {
    await running?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('runs every service as its own process on its own port, each healthy', async () => {
    const ports = new Set(Object.values(running.urls).map((url) => new URL(url).port));
    expect(ports.size).toBe(SERVICE_PROCESSES.length);
    for (const url of Object.values(running.urls)) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  // An operator's audit: with TSS_METRICS_BASE_PORT=0 the ports each service chose appeared nowhere.
  it("knows where each service's metrics are served: the port it bound, with its own metrics", async () => {
    expect(Object.keys(running.metricsUrls ?? {}).sort()).toEqual(SERVICE_PROCESSES.map((s) => s.name).sort());
    for (const [name, url] of Object.entries(running.metricsUrls)) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scraped = await fetch(url);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain(`service="${name}"`);
    }
  });

  it('migrated every service: each schema has its migrations table', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ schema: string }>(
        "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'schema_migrations' ORDER BY 1",
      );
      expect(rows.map((r) => r.schema)).toEqual(['escalation', 'gateway', 'notification', 'rating', 'sla_timer', 'ticket_intake']);
    } finally {
      await client.end();
    }
  });

  it('files a ticket through the gateway and its SLA clock arrives over Kafka', async () => {
    const client = new PlatformClient(running.gatewayUrl);
    const admin = await client.token(running.admin.clientId, running.admin.clientSecret);
    const partner = await client.partner(admin, 'Start-services partner');
    const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    const clocks = await waitFor(
      'the SLA clock of the filed ticket',
      async () => {
        const response = await client.http().get(`/v1/tickets/${filed.body.id}/sla`).auth(partner.token, { type: 'bearer' });
        return response.body.clocks?.length > 0 ? response.body.clocks : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(clocks[0]).toMatchObject({ status: 'running', level: filed.body.level });
  });

  it('says when a service exits on its own and starts it again; the others keep running', async () => {
    const before = running.pids.rating;
    process.kill(before, 'SIGKILL');
    await waitFor('the launcher to say rating exited', () => lines.find((line) => line.includes('rating exited (signal SIGKILL)')), { timeoutMs: 10_000 });
    await waitFor('rating running again', async () => {
      if (running.pids.rating === before) return undefined;
      const answered = await fetch(`${running.urls.rating}/healthz`).catch(() => undefined);
      return answered?.ok || undefined;
    }, { timeoutMs: 60_000 });
    expect(running.pids.rating).not.toBe(before);
    expect((await fetch(`${running.gatewayUrl}/healthz`)).status).toBe(200);
  }, 90_000);

  it('keeps attachments in its data folder, where intake and notification both find them', async () => {
    const client = new PlatformClient(running.gatewayUrl);
    const admin = await client.token(running.admin.clientId, running.admin.clientSecret);
    const partner = await client.partner(admin, 'Start-services attachments');
    const filed = await client.http().post('/v1/tickets').auth(partner.token, { type: 'bearer' }).send(sampleTicket());
    const uploaded = await uploadSampleAttachment(running.gatewayUrl, partner.token, filed.body.id);
    expect(uploaded.status).toBe(201);
    const file = attachmentFile(path.join(dataDir, 'attachments'), { partnerId: partner.partnerId, ticketId: filed.body.id, id: uploaded.id! });
    expect(readFileSync(file)).toEqual(uploaded.bytes);
  });
});
