// `npm run bench -- ack` (issue #11, P3): "acknowledgment handed to SMTP within 2 s (p99) of the
// ticket's creation at 100 tickets/s". Single-process mode in a process of its own on an embedded
// PostgreSQL, notification's SMTP pointed at a sink (smtp-server) in this process. Tickets with a
// requester e-mail are filed through the gateway at a fixed rate; each acknowledgment is matched to
// its ticket by the reference in its subject. Reports ticket created (the 201 answer) → mail received
// by the sink p50/p90/p99/max, and the counts (filed, acknowledged, missing, duplicates).
// Baseline, in the same command and to the same sink: nodemailer (pooled and connected as notification does it)
// sending mails at the same rate from this process, hand-over → arrival: the floor of the SMTP hop
// on this machine as loaded as it is now.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { Agent, request } from 'undici';
import { EmbeddedPostgres, ensureDatabase } from '@tss/persistence';
import { freePort } from '@tss/service-kit/testing';
import { socketWithoutNagle } from '../../services/notification/src/use-cases/mail-transport';
import { CLK_TCK, cpuTicks, machineShares, machineTicks, scheduleShares, startChildServer, threadSchedule, type ChildServer } from '../support/processes';
import { restartWithStatementStats } from '../support/statement-stats';
import { writeResult, type BenchFigures } from '../support/results';
import { partnerToken } from '../support/platform-api';
import { TICKET_FIELDS } from '../support/ticket-load';
import { atFixedRate } from '../support/paced-load';
import { percentiles, sleep, wallMs } from '../support/timing';

const RATE = Number(process.env.BENCH_ACK_RATE ?? 100);
const DURATION_S = Number(process.env.BENCH_ACK_DURATION_S ?? 60);
const WARMUP_S = Number(process.env.BENCH_ACK_WARMUP_S ?? 5);
const BASELINE_S = Number(process.env.BENCH_ACK_BASELINE_S ?? 20);
const SETTLE_LIMIT_MS = 60_000;
const STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';
const TARGET_P99_MS = 2_000;
const ADMIN = { id: 'bench-admin', secret: 'bench-admin-secret-0123456789' };

const ticketBody = (n: number) =>
  JSON.stringify({ ...TICKET_FIELDS, requester: { email: `requester-${n}@client.example`, name: `Requester ${n}` } });

/** An SMTP server in this process: the arrival time of each mail, by the reference leading its subject (`[TSS-…] …`). */
const startSink = async () => {
  const arrivals = new Map<string, number[]>();
  let mails = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // The instrument adds no reverse-DNS look-up of its own to the hop it measures.
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const at = wallMs();
        mails += 1;
        const raw = Buffer.concat(chunks).toString('latin1');
        const headerEnd = raw.indexOf('\r\n\r\n');
        const reference = /^Subject: \[([^\]]+)\]/im.exec(raw.slice(0, headerEnd < 0 ? raw.length : headerEnd))?.[1];
        if (reference) arrivals.set(reference, [...(arrivals.get(reference) ?? []), at]);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    arrivals,
    mails: () => mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** The services whose consumers take `ticket.created` (their inbox tables). */
const INBOXES = ['sla_timer', 'notification', 'escalation', 'rating', 'gateway'];

const partnerTokenOf = (base: string): Promise<string> => partnerToken(base, { clientId: ADMIN.id, clientSecret: ADMIN.secret });

/**
 * Where the time went, from the platform's own records (its clock is the wall clock here): ticket
 * received → acknowledgment queued by notification (the event pipeline), queued → handed to SMTP
 * (the timer and the sender), for the measured run's tickets.
 */
