import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

/** The two levels tracing logs at; a pino logger fits. */
export interface TracingLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

const MAX_MESSAGE_CHARS = 200;

/**
 * What a log line may say of a failed export: the error's kind, message and code. Never the error
 * object itself: an OTLP error carries the collector's response body, and an exporter's error may
 * quote the spans (payloads are no log content, ADR 0007).
 */
const describeFailure = (error: unknown): Record<string, unknown> => {
  // Duck-typed: a socket error comes from Node's realm, which `instanceof Error` misses under Jest.
  if (typeof error !== 'object' || error === null) return { error: 'unknown' };
  const name = 'name' in error && typeof error.name === 'string' ? error.name : 'Error';
  const reason = 'message' in error && typeof error.message === 'string' ? error.message.slice(0, MAX_MESSAGE_CHARS) : undefined;
  const code = 'code' in error && (typeof error.code === 'string' || typeof error.code === 'number') ? error.code : undefined;
  return { error: name, ...(reason ? { reason } : {}), ...(code !== undefined ? { code } : {}) };
};

/**
 * An export runs in the context of whatever set it off (a span ending in some request): a line
 * logged there would carry that request's trace_id (the log mixin reads the active context). The
 * process's lines about its exporter belong to no request.
 */
const outsideAnyRequest = (log: () => void): void => context.with(ROOT_CONTEXT, log);

/**
 * One warning when trace export starts failing, one info line when it works again: an outage is two
 * lines however many batches (every 5 s per process) it drops. OpenTelemetry's default handler
 * writes to its diag logger, which nothing reads, so a closed collector port was silent.
 */
export class ExportOutageReporter {
  private failing = false;

  constructor(private readonly logger: TracingLogger) {}

  failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    outsideAnyRequest(() => this.logger.warn(describeFailure(error), 'trace export failing: spans are dropped until the collector answers'));
  }

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    outsideAnyRequest(() => this.logger.info({}, 'trace export works again'));
  }
}

/** `exporter`, telling `reporter` how each export ended: the SDK reports failures only. */
export const reportingOutages = (exporter: SpanExporter, reporter: ExportOutageReporter): SpanExporter => ({
  export: (spans, done) =>
    exporter.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) reporter.succeeded();
      else reporter.failed(result.error);
      done(result);
    }),
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
});
