import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TRACING = path.join(__dirname, '..', 'tracing.ts');

/** What a fresh process (not Jest's registry, which other suites share) has loaded after `startTracing` and one span. */
const inFreshProcess = async (options: string): Promise<{ traceId?: string; childTraceId?: string; loaded: string[] }> => {
  const script = `
    const { startTracing, inSpan, activeTraceId, traceCarrierOf, contextFromCarrier } = require(${JSON.stringify(TRACING)});
    startTracing(${options});
    inSpan('probe', {}, async () => {
      const traceId = activeTraceId();
      const childTraceId = await inSpan('child', { parent: contextFromCarrier(traceCarrierOf()) }, async () => activeTraceId());
      const heavy = /node_modules\\/(@opentelemetry\\/(sdk-node|exporter-[^/]+|instrumentation[^/]*)|@fastify\\/otel|require-in-the-middle|import-in-the-middle|@grpc)\\//;
      const loaded = [...new Set(Object.keys(require.cache).flatMap((f) => { const m = heavy.exec(f); return m ? [m[1]] : []; }))].sort();
      // Exit once the report is written: an exporting SDK's batch timer would keep the probe alive.
      process.stdout.write(JSON.stringify({ traceId, childTraceId, loaded }), () => process.exit(0));
    });`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.join(__dirname, '..', '..', '..', '..'), timeout: 30_000 });
  return JSON.parse(stdout) as { traceId?: string; childTraceId?: string; loaded: string[] };
};

// docs/adr/0048-idle-memory.md: the exporting half of tracing is loaded only when something exports.
describe('tracing loads its exporting half only when something exports', () => {
  it('exporting nothing: spans have trace ids that propagate, and neither the SDK, an exporter nor an instrumentation is loaded', async () => {
    const { traceId, childTraceId, loaded } = await inFreshProcess(`{ serviceName: 'lazy-test' }`);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(childTraceId).toBe(traceId);
    expect(loaded).toEqual([]);
  });

  it('with an OTLP endpoint: the Node SDK, the OTLP exporter and the four instrumentations are loaded', async () => {
    const { traceId, loaded } = await inFreshProcess(`{ serviceName: 'lazy-test', otlpEndpoint: 'http://127.0.0.1:9' }`);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(loaded).toEqual(
      expect.arrayContaining([
        '@fastify/otel',
        '@opentelemetry/exporter-trace-otlp-http',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-kafkajs',
        '@opentelemetry/instrumentation-pg',
        '@opentelemetry/sdk-node',
      ]),
    );
  });
});
