import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { PlatformClient, sampleTicket } from '@tss/runtime/testing';
import { freePort, waitFor } from '@tss/service-kit/testing';
import { startServices, type RunningServices } from '../src/start-services';
import { testBundles } from '@tss/runtime/testing';

/** A span as Jaeger's query API returns it (`GET /api/traces/{traceId}`). */
interface JaegerSpan {
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  processID: string;
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;
const parentOf = (span: JaegerSpan): string | undefined => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
const PG = '@opentelemetry/instrumentation-pg';
const KAFKAJS = '@opentelemetry/instrumentation-kafkajs';

const readTrace = async (queryUrl: string, traceId: string): Promise<JaegerTrace | undefined> => {
  const response = await fetch(`${queryUrl}/api/traces/${traceId}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { data: JaegerTrace[] };
  return body.data[0];
};

/**
 * docs/adr/0022-tracing.md, issue #14: every service its own process (npm run start:services) on the
 * run's broker, exporting over OTLP/HTTP to a real Jaeger (deploy/jaeger/jaeger.sh); one filed
 * ticket's trace, read back from Jaeger's query API, holds the request, its SQL and its Kafka hops.
 */
describe('a ticket’s trace in Jaeger (services mode over Kafka)', () => {
  const queryUrl = process.env.JAEGER_QUERY_URL ?? '';
  let db: TestDatabase;
  let dataDir: string;
  let running: RunningServices;

  beforeAll(async () => {
    expect(process.env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeTruthy(); // the services inherit it
    db = await createTestDatabase('trace_export');
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tss-trace-export-'));
    const lines: string[] = [];
    running = await startServices({
      dataDir,
      basePort: await freePort(),
      metricsBasePort: await freePort(),
      pgPort: 0,
      kafkaPort: 0,
      databaseUrl: db.url,
      kafkaBrokers: process.env.KAFKA_BROKERS,
      bundles: testBundles(),
      logLevel: 'warn',
      write: (line) => lines.push(line),
    }).catch((error: unknown) => {
      throw new Error(`services mode did not start:\n${lines.slice(-40).join('\n')}`, { cause: error });
    });
  }, 240_000);

  afterAll(async () => {
    await running?.stop();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('gateway → ticket-intake → INSERT → relay publish → kafkajs send → sla-timer’s receive and consume → its SQL', async () => {
    const client = new PlatformClient(running.gatewayUrl);
    const admin = await client.token(running.admin.clientId, running.admin.clientSecret);
    const partner = await client.partner(admin, 'Traced partner');
    // The test is the caller: its traceparent names the trace to read back.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const filed = await client
      .http()
      .post('/v1/tickets')
      .auth(partner.token, { type: 'bearer' })
      .set('traceparent', `00-${traceId}-${callerSpanId}-01`)
      .send(sampleTicket());
    expect(filed.status).toBe(201);

    // Each process exports its spans in its own batches, on its own schedule: wait until every
    // process's part is in, not only the last hop's (sla-timer's SQL can land before ticket-intake's
    // server span).
    const outlineOf = (found: JaegerTrace) =>
      found.spans.map((s) => `${found.processes[s.processID]?.serviceName} ${tag(s, 'span.kind') ?? 'internal'} ${s.operationName} (${s.spanID} ← ${parentOf(s) ?? 'root'})`).join('\n');
    let lastOutline = '(no trace yet)';
    const trace = await waitFor(
      'the ticket’s trace, from the gateway down to sla-timer’s SQL, in Jaeger',
      async () => {
        const found = await readTrace(queryUrl, traceId);
        if (!found) return undefined;
        lastOutline = outlineOf(found);
        const has = (service: string, match: (s: JaegerSpan) => boolean) => found.spans.some((s) => found.processes[s.processID]?.serviceName === service && match(s));
        const consume = found.spans.find((s) => s.operationName === 'consume ticket.created' && found.processes[s.processID]?.serviceName === 'sla-timer');
        const complete =
          has('gateway', (s) => tag(s, 'span.kind') === 'server') &&
          has('ticket-intake', (s) => tag(s, 'span.kind') === 'server') &&
          has('ticket-intake', (s) => tag(s, 'otel.scope.name') === KAFKAJS && tag(s, 'span.kind') === 'producer') &&
          consume !== undefined &&
          found.spans.some((s) => parentOf(s) === consume.spanID && tag(s, 'otel.scope.name') === PG);
        return complete ? found : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the trace last read:\n${lastOutline}`, { cause: error });
    });

    const serviceOf = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName;
    const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
    const isUnder = (span: JaegerSpan, ancestor: JaegerSpan): boolean => {
      for (let id = parentOf(span); id; id = byId.get(id) && parentOf(byId.get(id)!)) if (id === ancestor.spanID) return true;
      return false;
    };
    const outline = outlineOf(trace);
    const one = (what: string, match: (s: JaegerSpan) => boolean): JaegerSpan => {
      const found = trace.spans.find(match);
      if (!found) throw new Error(`no ${what} in the trace:\n${outline}`);
      return found;
    };

    const gateway = one('gateway server span', (s) => serviceOf(s) === 'gateway' && tag(s, 'span.kind') === 'server' && s.operationName === 'POST /v1/*');
    expect(parentOf(gateway)).toBe(callerSpanId);
    const intake = one('ticket-intake server span', (s) => serviceOf(s) === 'ticket-intake' && tag(s, 'span.kind') === 'server' && s.operationName === 'POST /v1/tickets');
    expect(parentOf(intake)).toBe(gateway.spanID);
    const insert = one('INSERT into tickets', (s) => tag(s, 'otel.scope.name') === PG && /INSERT INTO\s+"?ticket_intake"?\."?tickets"?/i.test(String(tag(s, 'db.query.text') ?? '')));
    expect(serviceOf(insert)).toBe('ticket-intake');
    expect(isUnder(insert, intake)).toBe(true);
    const publish = one('relay publish span', (s) => serviceOf(s) === 'ticket-intake' && s.operationName === 'publish ticket.created');
    expect(isUnder(publish, intake)).toBe(true);
    const send = one('kafkajs send span', (s) => tag(s, 'otel.scope.name') === KAFKAJS && tag(s, 'span.kind') === 'producer' && parentOf(s) === publish.spanID);
    expect(serviceOf(send)).toBe('ticket-intake');
    // kafkajs's batch consumer starts a trace per batch (a receive span) and links each message's
    // process span to its send span (OTel messaging conventions): find it by the link.
    const processed = await waitFor(
      'sla-timer’s kafkajs process span linked to the send span',
      async () => {
        const response = await fetch(`${queryUrl}/api/traces?service=sla-timer&lookback=1h&limit=200`);
        const recent = ((await response.json()) as { data: JaegerTrace[] }).data;
        return recent
          .flatMap((t) => t.spans.map((s) => ({ span: s, service: t.processes[s.processID]?.serviceName })))
          .find(({ span }) => tag(span, 'otel.scope.name') === KAFKAJS && span.references.some((r) => r.refType === 'FOLLOWS_FROM' && r.spanID === send.spanID));
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(processed.service).toBe('sla-timer');
    expect(tag(processed.span, 'span.kind')).toBe('consumer');
    const consume = one('sla-timer consume span', (s) => serviceOf(s) === 'sla-timer' && s.operationName === 'consume ticket.created');
    expect(parentOf(consume)).toBe(publish.spanID);
    const handlerSql = trace.spans.filter((s) => parentOf(s) === consume.spanID && tag(s, 'otel.scope.name') === PG);
    expect(handlerSql.length).toBeGreaterThan(0);
    expect(handlerSql.every((s) => serviceOf(s) === 'sla-timer')).toBe(true);
  }, 120_000);
});
