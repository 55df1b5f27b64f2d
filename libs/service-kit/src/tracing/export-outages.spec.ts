import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TRACING = path.join(__dirname, '..', 'tracing.ts');

interface Line {
  level: 'warn' | 'info';
  fields: Record<string, unknown>;
  message: string;
  /** The trace id of the context the line was logged in: what a log mixin would tag it with. */
  activeTraceId?: string;
}

/**
 * A fresh process (the OTLP exporter loads its transport with a dynamic import, which Jest's module
 * registry refuses): a collector port that is closed for three batches, open for one, closed again.
 */
const outageInFreshProcess = async (): Promise<Line[]> => {
  const script = `
    const http = require('node:http');
    const { trace, ProxyTracerProvider } = require('@opentelemetry/api');
    const { startTracing, inSpan } = require(${JSON.stringify(TRACING)});
    const listen = (server, port) => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server.address().port)));
    const close = (server) => new Promise((resolve) => server.close(() => resolve()));
    const exportOneBatch = async (name) => {
      await inSpan(name, { attributes: { 'tss.marker': 'payload of ' + name } }, async () => undefined);
      const global = trace.getTracerProvider();
      const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
      // Flushed from inside an unrelated request's span, as a batch that fills up during one is.
      await inSpan('unrelated-request', {}, () => provider.forceFlush().catch(() => undefined)); // a failed export rejects; the log lines are the result
    };
    (async () => {
      const collector = http.createServer((request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      });
      const port = await listen(collector, 0);
      await close(collector);
      const lines = [];
      const tracing = startTracing({
        serviceName: 'outage-test',
        otlpEndpoint: 'http://127.0.0.1:' + port,
        logger: {
          warn: (fields, message) => lines.push({ level: 'warn', fields, message, activeTraceId: trace.getActiveSpan()?.spanContext().traceId }),
          info: (fields, message) => lines.push({ level: 'info', fields, message, activeTraceId: trace.getActiveSpan()?.spanContext().traceId }),
        },
      });
      for (const batch of ['first', 'second', 'third']) await exportOneBatch('span-' + batch + '-while-down');
      await listen(collector, port);
      await exportOneBatch('span-while-up');
      await close(collector);
      await exportOneBatch('span-down-again');
      // The unrelated requests' spans are still queued: the last flush fails, the collector being down.
      await tracing.shutdown().catch(() => undefined);
      process.stdout.write(JSON.stringify(lines), () => process.exit(0));
    })();`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: path.join(__dirname, '..', '..', '..', '..'),
    timeout: 30_000,
    // No retries over seconds: the first refused connection ends each export.
    env: { ...process.env, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300' },
  });
  return JSON.parse(stdout) as Line[];
};

/** docs/adr/0022-tracing.md (addendum of 2026-12-04): a collector that is down is logged, once. */
describe('trace export outages', () => {
  it('a closed collector port: one warning per outage however many batches fail, one line when it is back, no span data', async () => {
    const lines = await outageInFreshProcess();
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info', 'warn']);
    expect(lines[0].fields).toMatchObject({ code: 'ECONNREFUSED' });
    expect(JSON.stringify(lines)).not.toMatch(/span-|payload of/);
  });

  // An operator's audit: the warning carried the trace_id of an unrelated request (the log mixin
  // reads the active context, and an export runs in the context of what triggered it).
  it('the lines are logged outside any request: no trace id', async () => {
    const lines = await outageInFreshProcess();
    expect(lines.map((line) => [line.message, line.activeTraceId])).toEqual([
      ['trace export failing: spans are dropped until the collector answers', undefined],
      ['trace export works again', undefined],
      ['trace export failing: spans are dropped until the collector answers', undefined],
    ]);
  });
});