const stages = async (db: Client, references: readonly string[]) => {
  const { rows } = await db.query<{ queued_ms: number; sent_ms: number | null; attempts: number }>(
    `SELECT EXTRACT(EPOCH FROM (m.created_at - t.received_at)) * 1000 AS queued_ms, EXTRACT(EPOCH FROM (m.sent_at - m.created_at)) * 1000 AS sent_ms, m.attempts
       FROM ticket_intake.tickets t JOIN notification.mail_messages m ON m.ticket_id = t.id AND m.kind = 'acknowledgment'
      WHERE t.reference = ANY($1::text[])`,
    [references],
  );
  // Each hop of the ticket's `ticket.created`: intake's outbox row → published (the relay), then
  // received → handled by each consumer group (its inbox row), so a slow hop shows by name.
  const hops = await db.query<{ hop: string; ms: number }>(
    `WITH created AS (
       SELECT o.event_id::text AS event_id, t.received_at, o.published_at
         FROM ticket_intake.tickets t JOIN ticket_intake.outbox o ON o.message_key = t.id::text AND o.event_type = 'ticket.created'
        WHERE t.reference = ANY($1::text[]))
     SELECT 'published' AS hop, EXTRACT(EPOCH FROM (published_at - received_at)) * 1000 AS ms FROM created WHERE published_at IS NOT NULL
     UNION ALL
     SELECT 'handled by ' || i.consumer_group, EXTRACT(EPOCH FROM (i.handled_at - c.received_at)) * 1000
       FROM created c JOIN (${INBOXES.map((schema) => `SELECT consumer_group, event_id, handled_at FROM ${schema}.inbox`).join(' UNION ALL ')}) i ON i.event_id = c.event_id`,
    [references],
  );
  const byHop = new Map<string, number[]>();
  for (const r of hops.rows) byHop.set(r.hop, [...(byHop.get(r.hop) ?? []), Number(r.ms)]);
  return {
    receivedToHopMs: Object.fromEntries([...byHop].sort(([a], [b]) => a.localeCompare(b)).map(([hop, values]) => [hop, percentiles(values)])),
    acknowledgmentsSentAfterARetry: rows.filter((r) => r.attempts > 1).length,
    receivedToQueuedMs: percentiles(rows.map((r) => Number(r.queued_ms))),
    queuedToSentMs: percentiles(rows.filter((r) => r.sent_ms !== null).map((r) => Number(r.sent_ms))),
  };
};

/** Every ticket filed, warm-up included: what the statement counts divide by. */
const filedInAll = (...runs: { filed: readonly unknown[] }[]): number => runs.reduce((n, r) => n + r.filed.length, 0);

/**
 * `BENCH_PG_STATEMENTS=1`: the platform's statements per ticket filed, most frequent first, from
 * pg_stat_statements (the whole run: start-up, warm-up and idle polls included).
 */
const topStatements = async (db: Client, tickets: number) => {
  const { rows } = await db.query<{ calls: string; query: string }>(
    `SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements WHERE toplevel ORDER BY calls DESC LIMIT 40`,
  );
  const total = await db.query<{ calls: string }>('SELECT sum(calls) AS calls FROM pg_stat_statements WHERE toplevel');
  // Where the server's time went, nested statements (triggers, functions) included.
  const slowest = await db.query<{ ms: string; calls: string; query: string }>(
    `SELECT round(total_exec_time) AS ms, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15`,
  );
  return {
    all: Number((Number(total.rows[0].calls) / tickets).toFixed(2)),
    top: rows.map((r) => ({ perTicket: Number((Number(r.calls) / tickets).toFixed(2)), query: r.query })),
    byServerTime: slowest.rows.map((r) => ({ totalMs: Number(r.ms), calls: Number(r.calls), query: r.query })),
  };
};

