import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineEvent, isStaffOnlyEvent, RatingSubmittedV1, TicketCreatedV1, webhookDeliveredContracts } from '@tss/contracts';
import { webhookDocs } from '../../src/domain/webhook-docs';

type Body = { required: string[]; properties: Record<string, { const?: string; enum?: string[] } & Record<string, unknown>> };
const bodyOf = (docs: ReturnType<typeof webhookDocs>, type: string): Body =>
  (docs[type].post as { requestBody: { content: { 'application/json': { schema: Body } } } }).requestBody.content['application/json'].schema;

describe('webhookDocs: the OpenAPI webhooks, from the event contracts', () => {
  const docs = webhookDocs(webhookDeliveredContracts());

  it('a ticket event: the CloudEvent with its constants, the contract’s data, and `sequence` beside `subject`', () => {
    const body = bodyOf(docs, 'ticket.created');

    expect(body.properties.type.const).toBe('ticket.created');
    expect(body.properties.source.const).toBe('tss/ticket-intake');
    expect(body.properties.dataschema.const).toBe('urn:tss:event:ticket.created:v1');
    expect(body.properties.data).toEqual(JSON.parse(JSON.stringify(TicketCreatedV1.schema)));
    expect(body.required).toEqual(expect.arrayContaining(['id', 'subject', 'data', 'sequence']));
  });

  it('P9: what travels for the platform only (`inTransit`) is not in a delivery, so not in its schema', () => {
    const data = bodyOf(docs, 'rating.submitted').properties.data as { properties: Record<string, unknown>; required?: string[] };

    expect(Object.keys(JSON.parse(JSON.stringify(RatingSubmittedV1.schema)).properties)).toContain('inTransit');
    expect(Object.keys(data.properties)).not.toContain('inTransit');
    expect(data.required ?? []).not.toContain('inTransit');
  });

  it('escalation events say they never reach a partner’s endpoint; a ping names its endpoint', () => {
    expect(docs['escalation.raised'].post).toMatchObject({ 'x-tss-staff-only': true, description: expect.stringContaining('never receives it') });
    expect(docs['ticket.created'].post).toMatchObject({ 'x-tss-staff-only': false });
    expect(bodyOf(docs, 'webhook.ping').properties.subject.description).toBe('The endpoint id');
    expect(bodyOf(docs, 'webhook.ping').required).not.toContain('sequence');
  });

  it('two versions of one type (a V2 beside V1, docs/adr/0004): one entry, `data` either, `dataschema` naming both', () => {
    const v1 = defineEvent('ticket.sample', 1, 'ticket-intake', Type.Object({ a: Type.String() }), 'Sample.');
    const v2 = defineEvent('ticket.sample', 2, 'ticket-intake', Type.Object({ b: Type.Integer() }), 'Sample, second version.');
    const body = bodyOf(webhookDocs([v1, v2]), 'ticket.sample');

    expect(body.properties.dataschema.enum).toEqual(['urn:tss:event:ticket.sample:v1', 'urn:tss:event:ticket.sample:v2']);
    expect(body.properties.data).toEqual({ oneOf: [JSON.parse(JSON.stringify(v1.schema)), JSON.parse(JSON.stringify(v2.schema))] });
  });

  it('docs/webhooks.md lists every event type a delivery may carry, and to whom, as the document does', () => {
    const guide = readFileSync(join(__dirname, '../../../../docs/webhooks.md'), 'utf8');
    const listed = new Map([...guide.matchAll(/^\| `([a-z_.]+)` \| ([^|]+) \|/gm)].map(([, type, to]) => [type, to.trim()]));

    expect(Object.keys(docs).filter((type) => !listed.has(type))).toEqual([]);
    expect([...listed.keys()].filter((type) => !(type in docs))).toEqual([]);
    expect(Object.keys(docs).filter((type) => (listed.get(type) === 'staff endpoints only') !== isStaffOnlyEvent(type))).toEqual([]);
  });
});
