// `npm run bench -- webhooks`: how fast one notification replica delivers a queue of signed
// webhooks. The single-process platform (its own process) files tickets while endpoint 0 takes
// their `ticket.created` live; then BENCH_WEBHOOKS_ENDPOINTS (40) more endpoints replay those events, one
// after the other, queueing 40 × BENCH_WEBHOOKS_EVENTS (500) = 20,000 deliveries, and the receiver (a process of its own, answering 200)
// times their arrival. Baseline, same run, same receiver: undici POSTing the same signed body as
// many times with the platform's in-flight limit (WEBHOOK_MAX_IN_FLIGHT, 128) (issue #15, benchmark 4).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { freePort } from '@tss/service-kit/testing';
import { startChildServer, type ChildServer } from '../support/processes';
import type { BenchFigures } from '../support/results';
import { json } from '../support/platform-api';
import { heaviestStatements, restartWithStatementStats } from '../support/statement-stats';
import { sleep, wallMs } from '../support/timing';

const EVENTS = Number(process.env.BENCH_WEBHOOKS_EVENTS ?? 500);
/** Endpoints replaying the events, each at the platform's per-endpoint limit (default 4): a replica serves many partners' endpoints. */
const ENDPOINTS = Number(process.env.BENCH_WEBHOOKS_ENDPOINTS ?? 40);
/** In flight at once, the platform's WEBHOOK_MAX_IN_FLIGHT and the baseline loop's alike. */
const IN_FLIGHT = Number(process.env.BENCH_WEBHOOKS_IN_FLIGHT ?? 128);
const LIMIT_MS = 300_000;
/** `BENCH_PG_STATEMENTS=1`: the statements per queued delivery of the replay and drain, from pg_stat_statements. */
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';
const ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789' };
const TICKET = JSON.stringify({ product: 'reader', productVersion: '4.2.1', subject: 'Reader crashes', description: 'The reader closes when opening any EPUB.' });

interface Stats {
  count: number;
  firstAtMs?: number;
  lastAtMs?: number;
  sample?: { headers: Record<string, string>; body: string };
}

/** Statements since the last reset, per queued delivery, most frequent first. */
const statementsPer = async (db: Client, deliveries: number) => {
  const { rows } = await db.query<{ calls: string; query: string }>(
    `SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements WHERE toplevel ORDER BY calls DESC LIMIT 25`,
  );
  const total = await db.query<{ calls: string }>('SELECT sum(calls) AS calls FROM pg_stat_statements WHERE toplevel');
  return {
    all: Number((Number(total.rows[0].calls) / deliveries).toFixed(3)),
    top: rows.map((r) => ({ perDelivery: Number((Number(r.calls) / deliveries).toFixed(3)), query: r.query })),
    heaviest: await heaviestStatements(db, deliveries, 12),
  };
};