/** The baseline: `RATE` mails a second straight to the sink with nodemailer, sent → received. */
const smtpBaseline = async (sink: Awaited<ReturnType<typeof startSink>>, durationS: number) => {
  // Connected as notification connects (Nagle off): the floor of the same SMTP hop.
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 4,
    getSocket: socketWithoutNagle(),
  });
  const sent = new Map<string, number>();
  let failures = 0;
  await atFixedRate(RATE, durationS, (i) => {
    const reference = `BASE-${i}`;
    sent.set(reference, wallMs());
    return transport
      .sendMail({ from: 'bench@tss.bench', to: `r${i}@client.example`, subject: `[${reference}] Request received`, text: 'Your request was registered.', html: '<p>Your request was registered.</p>' })
      .then(
        () => undefined,
        () => {
          failures += 1;
        },
      );
  });
  transport.close();
  const latencies = [...sent].flatMap(([reference, at]) => (sink.arrivals.has(reference) ? [sink.arrivals.get(reference)![0] - at] : []));
  return { sentToReceivedMs: percentiles(latencies), failures };
};

interface Filed {
  reference: string;
  /** When the 201 answer arrived: the ticket exists. */
  createdAt: number;
  /** When the request was sent. */
  sentAt: number;
}

/** Files RATE tickets a second for `durationS`, on a schedule that does not drift with slow answers. */
const fileAtFixedRate = async (base: string, authorization: string, agent: Agent, durationS: number, first: number) => {
  const filed: Filed[] = [];
  let failures = 0;
  const started = performance.now();
  const { total, lateStarts } = await atFixedRate(RATE, durationS, (i) => {
    const sentAt = wallMs();
    return request(`${base}/v1/tickets`, { method: 'POST', dispatcher: agent, headers: { authorization, 'content-type': 'application/json' }, body: ticketBody(first + i) })
      .then(async (response) => {
        const body = (await response.body.json()) as { reference?: string };
        if (response.statusCode === 201 && body.reference) filed.push({ reference: body.reference, createdAt: wallMs(), sentAt });
        else failures += 1;
      })
      .catch(() => {
        failures += 1;
      });
  });
  return { filed, failures, lateStarts, achievedRatePerS: Number((total / ((performance.now() - started) / 1_000)).toFixed(1)) };
};

