import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { freePort, TestClock, waitFor } from '@tss/service-kit/testing';
import { startSingleProcessPlatform, type RunningPlatform } from '../../src/single-process-platform';

interface Outcome {
  status: number;
  ticketId?: string;
  problemType?: string;
  contentType?: string;
}

// Through TCP, and through the Unix-domain socket npm start uses: a stopped server removes its socket
// file, and the driver's `connect ENOENT` once answered 500 there (an outside test).
describe.each([
  { way: 'TCP', unixSocket: false },
  { way: 'a Unix-domain socket', unixSocket: true },
])('fault: PostgreSQL restarts under load, reached through $way', ({ unixSocket }) => {
  let pg: EmbeddedPostgres;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-restart-'));
  let running: RunningPlatform;
  let client: PlatformClient;

  beforeAll(async () => {
    // A PostgreSQL of its own, so stopping it disturbs no other suite.
    pg = new EmbeddedPostgres({ dataDir, port: await freePort(), fsync: false, unixSocket });
    await pg.start();
    await ensureDatabase(pg.url(), 'tss');
    running = await startSingleProcessPlatform({
      databaseUrl: pg.url('tss'),
      clock: new TestClock('2026-03-03T10:00:00.000Z'),
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      env: {},
      issuer: 'tss',
      audience: 'tss-api',
      relayPollIntervalMs: 50,
    });
    client = new PlatformClient(running.platform.app.server);
  });

  afterAll(async () => {
    await running?.platform.stop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 problem+json while it is down, then catches up: no accepted ticket lost, no effect doubled', async () => {
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Under Load');
    const outcomes: Outcome[] = [];
    let loading = true;
    const WORKERS = 4;
    const worker = async () => {
      while (loading) {
        const response = await client
          .http()
          .post('/v1/tickets')
          .auth(acme.token, { type: 'bearer' })
          .set('idempotency-key', randomUUID())
          .send(sampleTicket());
        outcomes.push({ status: response.status, ticketId: response.body?.id, problemType: response.body?.type, contentType: response.headers['content-type'] });
      }
    };
    const accepted = () => outcomes.filter((o) => o.status === 201).length;
    const unavailable = () => outcomes.filter((o) => o.status === 503).length;
    const workers = Array.from({ length: WORKERS }, worker);

    try {
      await waitFor('30 tickets accepted before the outage', () => accepted() >= 30, { timeoutMs: 30_000 });
      await pg.stop();
      await waitFor('5 requests refused during the outage', () => unavailable() >= 5, { timeoutMs: 30_000 });
      const acceptedBeforeRestart = accepted();
      await pg.start();
      await waitFor('30 more tickets accepted after the restart', () => accepted() >= acceptedBeforeRestart + 30, { timeoutMs: 60_000 });
    } finally {
      // A failed wait must not leave the load running (Jest would never exit).
      loading = false;
      await Promise.allSettled(workers);
    }

    // Every answer is either a ticket or a clean 503 problem: no 500, no hang.
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    for (const refused of outcomes.filter((o) => o.status === 503)) {
      expect(refused.contentType).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.problemType).toMatch(/unavailable$/);
    }

    const acceptedIds = outcomes.filter((o) => o.status === 201).map((o) => o.ticketId!);
    const query = (service: string, sql: string, params: unknown[] = []) => running.platform.host(service).dataSource.query(sql, params);
    const stored = (await query('ticket-intake', 'SELECT id FROM ticket_intake.tickets WHERE partner_id = $1', [acme.partnerId])).map((r: { id: string }) => r.id);
    expect(stored).toEqual(expect.arrayContaining(acceptedIds));

    // The relay resumes: every stored ticket gets exactly one clock and one acknowledgment.
    await waitFor(
      'a clock for every stored ticket',
      async () => (await query('sla-timer', 'SELECT count(DISTINCT ticket_id)::int AS n FROM sla_timer.response_clocks WHERE partner_id = $1', [acme.partnerId]))[0].n === stored.length,
      { timeoutMs: 60_000 },
    );
    const clocksPerTicket = await query('sla-timer', 'SELECT ticket_id, count(*)::int AS n FROM sla_timer.response_clocks WHERE partner_id = $1 GROUP BY ticket_id HAVING count(*) > 1', [acme.partnerId]);
    expect(clocksPerTicket).toEqual([]);
    // The notification group reads on its own, and may still be a batch behind the SLA timer's.
    const acks = async () => (await query('notification', 'SELECT count(*)::int AS n FROM notification.acknowledgments WHERE partner_id = $1', [acme.partnerId]))[0].n as number;
    await waitFor('an acknowledgment for every stored ticket', async () => (await acks()) >= stored.length, { timeoutMs: 60_000 });
    expect(await acks()).toBe(stored.length);
    const unpublished = await query('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.outbox WHERE published_at IS NULL');
    expect(unpublished[0].n).toBe(0);
    process.stdout.write(
      `postgres restart: ${outcomes.length} requests, ${acceptedIds.length} accepted, ${unavailable()} answered 503, ${stored.length} stored, ` +
        `duplicate deliveries absorbed by inboxes: sla-timer ${running.platform.host('sla-timer').consumer.outcomes.duplicate}, notification ${running.platform.host('notification').consumer.outcomes.duplicate}\n`,
    );
  });
});
