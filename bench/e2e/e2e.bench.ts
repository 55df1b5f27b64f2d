// `npm run bench -- kafka-e2e` (needs KAFKA_BROKERS): services mode over the real broker, tickets
// filed through the gateway at a fixed rate (after a warm-up at that rate), a local webhook receiver
// subscribed to `ticket.created` by an admin endpoint. Reports created → received latency (from the 201 answer,
// and from the event's own `time`) p50/p99/max and the counts, which must be equal. Baseline, in
// the same run and through the same broker: a kafkajs producer → consumer round trip at the same
// rate, the floor any event pipeline on this broker sits on (issue #15, benchmark 3). Also, to
// explain the figure: the latency of each hop (`hops`), each service's CPU per ticket under the load
// and idle before it, and with BENCH_PG_STATEMENTS=1 PostgreSQL's heaviest statements per ticket.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Agent, request } from 'undici';
import { fixKafkajsRequestQueue } from '@tss/messaging';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { freePort } from '@tss/service-kit/testing';
import { startServices } from '../../services/single-process/src/start-services';
import { CLK_TCK, cpuTicks, listenerPid, machineShares, machineTicks, treeCpuTicks } from '../support/processes';
import type { BenchFigures } from '../support/results';
import { heaviestStatements, restartWithStatementStats } from '../support/statement-stats';
import { TICKET } from '../support/ticket-load';
import { atFixedRate } from '../support/paced-load';
import { percentiles, sleep, wallMs } from '../support/timing';

const RATE = Number(process.env.BENCH_E2E_RATE ?? 100);
const DURATION_S = Number(process.env.BENCH_E2E_DURATION_S ?? 60);
const SETTLE_LIMIT_MS = 60_000;
/**
 * Tickets at the load's rate for this long first, before the idle window and the load: the figure is
 * the pipeline's steady state. Each service's first seconds at 100/s run code V8 has not optimized
 * yet, on pools and plan caches still growing; measured from cold, those seconds were half of a
 * run's p99 (docs/performance.md, session of 2026-12-08). They are reported apart, as `warmUp`.
 */
const WARMUP_S = Number(process.env.BENCH_E2E_WARMUP_S ?? 15);
/** The idle window before the load, for each service's idle CPU. */
const IDLE_MS = 10_000;
/** `BENCH_PG_STATEMENTS=1`: PostgreSQL's heaviest statements over the load, per ticket (pg_stat_statements). */
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';

/**
 * Where each ticket's time went, hop by hop, from the services' own timestamps (one wall clock:
 * every process runs on this machine): filed (the outbox row's `created_at`, in the filing
 * transaction) → published to Kafka by intake's relay → handled by notification's consumer (its
 * inbox row) → delivery attempted (the claim's `last_attempt_at`). Ms, p50/p99/max per hop, for the
 * tickets filed `since` the load began.
 */
const hops = async (databaseUrl: string, since: Date) => {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ published: number; consumed: number; claimed: number }>(`
      SELECT extract(epoch FROM o.published_at - o.created_at) * 1000 AS published,
             extract(epoch FROM i.handled_at - o.published_at) * 1000 AS consumed,
             extract(epoch FROM d.last_attempt_at - i.handled_at) * 1000 AS claimed
        FROM ticket_intake.outbox o
        JOIN notification.inbox i ON i.event_id = o.event_id::text
        JOIN notification.webhook_deliveries d ON d.message_id = o.event_id::text
       WHERE o.event_type = 'ticket.created' AND d.reason = 'event' AND o.created_at >= $1`,
      [since],
    );
    return {
      count: rows.length,
      filedToPublishedMs: percentiles(rows.map((r) => Number(r.published))),
      publishedToConsumedMs: percentiles(rows.map((r) => Number(r.consumed))),
      consumedToAttemptedMs: percentiles(rows.map((r) => Number(r.claimed))),
    };
  } finally {
    await db.end();
  }
};

/**
 * PostgreSQL sessions opened in the database of `databaseUrl` from now until the returned function
 * is called (this function's own two reads left out). Each is a backend forked, with cold caches and
 * no prepared statement: pg's pools close a connection idle for 10 s, and open it again in the next
 * burst (docs/performance.md, session of 2026-12-08).
 */
