import type { IHeaders } from 'kafkajs';
import type { CloudEventEnvelope } from '@tss/contracts';

/**
 * CloudEvents Kafka protocol binding, binary content mode: attributes travel as `ce_` headers,
 * `data` is the message value, `content-type` carries datacontenttype.
 */
const ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'dataschema', 'traceparent', 'tracestate'] as const;

export const toKafkaHeaders = (event: CloudEventEnvelope): Record<string, string> => {
  const headers: Record<string, string> = { 'content-type': event.datacontenttype };
  for (const name of ATTRIBUTES) {
    const value = event[name];
    if (typeof value === 'string') headers[`ce_${name}`] = value;
  }
  return headers;
};

/**
 * `toKafkaHeaders` and the message value, in SQL, over `event` (a jsonb expression holding the
 * envelope): for a log in PostgreSQL that takes rows straight from an outbox (docs/adr/0053).
 * The value is the data as jsonb prints it (`{"a": 1}`), the same JSON as `JSON.stringify` gives.
 */
export const kafkaBindingSql = (event: string): { headers: string; value: string } => ({
  headers: `jsonb_strip_nulls(jsonb_build_object('content-type', ${event}->>'datacontenttype', ${ATTRIBUTES.map((name) => `'ce_${name}', ${event}->>'${name}'`).join(', ')}))`,
  value: `convert_to((${event}->'data')::text, 'UTF8')`,
});

export const headersToStrings = (headers: IHeaders | undefined): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    result[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return result;
};

/** Rebuilds the envelope; validation against the catalogue happens later, in the consumer. */
export const fromKafkaMessage = (headers: Record<string, string>, value: Buffer | null): { event?: unknown; error?: string } => {
  let data: unknown;
  try {
    data = value === null ? null : JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { error: `value is not JSON: ${(error as Error).message}` };
  }
  const event: Record<string, unknown> = { datacontenttype: headers['content-type'], data };
  for (const name of ATTRIBUTES) {
    const header = headers[`ce_${name}`];
    if (header !== undefined) event[name] = header;
  }
  return { event };
};
