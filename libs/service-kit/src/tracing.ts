import { context, propagation, trace, SpanKind, SpanStatusCode, type Context, type Span, type Attributes } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { patchLoadedModules, platformInstrumentations } from './tracing/instrumentations';

export { instrumentedServerSpan } from './tracing/server-spans';

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint; tracing exports nothing when absent. */
  otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK once per process, with the HTTP, fastify, pg and kafkajs
 * instrumentations (docs/adr/0022-tracing.md). Context propagation (W3C trace context) always
 * works, so trace ids reach logs and events even when nothing is exported.
 */
export const startTracing = (options: TracingOptions): Tracing => {
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }) }));
  }
  const instrumentations = platformInstrumentations();
  const exporting = processors.length > 0;
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // Without a processor the SDK registers no tracer provider, and spans would carry no ids.
    spanProcessors: exporting ? processors : [new NoopSpanProcessor()],
    // Nothing to export: spans keep their ids (logs, events) but record nothing, so the
    // instrumentations cost next to nothing. Exporting: OTEL_TRACES_SAMPLER decides (default: all).
    ...(exporting ? {} : { sampler: new AlwaysOffSampler() }),
    // The SDK would otherwise read OTEL_*_EXPORTER and default to OTLP metrics and logs: we export
    // metrics through Prometheus and logs through stdout, and traces only when asked.
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations,
  });
  sdk.start();
  patchLoadedModules(instrumentations);
  return {
    shutdown: async () => {
      for (const instrumentation of instrumentations) instrumentation.disable();
      await sdk.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
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
