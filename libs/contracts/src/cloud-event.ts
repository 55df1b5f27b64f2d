import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * CloudEvents 1.0 envelope (https://github.com/cloudevents/spec, core attributes).
 * `subject` carries the ticket id (or the partner/staff id for gateway events), which is
 * also the Kafka key, so one ticket's events stay in order.
 */
export const CloudEventEnvelope = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String({ minLength: 1 }),
  source: Type.String({ minLength: 1 }),
  type: Type.String({ minLength: 1 }),
  time: Type.String({ format: 'date-time' }),
  subject: Type.String({ minLength: 1 }),
  datacontenttype: Type.Literal('application/json'),
  /** `urn:tss:event:<type>:v<N>`: which version of the contract `data` follows. */
  dataschema: Type.String({ pattern: '^urn:tss:event:[a-z_.]+:v[0-9]+$' }),
  /** W3C trace context (CloudEvents distributed-tracing extension). */
  traceparent: Type.Optional(Type.String()),
  tracestate: Type.Optional(Type.String()),
  data: Type.Unknown(),
});
export type CloudEventEnvelope = Static<typeof CloudEventEnvelope>;

export type CloudEvent<TData> = Omit<CloudEventEnvelope, 'data'> & { data: TData };

export const dataSchemaUri = (type: string, version: number): string => `urn:tss:event:${type}:v${version}`;

export const parseDataSchemaUri = (uri: string): { type: string; version: number } | undefined => {
  const match = /^urn:tss:event:([a-z_.]+):v([0-9]+)$/.exec(uri);
  return match ? { type: match[1], version: Number(match[2]) } : undefined;
};

export type DataSchema = TSchema;
