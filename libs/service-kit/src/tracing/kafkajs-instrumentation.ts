import { context, propagation, trace, type Context } from '@opentelemetry/api';
import type { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { lazily } from '../lazily';

type StartProducerSpan = (this: KafkaJsInstrumentation, topic: string, message: { headers?: Record<string, unknown> }, client: unknown) => unknown;

/** The trace context the CloudEvents Kafka binding put on a message (`ce_traceparent`, `ce_tracestate`). */
const cloudEventContext = (headers: Record<string, unknown> | undefined): Context | undefined => {
  const traceparent = headers?.ce_traceparent;
  if (typeof traceparent !== 'string') return undefined;
  const tracestate = headers?.ce_tracestate;
  return propagation.extract(context.active(), { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) });
};

/**
 * kafkajs instrumentation whose `send` spans continue each event's own trace. The outbox relay
 * publishes a batch of events from many requests in one `sendBatch`, outside any span, and puts
 * each event's producer-span context in its `ce_traceparent` header (CloudEvents Kafka binding);
 * the stock instrumentation parents every `send` span on the active context, which would start a
 * new trace per message. When no span is active, the message's own context is the parent.
 *
 * `_startProducerSpan` is private in 0.33.0 (pinned exactly); the Jaeger suite fails if it moves.
 */
export const cloudEventKafkaJsInstrumentation = (): KafkaJsInstrumentation => {
  const { KafkaJsInstrumentation: Instrumentation } = lazily<{ KafkaJsInstrumentation: typeof KafkaJsInstrumentation }>('@opentelemetry/instrumentation-kafkajs');
  const instrumentation = new Instrumentation();
  const original: unknown = Reflect.get(instrumentation, '_startProducerSpan');
  if (typeof original !== 'function') return instrumentation;
  const start = original as StartProducerSpan;
  const startInEventTrace: StartProducerSpan = function (this: KafkaJsInstrumentation, topic, message, client) {
    const parent = trace.getSpan(context.active()) ? undefined : cloudEventContext(message.headers);
    return parent ? context.with(parent, () => start.call(this, topic, message, client)) : start.call(this, topic, message, client);
  };
  Reflect.set(instrumentation, '_startProducerSpan', startInEventTrace);
  return instrumentation;
};