export const runWebhooksBench = async (): Promise<BenchFigures> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-webhooks-'));
  // As `npm start` runs it: over a Unix-domain socket (libs/persistence, `unixSocket`; docs/adr/0050).
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort(), unixSocket: true });
  const servers: ChildServer[] = [];
  const agent = new Agent({ connections: IN_FLIGHT, keepAliveTimeout: 30_000 });
  const db = new Client({ connectionString: pg.url('tss_bench') });
  try {
    await pg.start();
    if (STATEMENTS) await restartWithStatementStats(pg);
    await ensureDatabase(pg.url(), 'tss_bench');
    if (STATEMENTS) {
      await db.connect();
      await db.query('CREATE EXTENSION pg_stat_statements');
    }
    const receiverPort = await freePort();
    const receiver = await startChildServer('receiver', [path.join(__dirname, 'receiver.ts')], { env: { ...process.env, PORT: String(receiverPort) }, port: receiverPort });
    servers.push(receiver);
    const stats = async (): Promise<Stats> => (await json(await fetch(`${receiver.baseUrl}/stats`))) as unknown as Stats;
    /** The receiver's figures once it has `count` deliveries, or at the time limit (`timedOut`). */
    const waitFor = async (count: number): Promise<Stats & { timedOut: boolean }> => {
      const deadline = performance.now() + LIMIT_MS;
      for (;;) {
        const s = await stats();
        if (s.count >= count) return { ...s, timedOut: false };
        if (performance.now() > deadline) {
          process.stderr.write(`the receiver got ${s.count} of ${count} deliveries in ${LIMIT_MS} ms\n`);
          return { ...s, timedOut: true };
        }
        await sleep(100);
      }
    };

    const port = await freePort();
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const platform = await startChildServer('platform', ['services/single-process/src/main.ts'], {
      port,
      // A CPU profile of the platform process, written when it exits (docs/performance.md).
      nodeOptions: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        DATABASE_URL: pg.url('tss_bench'),
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        TSS_BOOTSTRAP_CLIENT_ID: ADMIN.id,
        TSS_BOOTSTRAP_CLIENT_SECRET: ADMIN.secret,
        TSS_RATE_LIMIT_MAX: '100000000',
        WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
        WEBHOOK_MAX_IN_FLIGHT: String(IN_FLIGHT),
      },
    });
    servers.push(platform);
    const base = platform.baseUrl;
    const tokenOf = async (clientId: string, clientSecret: string) =>
      String((await json(await fetch(`${base}/v1/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) }))).access_token);
    const admin = { authorization: `Bearer ${await tokenOf(ADMIN.id, ADMIN.secret)}`, 'content-type': 'application/json' };
    const endpoint = async (k: number) =>
      String((await json(await fetch(`${base}/v1/webhooks/endpoints`, { method: 'POST', headers: admin, body: JSON.stringify({ url: `${receiver.baseUrl}/hook/${k}`, eventTypes: ['ticket.created'] }) }))).id);
    await endpoint(0);
    const partner = await json(await fetch(`${base}/v1/partners`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'Bench partner' }) }));
    const client = await json(await fetch(`${base}/v1/partners/${String(partner.id)}/clients`, { method: 'POST', headers: { authorization: admin.authorization } }));
    const partnerAuth = `Bearer ${await tokenOf(String(client.clientId), String(client.clientSecret))}`;

    // The events: EVENTS tickets, 16 at a time; endpoint 0 receives them live.
    const since = new Date(wallMs() - 1_000).toISOString();
    process.stderr.write(`webhooks: filing ${EVENTS} tickets\n`);
    let filed = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (filed < EVENTS) {
          filed += 1;
          const response = await request(`${base}/v1/tickets`, { method: 'POST', dispatcher: agent, headers: { authorization: partnerAuth, 'content-type': 'application/json' }, body: TICKET });
          await response.body.dump();
          if (response.statusCode !== 201) throw new Error(`filing answered ${response.statusCode}`);
        }
      }),
    );
    const live = await waitFor(EVENTS);
    if (live.timedOut) throw new Error(`endpoint 0 got ${live.count} of ${EVENTS} live deliveries`);

    // The queue: ten endpoints replay every event at once.
    const ids = await Promise.all(Array.from({ length: ENDPOINTS }, (_, k) => endpoint(k + 1)));
    await fetch(`${receiver.baseUrl}/reset`, { method: 'POST' });
    const queued = EVENTS * ENDPOINTS;
    process.stderr.write(`webhooks: ${queued} deliveries queued by replay\n`);
    if (STATEMENTS) await db.query('SELECT pg_stat_statements_reset()');
    const replayStarted = wallMs();
    // One after the other, as an operator would: each replay is one transaction of EVENTS rows.
    for (const id of ids) await json(await fetch(`${base}/v1/webhooks/endpoints/${id}/replay`, { method: 'POST', headers: admin, body: JSON.stringify({ since }) }));
    const replayAnsweredMs = wallMs() - replayStarted;
    const drained = await waitFor(queued);
    const tssSeconds = ((drained.lastAtMs ?? 0) - replayStarted) / 1000;
    // At the time limit, the rate of what did arrive.
    const tssRate = drained.count / tssSeconds;
    const statements = STATEMENTS ? await statementsPer(db, queued) : undefined;
    await platform.stop();

    // Baseline: the same signed body, as many times, IN_FLIGHT at a time, with undici.
    const sample = live.sample;
    if (!sample) throw new Error('the receiver kept no signed sample');
    await fetch(`${receiver.baseUrl}/reset`, { method: 'POST' });
    let sent = 0;
    const baselineStarted = wallMs();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (sent < queued) {
          sent += 1;
          const response = await request(`${receiver.baseUrl}/hook/baseline`, { method: 'POST', dispatcher: agent, headers: sample.headers, body: sample.body });
          await response.body.dump();
        }
      }),
    );
    const baselineDone = await waitFor(queued);
    const baselineRate = queued / (((baselineDone.lastAtMs ?? 0) - baselineStarted) / 1000);

    return {
      name: 'webhooks',
      settings: {
        events: EVENTS,
        endpoints: ENDPOINTS,
        queuedDeliveries: queued,
        inFlight: IN_FLIGHT,
        // The platform's per-endpoint limit (its default, 4, unless the environment sets it).
        perEndpoint: Number(process.env.WEBHOOK_CONCURRENCY_PER_ENDPOINT ?? 4),
        bodyBytes: Buffer.byteLength(sample.body),
      },
      baseline: { deliveriesPerSecond: Math.round(baselineRate) },
      notification: {
        deliveriesPerSecond: Math.round(tssRate),
        seconds: Number(tssSeconds.toFixed(1)),
        replayAnsweredMs: Math.round(replayAnsweredMs),
        delivered: drained.count,
        ...(drained.timedOut ? { timedOutAfterMs: LIMIT_MS } : {}),
      },
      ratio: Number((tssRate / baselineRate).toFixed(3)),
      ...(statements ? { statementsPerDelivery: statements } : {}),
      goals: {
        '≥ 2,000 deliveries/s per replica': { met: tssRate >= 2_000, measured: Math.round(tssRate), target: 2_000 },
        '≥ 40 % of the baseline': { met: tssRate / baselineRate >= 0.4, measured: Number((tssRate / baselineRate).toFixed(3)), target: 0.4 },
      },
    };
  } catch (error) {
    for (const server of servers) process.stderr.write(`--- ${server.baseUrl} output ---\n${server.output()}\n`);
    throw error;
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await agent.close();
    if (STATEMENTS) await db.end().catch(() => undefined);
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
