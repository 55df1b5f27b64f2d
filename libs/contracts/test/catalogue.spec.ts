import { Type } from '@sinclair/typebox';
import { EventCatalogue, ServiceNames, dataSchemaUri, defineEvent, findContract, serviceForPath, validateEvent } from '../src';

const DESIGN_EVENT_TYPES = [
  'ticket.created', 'ticket.accepted', 'ticket.message_received', 'ticket.responded', 'ticket.status_changed', 'ticket.level_changed',
  'ticket.assigned', 'ticket.team_leader_requested', 'ticket.resolved', 'ticket.reopened', 'ticket.closed', 'ticket.credentials_destroyed',
  'ticket.referral_rejected', 'sla.clock_started', 'sla.warning', 'sla.breached', 'sla.overdue', 'sla.met', 'sla.clock_cancelled',
  'sla.retargeted', 'escalation.referral_requested', 'escalation.raised', 'escalation.acknowledged', 'escalation.resolved',
  'rating.requested', 'rating.submitted', 'notification.email_received', 'notification.acknowledgment_sent', 'notification.delivery_failed',
  'partner.created', 'partner.updated', 'staff.created', 'staff.updated',
  // Beyond DESIGN's list: classification is a change too (docs/adr/0029).
  'ticket.category_changed',
  // Beyond DESIGN's list: a webhook endpoint disabled after 5 days of failures (issue #11, docs/adr/0034).
  'notification.webhook_endpoint_disabled',
  // Beyond DESIGN's list (issue #12): a referral's answer when applied, and re-sent escalations.
  'ticket.referral_applied',
  'escalation.renotified',
  // Beyond DESIGN's list: a ticket back in the unassigned queue (docs/adr/0029, addendum of 2026-12-04).
  'ticket.unassigned',
  // Beyond DESIGN's list: the acknowledgment could not be delivered (docs/adr/0029, addendum of 2026-12-04, second session).
  'ticket.acknowledgment_failed',
  // Beyond DESIGN's list: request details recorded after filing (docs/adr/0069, addendum of 2026-12-04, fifth session).
  'ticket.details_changed',
  // Beyond DESIGN's list: a webhook endpoint's test delivery, sent only when asked for (docs/webhooks.md).
  'webhook.ping',
  // Beyond DESIGN's list: a support-site link minted through the API, for the ticket's history (docs/adr/0037, fifth session).
  'partner.site_link_minted',
  'partner.site_link_revoked',
  // Beyond DESIGN's list: attachments of a mail were refused, so the requester is told (docs/adr/0035, addendum of 2026-12-04, sixth session).
  'ticket.attachments_refused',
  // Beyond DESIGN's list: every public agent message, not only the one that gave a response owed (docs/adr/0035, addendum of 2026-12-05, first session).
  'ticket.agent_replied',
  // Beyond DESIGN's list: a rating taken after its ticket had been reopened is taken back (docs/adr/0040, addendum of 2026-12-05, second session).
  'rating.withdrawn',
  // Beyond DESIGN's list: particulars handed over after resolution, so the requester is told to change them (docs/adr/0026, addendum of 2026-12-05, second session).
  'ticket.credentials_stored_after_resolution',
];

const envelope = (type: string, version: number, data: unknown) => ({
  specversion: '1.0',
  id: 'e-1',
  source: 'tss/test',
  type,
  time: '2026-01-01T00:00:00.000Z',
  subject: 'f8a7c6e4-1111-4a4a-9b9b-000000000001',
  datacontenttype: 'application/json',
  dataschema: dataSchemaUri(type, version),
  data,
});

describe('the event catalogue', () => {
  it('declares every event of DESIGN "Who owns what", each once', () => {
    const types = EventCatalogue.map((c) => `${c.type}@${c.version}`);
    expect(new Set(types).size).toBe(types.length);
    expect(EventCatalogue.map((c) => c.type).sort()).toEqual([...DESIGN_EVENT_TYPES].sort());
  });

  it('gives each event exactly one owning service, and ticket.* only to ticket-intake', () => {
    for (const contract of EventCatalogue) expect(ServiceNames).toContain(contract.owner);
    expect(EventCatalogue.filter((c) => c.type.startsWith('ticket.')).every((c) => c.owner === 'ticket-intake')).toBe(true);
    expect(EventCatalogue.filter((c) => c.type.startsWith('sla.')).every((c) => c.owner === 'sla-timer')).toBe(true);
  });

  it('puts every ticket event on the ticket topic with partner and sequence', () => {
    for (const contract of EventCatalogue.filter((c) => c.type.startsWith('ticket.'))) {
      expect(contract.topic).toBe('tss.ticket');
      expect(Object.keys((contract.schema as unknown as { properties: object }).properties)).toEqual(expect.arrayContaining(['partnerId', 'sequence']));
    }
  });

  it('rejects an envelope that is not CloudEvents 1.0', () => {
    expect(validateEvent({ ...envelope('sla.met', 1, {}), specversion: '0.3' })).toMatchObject({ ok: false, reason: expect.stringContaining('CloudEvents') });
  });

  it('rejects data that breaks its contract, naming the field', () => {
    const result = validateEvent(envelope('ticket.accepted', 1, { partnerId: 'not-a-uuid', sequence: 1, acceptedAt: '2026-01-01T00:00:00Z', via: 'api' }));
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('/partnerId') });
  });

  it('rejects an unknown contract version and a dataschema of another type', () => {
    expect(validateEvent(envelope('ticket.accepted', 9, {}))).toMatchObject({ ok: false, reason: expect.stringContaining('unknown event contract') });
    expect(validateEvent({ ...envelope('ticket.accepted', 1, {}), dataschema: dataSchemaUri('ticket.closed', 1) })).toMatchObject({ ok: false });
  });

  it('V1/V2 rule: a breaking change is a new contract beside the old one, same type, own version', () => {
    const v2 = defineEvent('rating.submitted', 2, 'rating', Type.Object({ score: Type.Integer() }), 'breaking change example');
    expect(v2.type).toBe(findContract('rating.submitted', 1)!.type);
    expect(v2.topic).toBe(findContract('rating.submitted', 1)!.topic);
    expect(dataSchemaUri(v2.type, v2.version)).toBe('urn:tss:event:rating.submitted:v2');
  });
});

describe('the route table', () => {
  it.each([
    ['/v1/tickets', 'ticket-intake'],
    ['/v1/tickets/9b1d/messages', 'ticket-intake'],
    ['/v1/tickets/9b1d/sla', 'sla-timer'],
    ['/v1/tickets/9b1d/referrals', 'escalation'],
    ['/v1/tickets/9b1d/rating?x=1', 'rating'],
    ['/v1/queue', 'ticket-intake'],
    ['/v1/webhooks/abc', 'notification'],
    ['/v1/reports/sla', 'sla-timer'],
    ['/rate/tok', 'rating'],
  ])('%s belongs to %s', (path, service) => expect(serviceForPath(path)).toBe(service));

  it('leaves the gateway’s own paths to the gateway', () => {
    expect(serviceForPath('/v1/auth/token')).toBeUndefined();
    expect(serviceForPath('/v1/partners')).toBeUndefined();
    expect(serviceForPath('/v1/ticketsx')).toBeUndefined();
  });
});