const sessionsFrom = async (databaseUrl: string): Promise<() => Promise<number>> => {
  const read = async () => {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ sessions: string }>('SELECT sessions FROM pg_stat_database WHERE datname = current_database()');
      return Number(rows[0].sessions);
    } finally {
      await db.end();
    }
  };
  const before = await read();
  return async () => (await read()) - before - 1;
};

/**
 * Each process's CPU seconds from now until the returned function is called (undefined for one
 * that is gone, or not found). `ticksOf`: the process alone, or with everything under it.
 */
const cpuSecondsFrom = (
  pids: Record<string, number | undefined>,
  ticksOf: (pid: number) => number | undefined = cpuTicks,
): (() => Record<string, number | undefined>) => {
  const from = Object.entries(pids).map(([name, pid]) => ({ name, pid, ticks: pid === undefined ? undefined : ticksOf(pid) }));
  return () =>
    Object.fromEntries(
      from.map(({ name, pid, ticks }) => {
        const now = pid === undefined ? undefined : ticksOf(pid);
        return [name, ticks === undefined || now === undefined ? undefined : (now - ticks) / CLK_TCK];
      }),
    );
};

/**
 * The CPU seconds, from now until the returned function is called, of what runs beside the
 * services on this machine: the broker (the process listening on its port), PostgreSQL (its
 * postmaster and every backend under it) and this benchmark's own process (the load generator and
 * the webhook receiver). Undefined for one not found.
 */
const outsideCpu = (brokers: string, pgPort: number): (() => Record<string, number | undefined>) => {
  const servers = cpuSecondsFrom({ broker: listenerPid(Number(brokers.split(',')[0].split(':').pop())), postgres: listenerPid(pgPort) }, treeCpuTicks);
  const bench = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(bench);
    return { ...servers(), bench: (used.user + used.system) / 1e6 };
  };
};

/**
 * Where the machine's busy time went over the load, in cores (CPU seconds over wall seconds): the
 * six services together, the broker, PostgreSQL, the benchmark, and the rest of the busy time
 * (the kernel's interrupts, other processes).
 */
const sharesOfMachine = (services: Record<string, number | undefined>, outside: Record<string, number | undefined>, machineBusySeconds: number, wallSeconds: number) => {
  const cores = (seconds: number) => Number((seconds / wallSeconds).toFixed(3));
  const servicesSeconds = Object.values(services).reduce<number>((sum, s) => sum + (s ?? 0), 0);
  const outsideSeconds = Object.values(outside).reduce<number>((sum, s) => sum + (s ?? 0), 0);
  return {
    machineBusy: cores(machineBusySeconds),
    services: cores(servicesSeconds),
    ...Object.fromEntries(Object.entries(outside).map(([name, s]) => [name, s === undefined ? null : cores(s)])),
    rest: cores(machineBusySeconds - servicesSeconds - outsideSeconds),
  };
};

