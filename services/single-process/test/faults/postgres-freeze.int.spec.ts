import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { freePort, TestClock } from '@tss/service-kit/testing';
import { startSingleProcessPlatform, type RunningPlatform } from '../../src/single-process-platform';

/** The bound this suite gives a request's statements (DB_ANSWER_TIMEOUT_MS), small so the suite stays fast. */
const ANSWER_TIMEOUT_MS = 1_500;
/** What the answer may take beyond the bound: the 503's own work, on 2 shared cores. */
const SLACK_MS = 2_500;

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
}

// An outside test froze npm start's PostgreSQL (SIGSTOP): GET /v1/tickets/<id> had no answer after
// 90 s, and nothing was logged. A statement sent on an open pooled connection waited for ever.
describe('fault: PostgreSQL frozen (SIGSTOP): a request is answered 503 within DB_ANSWER_TIMEOUT_MS', () => {
  let pg: EmbeddedPostgres;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-pg-freeze-'));
  let running: RunningPlatform;
  let client: PlatformClient;
  const lines: LogLine[] = [];
  let frozen: number[] = [];
  const clock = new TestClock('2026-03-03T10:00:00.000Z');

  /** The postmaster and its children (backends, checkpointer, walwriter …): all of them, as the tester did. */
  const serverProcesses = (): number[] => {
    const postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => pid > 0);
    return [postmaster, ...children];
  };
  const freeze = () => {
    frozen = serverProcesses();
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
  };
  const thaw = () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen = [];
  };

  beforeAll(async () => {
    // A PostgreSQL of its own: freezing the shared test database would stall every other suite.
    pg = new EmbeddedPostgres({ dataDir, port: await freePort(), fsync: false });
    await pg.start();
    await ensureDatabase(pg.url(), 'tss');
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    );
    running = await startSingleProcessPlatform({
      databaseUrl: pg.url('tss'),
      clock,
      logger,
      env: { DB_ANSWER_TIMEOUT_MS: String(ANSWER_TIMEOUT_MS) },
      issuer: 'tss',
      audience: 'tss-api',
      relayPollIntervalMs: 50,
    });
    client = new PlatformClient(running.platform.app.server);
  });

  afterAll(async () => {
    // A failed assertion must not leave the server stopped (its stop would wait for ever).
    thaw();
    await running?.platform.stop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET and a keyed POST answer 503 problem+json with Retry-After within the bound, one warn line each; after SIGCONT 200, and the retried POST is answered from its first run', async () => {
    const admin = await client.token(running.generatedAdmin!.clientId, running.generatedAdmin!.clientSecret);
    const acme = await client.partner(admin, 'Acme Frozen');
    const filed = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    const ticketPath = `/v1/tickets/${filed.body.id}`;
    expect((await client.http().get(ticketPath).auth(acme.token, { type: 'bearer' })).status).toBe(200);

    freeze();
    const key = randomUUID();
    const body = sampleTicket();
    const timed = async (request: () => PromiseLike<{ status: number; headers: Record<string, string>; body: { type?: string } }>) => {
      const started = performance.now();
      const response = await request();
      return { response, tookMs: performance.now() - started };
    };
    const [read, write] = await Promise.all([
      timed(() => client.http().get(ticketPath).auth(acme.token, { type: 'bearer' }).timeout(30_000)),
      timed(() => client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', key).send(body).timeout(30_000)),
    ]);
    for (const { response, tookMs } of [read, write]) {
      expect({ status: response.status, retryAfter: response.headers['retry-after'], type: response.body.type }).toEqual({
        status: 503,
        retryAfter: '5',
        type: expect.stringMatching(/unavailable$/),
      });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(tookMs).toBeLessThan(ANSWER_TIMEOUT_MS + SLACK_MS);
    }
    const warned = lines.filter((l) => l.level === 40 && /PostgreSQL did not answer/.test(l.msg));
    expect(warned.length).toBeGreaterThanOrEqual(2);
    // A re-test: later requests, whose connections the first ones closed, waited for the pool's 5 s
    // connect timeout. A new connection is bounded like a statement.
    for (let n = 0; n < 2; n += 1) {
      const later = await timed(() => client.http().get(ticketPath).auth(acme.token, { type: 'bearer' }).timeout(30_000));
      expect({ status: later.response.status, inTime: later.tookMs < ANSWER_TIMEOUT_MS + SLACK_MS }).toEqual({ status: 503, inTime: true });
    }

    thaw();
    // No restart: the platform answers again as soon as the server does.
    const again = await client.http().get(ticketPath).auth(acme.token, { type: 'bearer' }).timeout(30_000);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(filed.body.id);

    // The keyed POST's outcome was unknown to its client; its retry runs or replays it, never doubles it.
    // Its key may still be held (freeing it needed the frozen server): past the lease, a retry takes it over.
    clock.advanceMs(11_000); // the idempotency lease, 10 s (docs/adr/0028)
    const retried = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', key).send(body).timeout(30_000);
    expect([200, 201]).toContain(retried.status);
    const retriedAgain = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', key).send(body).timeout(30_000);
    expect(retriedAgain.body.id).toBe(retried.body.id);
    const stored = await running.platform.host('ticket-intake').dataSource.query('SELECT id FROM ticket_intake.tickets WHERE partner_id = $1', [acme.partnerId]);
    expect(stored).toHaveLength(2);
  });
});
