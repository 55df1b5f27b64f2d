import { context, propagation, trace, SpanKind, SpanStatusCode, type Context, type Span, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { getBooleanFromEnv, loggingErrorHandler, setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { lazily } from './lazily';
import { ExportOutageReporter, reportingOutages, type TracingLogger } from './tracing/export-outages';
import { patchLoadedModules, platformInstrumentations } from './tracing/instrumentations';

export { instrumentedServerSpan } from './tracing/server-spans';
export type { TracingLogger } from './tracing/export-outages';

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint; tracing exports nothing when absent. */
  otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
  /** Where a failing export is reported: once when it starts failing, once when it works again. */
  logger?: TracingLogger;
}

export interface Tracing {
  shutdown(): Promise<void>;
}

/** Whether this process records spans: true between an exporting `startTracing` and its shutdown. */
let recording = false;

/**
 * True while spans are recorded and exported (an OTLP endpoint or `spanProcessors`). Work that
 * only exists to make spans can be skipped when false: nothing would see them.
 */
export const spansRecorded = (): boolean => recording;

/**
 * Nothing to export: a tracer provider whose sampler records nothing, the async-local-storage
 * context manager and the W3C propagator. Spans keep ids (a caller's `traceparent` continues, a
 * request without one gets a trace of its own) so trace ids reach logs and events; the server
 * span is create-app's own (no HTTP instrumentation), SQL and Kafka get no spans at all.
 */
const startIdsOnly = (serviceName: string): Tracing => {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new TracerProvider({ sampler: new AlwaysOffSampler(), resource: resourceFromAttributes({ 'service.name': serviceName }) });
  trace.setGlobalTracerProvider(provider);
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
};

/**
 * Exporting: the OpenTelemetry Node SDK with the HTTP, fastify, pg and kafkajs instrumentations
 * (docs/adr/0022-tracing.md), sampled by OTEL_TRACES_SAMPLER (default: every trace).
 */
const startExporting = (serviceName: string, processors: SpanProcessor[], reporter: ExportOutageReporter | undefined): Tracing => {
  const instrumentations: Instrumentation[] = platformInstrumentations();
  const sdk: NodeSDK = new (lazily<{ NodeSDK: typeof NodeSDK }>('@opentelemetry/sdk-node').NodeSDK)({
    serviceName,
    spanProcessors: processors,
    // The SDK would otherwise read OTEL_*_EXPORTER and default to OTLP metrics and logs: we export
    // metrics through Prometheus and logs through stdout, and traces only when asked.
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations,
  });
  sdk.start();
  // The SDK hands failed exports (and its other errors) to this handler, by default its diag logger,
  // which nothing reads: the reporter logs once per outage, never the spans.
  if (reporter) setGlobalErrorHandler((error) => reporter.failed(error));
  patchLoadedModules(instrumentations);
  recording = true;
  return {
    shutdown: async () => {
      recording = false;
      for (const instrumentation of instrumentations) instrumentation.disable();
      await sdk.shutdown();
      if (reporter) setGlobalErrorHandler(loggingErrorHandler());
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
};

/**
 * Starts tracing once per process. Context propagation (W3C trace context) always works, so trace
 * ids reach logs and events even when nothing is exported; spans are recorded, and the
 * instrumentations loaded, only when something exports them (an OTLP endpoint, or `spanProcessors`).
 */
export const startTracing = (options: TracingOptions): Tracing => {
  // As the Node SDK does: OTEL_SDK_DISABLED=true registers nothing (no ids either).
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return { shutdown: async () => undefined };
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  const reporter = options.logger && new ExportOutageReporter(options.logger);
  if (options.otlpEndpoint) {
    const { OTLPTraceExporter: Exporter } = lazily<{ OTLPTraceExporter: typeof OTLPTraceExporter }>('@opentelemetry/exporter-trace-otlp-http');
    const exporter = new Exporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` });
    processors.push(new BatchSpanProcessor({ exporter: reporter ? reportingOutages(exporter, reporter) : exporter }));
  }
  return processors.length > 0 ? startExporting(options.serviceName, processors, reporter) : startIdsOnly(options.serviceName);
};

const tracer = () => trace.getTracer('tss');

/** Runs `work` inside a new span (child of `parent`, or of the active context), ending it afterwards. */
export const inSpan = async <T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> => {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
};

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The W3C trace context of `ctx` (default: the active one), to put on an event or a request. */
export const traceCarrierOf = (ctx: Context = context.active()): TraceCarrier => {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return { ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}), ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
};

export const contextFromCarrier = (carrier: TraceCarrier): Context =>
  propagation.extract(context.active(), carrier as Record<string, string>);

export const activeTraceId = (): string | undefined => trace.getSpan(context.active())?.spanContext().traceId;

export { SpanKind, context as otelContext };