export const runAckBench = async (): Promise<BenchFigures> => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-bench-ack-'));
  // As `npm start` runs it: over a Unix-domain socket (libs/persistence, `unixSocket`).
  const pg = new EmbeddedPostgres({ dataDir, port: await freePort(), unixSocket: true });
  const sink = await startSink();
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  let platform: ChildServer | undefined;
  const db = new Client({ connectionString: pg.url('tss_bench') });
  try {
    await pg.start();
    if (STATEMENTS) await restartWithStatementStats(pg);
    await ensureDatabase(pg.url(), 'tss_bench');
    await db.connect();
    if (STATEMENTS) await db.query('CREATE EXTENSION pg_stat_statements');
    process.stderr.write(`ack: baseline, nodemailer straight to the sink, ${BASELINE_S} s at ${RATE} mails/s\n`);
    const baseline = await smtpBaseline(sink, BASELINE_S);
    const port = await freePort();
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    platform = await startChildServer('platform', ['services/single-process/src/main.ts'], {
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
        MAIL_SMTP_HOST: '127.0.0.1',
        MAIL_SMTP_PORT: String(sink.port),
        MAIL_FROM: 'TSS Support <support@tss.bench>',
      },
    });
    const authorization = `Bearer ${await partnerTokenOf(platform.baseUrl)}`;

    process.stderr.write(`ack: warm-up ${WARMUP_S} s, then ${DURATION_S} s at ${RATE} tickets/s\n`);
    const warm = await fileAtFixedRate(platform.baseUrl, authorization, agent, WARMUP_S, 0);
    const warmDeadline = performance.now() + SETTLE_LIMIT_MS;
    while (warm.filed.some((f) => !sink.arrivals.has(f.reference)) && performance.now() < warmDeadline) await sleep(50);

    // The machine over the load and its settling: a run slowed by other guests (steal) says so.
    const [machineBefore, platformTicksBefore, eventLoopBefore, loadStarted] = [machineTicks(), cpuTicks(platform.child.pid!) ?? 0, threadSchedule(platform.child.pid!), performance.now()];
    const run = await fileAtFixedRate(platform.baseUrl, authorization, agent, DURATION_S, 1_000_000);
    const settleStarted = performance.now();
    while (run.filed.some((f) => !sink.arrivals.has(f.reference)) && performance.now() - settleStarted < SETTLE_LIMIT_MS) await sleep(50);
    const loadWindow = {
      seconds: Number(((performance.now() - loadStarted) / 1_000).toFixed(1)),
      ...machineShares(machineBefore, machineTicks()),
      platformCores: Number((((cpuTicks(platform.child.pid!) ?? 0) - platformTicksBefore) / CLK_TCK / ((performance.now() - loadStarted) / 1_000)).toFixed(2)),
      // The platform's event loop: how much of the window it ran, and how much it was ready to run
      // but waited for a core (the machine's other work, PostgreSQL's backends among it).
      platformEventLoop: scheduleShares(eventLoopBefore, threadSchedule(platform.child.pid!), performance.now() - loadStarted),
    };

    const fromCreated: number[] = [];
    const fromSent: number[] = [];
    let duplicates = 0;
    for (const f of run.filed) {
      const arrivals = sink.arrivals.get(f.reference);
      if (!arrivals) continue;
      duplicates += arrivals.length - 1;
      fromCreated.push(Math.max(0, arrivals[0] - f.createdAt));
      fromSent.push(arrivals[0] - f.sentAt);
    }
    const createdToAck = percentiles(fromCreated);
    const breakdown = await stages(db, run.filed.map((f) => f.reference));
    const statements = STATEMENTS ? await topStatements(db, filedInAll(warm, run)) : undefined;
    // Percentiles above are of the acknowledgments that came: the ones still missing at the settle limit are slower than any of them.
    const missing = run.filed.length - fromCreated.length;
    const p99OfAllFiled = missing > run.filed.length * 0.01 ? `over ${SETTLE_LIMIT_MS} ms after the load ended (${missing} missing)` : createdToAck.p99;
    return {
      name: 'ack',
      settings: { ratePerS: RATE, durationS: DURATION_S, warmupS: WARMUP_S, baselineS: BASELINE_S, smtp: 'smtp-server sink in the bench process', mode: 'single-process, embedded PostgreSQL over a Unix-domain socket' },
      baseline,
      load: { filed: run.filed.length, failed: run.failures, lateStarts: run.lateStarts, achievedRatePerS: run.achievedRatePerS },
      machineDuringLoad: loadWindow,
      acknowledgments: { received: fromCreated.length, missing: run.filed.length - fromCreated.length, duplicates, mailsAtSinkInAll: sink.mails() },
      createdToAckReceivedMs: createdToAck,
      createdToAckP99OfAllFiledMs: p99OfAllFiled,
      requestSentToAckReceivedMs: percentiles(fromSent),
      platformStages: breakdown,
      ...(statements ? { statementsPerTicket: statements } : {}),
      ratioP99ToBaseline: Number((createdToAck.p99 / baseline.sentToReceivedMs.p99).toFixed(1)),
      goals: {
        'acknowledgment at the SMTP server within 2 s (p99) of the ticket’s creation at 100 tickets/s (issue #11)': {
          met: createdToAck.p99 <= TARGET_P99_MS && RATE >= 100 && fromCreated.length === run.filed.length,
          measuredP99Ms: createdToAck.p99,
          targetMs: TARGET_P99_MS,
        },
      },
    };
  } catch (error) {
    if (platform) process.stderr.write(`--- platform output ---\n${platform.output()}\n`);
    throw error;
  } finally {
    await platform?.stop().catch(() => undefined);
    await agent.close();
    await db.end().catch(() => undefined);
    await sink.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runAckBench()
    .then((figures) => writeResult(figures))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
