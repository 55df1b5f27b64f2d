import { dataSchemaUri, IN_TRANSIT_FIELD, isStaffOnlyEvent, type EventContract } from '@tss/contracts';

type JsonObject = Record<string, unknown>;

const isRecord = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A contract's `data` schema as a webhook receives it: the typebox schema as JSON Schema (typebox's
 * symbols dropped), without the in-transit member, which no delivery carries (P9, docs/adr/0070).
 */
export const deliveredDataSchema = (contract: EventContract): JsonObject => {
  const schema = JSON.parse(JSON.stringify(contract.schema)) as JsonObject;
  if (isRecord(schema.properties) && IN_TRANSIT_FIELD in schema.properties) {
    const { [IN_TRANSIT_FIELD]: _inTransit, ...kept } = schema.properties;
    schema.properties = kept;
    if (Array.isArray(schema.required)) schema.required = schema.required.filter((name) => name !== IN_TRANSIT_FIELD);
  }
  return schema;
};

const hasSequence = (data: JsonObject): boolean => isRecord(data.properties) && 'sequence' in data.properties;
const requiresSequence = (data: JsonObject): boolean => Array.isArray(data.required) && data.required.includes('sequence');

/** The body of a delivery: the CloudEvent as published (docs/webhooks.md "What arrives"), `data` one of the type's versions. */
const deliveryBody = (type: string, versions: readonly EventContract[]): JsonObject => {
  const data = versions.map(deliveredDataSchema);
  const schemaUris = versions.map((c) => dataSchemaUri(c.type, c.version));
  // webhookBodyOf (notification) copies a numeric `data.sequence` beside `subject`.
  const sequenced = data.some(hasSequence);
  return {
    type: 'object',
    required: ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'dataschema', 'data', ...(data.every(requiresSequence) ? ['sequence'] : [])],
    properties: {
      specversion: { type: 'string', const: '1.0' },
      id: { type: 'string', description: 'The event id, the same as `webhook-id`: the same on every retry and replay. Deduplicate by it.' },
      source: { type: 'string', const: `tss/${versions[0].owner}`, description: 'The service that produced the event' },
      type: { type: 'string', const: type },
      time: { type: 'string', format: 'date-time', description: 'When the event happened' },
      subject: { type: 'string', description: type === 'webhook.ping' ? 'The endpoint id' : 'The ticket id' },
      datacontenttype: { type: 'string', const: 'application/json' },
      dataschema: schemaUris.length === 1 ? { type: 'string', const: schemaUris[0] } : { type: 'string', enum: schemaUris, description: 'Which version of the contract `data` follows' },
      ...(sequenced ? { sequence: { type: 'integer', minimum: 1, description: "The event's place among its ticket's events (`data.sequence`): order one ticket's events by it" } } : {}),
      data: data.length === 1 ? data[0] : { oneOf: data },
    },
  };
};

/** Standard Webhooks' headers on every delivery (docs/webhooks.md, "What arrives"). */
const SIGNATURE_HEADERS = [
  { name: 'webhook-id', description: 'The event id: the same on every retry and replay. Deduplicate by it.' },
  { name: 'webhook-timestamp', description: 'Seconds since the epoch when this attempt was signed; refuse ones far from now (5 min)' },
  {
    name: 'webhook-signature',
    description: 'Space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the endpoint secret (base64 after `whsec_`); two during a rotation',
  },
].map((header) => ({ in: 'header', required: true, schema: { type: 'string' }, ...header }));

const operationIdOf = (type: string): string =>
  `webhook${type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}`;

const STAFF_ONLY_NOTE =
  'Staff-only: delivered only to endpoints an admin subscribed for every partner (internal systems). An endpoint of a partner, or an admin’s with `partnerId`, never receives it.';

/**
 * The OpenAPI 3.1 `webhooks` of the document: one entry per event type a delivery may carry, named
 * by the type, its body the CloudEvent with the contract's `data` (every version the catalogue has).
 * Generated from the contracts, so the document cannot drift from what is sent.
 */
export const webhookDocs = (contracts: readonly EventContract[]): Record<string, JsonObject> => {
  const byType = new Map<string, EventContract[]>();
  for (const contract of contracts) byType.set(contract.type, [...(byType.get(contract.type) ?? []), contract]);
  return Object.fromEntries(
    [...byType.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, versions]) => {
        const staffOnly = isStaffOnlyEvent(type);
        const description = [versions[versions.length - 1].description, staffOnly ? STAFF_ONLY_NOTE : undefined, 'See docs/webhooks.md: signatures, retries, order per ticket.']
          .filter(Boolean)
          .join('\n\n');
        return [
          type,
          {
            post: {
              operationId: operationIdOf(type),
              summary: type,
              description,
              'x-tss-staff-only': staffOnly,
              parameters: SIGNATURE_HEADERS,
              requestBody: { required: true, content: { 'application/json': { schema: deliveryBody(type, versions) } } },
              responses: {
                '2XX': { description: 'Received. Any 2xx within 10 s; anything else, or no answer, is retried (on 429 and 503 after your `Retry-After`).' },
              },
            },
          },
        ];
      }),
  );
};