const perService = (seconds: Record<string, number | undefined>, figure: (seconds: number) => number): Record<string, number | null> =>
  Object.fromEntries(Object.entries(seconds).map(([name, s]) => [name, s === undefined ? null : figure(s)]));

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const baselineRoundTrip = async (brokers: string[], rate: number, durationS: number) => {
  // The services' kafkajs, as their transport runs it: without the fix, each connection's request
  // queue wakes this process every millisecond, with a TimeoutNegativeWarning (docs/adr/0057).
  fixKafkajsRequestQueue();
  const kafka = new Kafka({ clientId: 'bench-e2e-baseline', brokers, logLevel: logLevel.NOTHING });
  const topic = `bench-e2e-baseline-${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100 });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.key?.toString() ?? '';
        const at = sentAt.get(id);
        if (at !== undefined) latencies.push(wallMs() - at);
      },
    });
    await sleep(3_000); // the group's first join
    const { total } = await atFixedRate(rate, durationS, async (i) => {
      const key = `m-${i}`;
      sentAt.set(key, wallMs());
      await producer.send({ topic, acks: -1, messages: [{ key, value: TICKET }] });
    });
    const deadline = performance.now() + SETTLE_LIMIT_MS;
    while (latencies.length < total && performance.now() < deadline) await sleep(50);
    return { sent: total, received: latencies.length, latencyMs: percentiles(latencies) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
};

export const runE2eBench = async (): Promise<BenchFigures> => {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('kafka-e2e needs KAFKA_BROKERS (bash deploy/kafka/kafka-broker.sh run npm run bench -- kafka-e2e)');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-e2e-'));
  const pgPort = await freePort();
  const pg = new EmbeddedPostgres({ dataDir, port: pgPort });
  const receivedAt = new Map<string, { at: number; eventTime: number }>();
  const receiver = createServer((req, res) => {
    void readBody(req).then((body) => {
      try {
        const event = JSON.parse(body) as { type?: string; subject?: string; time?: string };
        if (event.type === 'ticket.created' && event.subject && !receivedAt.has(event.subject)) receivedAt.set(event.subject, { at: wallMs(), eventTime: Date.parse(event.time ?? '') });
      } catch {
        // not an event: counted nowhere
      }
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  await pg.start();
  const stats = new Client({ connectionString: pg.url('tss_e2e') });
  try {
    if (STATEMENTS) await restartWithStatementStats(pg);
    await ensureDatabase(pg.url(), 'tss_e2e');
    if (STATEMENTS) {
      await stats.connect();
      await stats.query('CREATE EXTENSION pg_stat_statements');
    }
    const baseline = await baselineRoundTrip(brokers.split(','), RATE, DURATION_S);
    process.stderr.write(`baseline round trip: ${JSON.stringify(baseline)}\n`);

    Object.assign(process.env, { TSS_RATE_LIMIT_MAX: '100000000', WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
    // `BENCH_CPU_PROF_DIR`: a .cpuprofile of each service process, written as it stops. The services
    // inherit this process's environment as they are spawned; it is put back once they are, so the
    // benchmarks after this one in `npm run bench` (one process) do not profile theirs.
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const nodeOptions = process.env.NODE_OPTIONS;
    if (profileDir) process.env.NODE_OPTIONS = [nodeOptions, '--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`].filter(Boolean).join(' ');
    const running = await startServices({
      dataDir: path.join(dataDir, 'services'),
      basePort: await freePort(),
      metricsBasePort: 0,
      pgPort: 0,
      kafkaPort: 0,
      databaseUrl: pg.url('tss_e2e'),
      kafkaBrokers: brokers,
      kafkaNamePrefix: `bench-e2e-${randomBytes(4).toString('hex')}`,
      logLevel: 'warn',
      write: (line) => (line.includes('"level":50') || line.includes('ERROR') ? process.stderr.write(`${line}\n`) : undefined),
    }).finally(() => {
      if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = nodeOptions;
    });
    try {
      const base = running.gatewayUrl;
      const tokenOf = async (clientId: string, clientSecret: string) => {
        const response = await fetch(`${base}/v1/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
        return String(((await response.json()) as { access_token: string }).access_token);
      };
      const adminAuth = { authorization: `Bearer ${await tokenOf(running.admin.clientId, running.admin.clientSecret)}`, 'content-type': 'application/json' };
      const endpoint = await fetch(`${base}/v1/webhooks/endpoints`, { method: 'POST', headers: adminAuth, body: JSON.stringify({ url: hookUrl, eventTypes: ['ticket.created'], description: 'bench receiver' }) });
      if (endpoint.status !== 201) throw new Error(`the webhook endpoint was refused: ${endpoint.status} ${await endpoint.text()}`);
      const partner = (await (await fetch(`${base}/v1/partners`, { method: 'POST', headers: adminAuth, body: JSON.stringify({ name: 'Bench partner' }) })).json()) as { id: string };
      const client = (await (await fetch(`${base}/v1/partners/${partner.id}/clients`, { method: 'POST', headers: { authorization: adminAuth.authorization } })).json()) as { clientId: string; clientSecret: string };
      const authorization = `Bearer ${await tokenOf(client.clientId, client.clientSecret)}`;

      const createdAt = new Map<string, number>();
      let refused = 0;
      const file = async () => {
        const response = await request(`${base}/v1/tickets`, { method: 'POST', dispatcher: agent, headers: { authorization, 'content-type': 'application/json' }, body: TICKET });
        const body = (await response.body.json()) as { id?: string };
        if (response.statusCode === 201 && body.id) createdAt.set(body.id, wallMs());
        else refused += 1;
      };
      /** Created → received of each ticket filed so far, once each has arrived (or the settle limit). */
      const settled = async (): Promise<number[]> => {
        const deadline = performance.now() + SETTLE_LIMIT_MS;
        while ([...createdAt.keys()].some((id) => !receivedAt.has(id)) && performance.now() < deadline) await sleep(50);
        return [...createdAt].flatMap(([id, created]) => {
          const received = receivedAt.get(id);
          return received ? [received.at - created] : [];
        });
      };
      for (let i = 0; i < 20; i += 1) await file(); // connections, the consumers' first fetches
      await settled();
      createdAt.clear();
      receivedAt.clear();
      process.stderr.write(`e2e: warming up, ${RATE} tickets/s for ${WARMUP_S} s\n`);
      await atFixedRate(RATE, WARMUP_S, file);
      const warmUp = { seconds: WARMUP_S, created: createdAt.size, refused, createdToReceivedMs: percentiles(await settled()) };
      createdAt.clear();
      receivedAt.clear();
      refused = 0;

      process.stderr.write(`e2e: ${RATE} tickets/s for ${DURATION_S} s\n`);
      // Each service's CPU while nothing is filed, as a share of one core: the floor under the load.
      const idle = cpuSecondsFrom(running.pids);
      await sleep(IDLE_MS);
      const idleShareOfCore = perService(idle(), (seconds) => Number((seconds / (IDLE_MS / 1000)).toFixed(3)));
      if (STATEMENTS) await stats.query('SELECT pg_stat_statements_reset()');
      const sessionsOpened = await sessionsFrom(pg.url('tss_e2e'));
      const load = cpuSecondsFrom(running.pids);
      const outside = outsideCpu(brokers, pgPort);
      const [machineBefore, loadStarted, loadStartedAt] = [machineTicks(), performance.now(), new Date()];
      await atFixedRate(RATE, DURATION_S, file);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      // How much of the machine the load had: runs of one commit differ by hundreds of ms of p99
      // with the hour (docs/performance.md, twentieth session); the shares say which hour it was.
      const machineAfter = machineTicks();
      const machineDuringLoad = machineShares(machineBefore, machineAfter);
      const postgresSessionsOpened = await sessionsOpened();
      // Each service's CPU over the load, per ticket filed: where the two cores went.
      const servicesSeconds = load();
      const cpuMsPerTicket = perService(servicesSeconds, (seconds) => Number(((seconds * 1000) / Math.max(1, createdAt.size)).toFixed(2)));
      const coresDuringLoad = sharesOfMachine(servicesSeconds, outside(), (machineAfter.busy - machineBefore.busy) / CLK_TCK, loadSeconds);
      const fromAnswer = await settled();
      const fromEventTime = [...createdAt.keys()].flatMap((id) => {
        const received = receivedAt.get(id);
        return received && Number.isFinite(received.eventTime) ? [received.at - received.eventTime] : [];
      });
      const answerFigures = percentiles(fromAnswer);
      const byHop = await hops(pg.url('tss_e2e'), loadStartedAt);
      const statements = STATEMENTS ? await heaviestStatements(stats, createdAt.size, 25) : undefined;
      return {
        name: 'kafka-e2e',
        settings: { rate: RATE, durationS: DURATION_S, warmupS: WARMUP_S, brokers },
        baseline: baseline,
        e2e: {
          created: createdAt.size,
          refused,
          received: fromAnswer.length,
          allReceived: fromAnswer.length === createdAt.size,
          offeredRatePerSecond: Number((createdAt.size / loadSeconds).toFixed(1)),
          createdToReceivedMs: answerFigures,
          eventTimeToReceivedMs: percentiles(fromEventTime),
          hops: byHop,
          warmUp,
          cpuMsPerTicket,
          idleShareOfCore,
          machineDuringLoad,
          coresDuringLoad,
          postgresSessionsOpened,
        },
        ...(statements ? { statementsPerTicket: statements } : {}),
        p99RatioToBaseline: Number((answerFigures.p99 / baseline.latencyMs.p99).toFixed(2)),
        goals: {
          'p99 created → received < 250 ms': { met: answerFigures.p99 < 250, measuredMs: answerFigures.p99, targetMs: 250 },
          'every created ticket received': { met: fromAnswer.length === createdAt.size && refused === 0, created: createdAt.size, received: fromAnswer.length },
        },
      };
    } finally {
      await running.stop();
    }
  } finally {
    await agent.close();
    if (STATEMENTS) await stats.end().catch(() => undefined);
    receiver.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
