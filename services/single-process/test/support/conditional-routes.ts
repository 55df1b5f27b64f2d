import { randomUUID } from 'node:crypto';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE, type OpenApiDocument } from '@tss/service-kit';
import { waitFor } from '@tss/service-kit/testing';
import type { Response, Test } from 'supertest';

/** MAIL_INBOUND_SECRET of the platforms these suites start. */
export const INBOUND_SECRET = 'conditions-inbound-secret-0123456789';

/** The environment the suites' services need: the inbound-mail secret, webhook endpoints on 127.0.0.1. */
export const CONDITIONS_ENV = { MAIL_INBOUND_SECRET: INBOUND_SECRET, WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' };

/** The platform under test, one process or services mode behind the gateway. */
export interface ConditionsHarness {
  client: PlatformClient;
  adminToken(): Promise<string>;
  /** A query against one service's data source. */
  query<T = Record<string, unknown>>(service: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** The OpenAPI documents that together describe every route: the one app's, or each service's own. */
  documents(): Promise<OpenApiDocument[]>;
}

/** What the table's requests act on: something of each kind that exists, with whoever may act on it. */
export interface Fixtures {
  admin: string;
  lead: { staffId: string; token: string; clientId: string; clientSecret: string };
  acme: { partnerId: string; token: string; clientId: string; clientSecret: string };
  rival: { partnerId: string; token: string; clientId: string; clientSecret: string };
  /** Acme's open ticket, filed with a requester (a site link can be made for it); escalation knows it. */
  ticket: { id: string; reference: string };
  /** Acme's ticket that nothing else touches: its version (ETag) stays as filed. */
  quiet: { id: string; reference: string };
  /** Acme's resolved ticket, with the rating link of its resolution; rating knows it. */
  resolved: { id: string; rateToken: string };
  /** A support-site link of `ticket`. */
  siteToken: string;
  endpointId: string;
  deliveryId: string;
  referralId: string;
  escalationId: string;
  quarantinedId: string;
  domain: string;
  /** A mail of `ticket`'s (its acknowledgment, kept in the local outbox). */
  mailId: string;
}

const bearer = (test: Test, token: string | undefined): Test => (token === undefined ? test : test.auth(token, { type: 'bearer' }));

/** A mail from a sender no partner's domain names: quarantined. */
const strangersMail = (subject: string): Buffer =>
  Buffer.from(`From: Somebody <somebody@stranger.example>\r\nTo: support@tss.example\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@stranger.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, nobody knows me.\r\n`);

/** Files, resolves, subscribes and refers through the API (and raises one escalation in its table) until every kind of target exists. */
export const prepareFixtures = async (harness: ConditionsHarness): Promise<Fixtures> => {
  const { client, query } = harness;
  const http = () => client.http();
  const admin = await harness.adminToken();
  const acme = await client.partner(admin, 'Acme Conditions Missing');
  const rival = await client.partner(admin, 'Rival Conditions Missing');
  const lead = await client.staff(admin, ['team_lead'], 'Lea Lead');
  for (const [service, table] of [
    ['notification', 'notification.partners'],
    ['sla-timer', 'sla_timer.partners'],
    ['ticket-intake', 'ticket_intake.partners'],
  ] as const) {
    await waitFor(`${service} knows the partners`, async () => (await query(service, `SELECT 1 FROM ${table} WHERE id = ANY($1::uuid[])`, [[acme.partnerId, rival.partnerId]])).length === 2);
  }
  expect((await bearer(http().patch(`/v1/partners/${acme.partnerId}`), admin).send({ siteEnabled: true })).status).toBe(200);

  const file = async (requester: object = { id: 'cust-ann', email: 'ann@example.com' }) => {
    const filed = await bearer(http().post('/v1/tickets'), acme.token).send(sampleTicket({ requester }));
    expect(filed.status).toBe(201);
    return filed.body as { id: string; reference: string };
  };
  const ticket = await file();
  // No address to acknowledge, no link, no referral: no event comes back to change it.
  const quiet = await file({ id: 'cust-bo' });
  const resolvedTicket = await file();
  const read = await bearer(http().get(`/v1/tickets/${resolvedTicket.id}`), lead.token);
  expect((await bearer(http().patch(`/v1/tickets/${resolvedTicket.id}`), lead.token).set('if-match', read.headers.etag as string).send({ status: 'resolved' })).status).toBe(200);
  const rateUrl = await waitFor(`rating's link for ${resolvedTicket.id}`, async () => {
    const [requested] = await query<{ url: string }>('rating', `SELECT event->'data'->>'rateUrl' AS url FROM rating.outbox WHERE event_type = 'rating.requested' AND event->>'subject' = $1`, [resolvedTicket.id]);
    return requested?.url;
  });

  const siteToken = await waitFor(`a site link for ${ticket.id}`, async () => {
    const minted = await bearer(http().post(`/v1/tickets/${ticket.id}/site-links`), acme.token);
    if (minted.status === 503) return undefined;
    expect(minted.status).toBe(201);
    return (minted.body.url as string).slice((minted.body.url as string).lastIndexOf('/') + 1);
  });

  const endpoint = await bearer(http().post('/v1/webhooks/endpoints'), acme.token).send({ url: 'http://127.0.0.1:9/acme', eventTypes: ['ticket.*'], description: 'Acme CRM' });
  expect(endpoint.status).toBe(201);
  const ping = await bearer(http().post(`/v1/webhooks/endpoints/${endpoint.body.id}/ping`), acme.token);
  expect(ping.status).toBe(202);

  await waitFor(`escalation knows ${ticket.id}`, async () => (await query('escalation', 'SELECT 1 FROM escalation.referral_tickets WHERE ticket_id = $1', [ticket.id])).length === 1);
  const referral = await bearer(http().post(`/v1/tickets/${ticket.id}/referrals`), lead.token).send({ target: 'quality', reason: 'The quality department should see this.' });
  expect(referral.status).toBe(202);
  const escalationId = randomUUID();
  await query(
    'escalation',
    `INSERT INTO escalation.escalations (id, ticket_id, partner_id, kind, level, rule, cause_key, cause_event_id, cause_type, target_role, target_staff_ids, summary, status, raised_at, last_notified_at)
     VALUES ($1::uuid, $2, $3, 'team_leader', 1, 'team-leader', $1::text, $4, 'ticket.team_leader_requested', 'team_leader', '{}', 'Called in.', 'open', now(), now())`,
    [escalationId, ticket.id, acme.partnerId, randomUUID()],
  );

  const mail = await http().post('/v1/inbound/email').set('content-type', 'message/rfc822').set('x-tss-inbound-secret', INBOUND_SECRET).send(strangersMail('Who are you?'));
  expect([mail.status, mail.body.outcome]).toEqual([202, 'quarantined']);
  const domain = 'acme-conditions-missing.example';
  expect((await bearer(http().put(`/v1/inbound/partner-domains/${domain}`), admin).send({ partnerId: acme.partnerId })).status).toBe(200);
  await waitFor(`rating knows ${ticket.id}`, async () => (await query('rating', 'SELECT 1 FROM rating.tickets WHERE ticket_id = $1', [ticket.id])).length === 1);
  const mailId = await waitFor(`a mail of ${ticket.id}`, async () => (await query<{ id: string }>('notification', 'SELECT id FROM notification.mail_messages WHERE ticket_id = $1 LIMIT 1', [ticket.id]))[0]?.id);

  return {
    admin,
    lead,
    acme,
    rival,
    ticket,
    quiet,
    resolved: { id: resolvedTicket.id, rateToken: rateUrl.slice(rateUrl.lastIndexOf('/') + 1) },
    siteToken,
    endpointId: endpoint.body.id,
    deliveryId: ping.body.deliveryId,
    referralId: referral.body.id,
    escalationId,
    quarantinedId: mail.body.inboundId,
    domain,
    mailId,
  };
};

/** One request of a row: where, as whom, with what credential. */
export interface Target {
  path: string;
  token?: string;
  /** A credential the route checks itself (the inbound-mail secret, a client's id and secret). */
  credential?: 'good' | 'bad';
}

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A state-changing route whose resource has no ETag: the app's precondition hook covers it. */
export interface CoveredRoute {
  /** Its operationId, or `page:` and its pattern for a page of people's (hidden from the document). */
  operation: string;
  method: Method;
  existing(f: Fixtures): Target;
  /** Nothing there (a made-up id), or a credential that is not good. */
  missing(f: Fixtures): Target;
  /** Another partner's: it must look exactly like nothing there. */
  foreign?(f: Fixtures): Target;
  /** The request's body (and media type, and a credential of its own); none when absent. */
  body?(test: Test, target: Target, f: Fixtures): Test;
  /** A page for people: its refusals are pages, not problems. */
  page?: true;
}

const json = (value: object) => (test: Test) => test.send(value);
const MESSAGE = json({ body: 'Sent on a condition.' });
const NO_TICKET = randomUUID();
const NO_ID = randomUUID();

/** The ticket routes every caller of the ticket's partner may use: a foreign partner's token must see a 404. */
const ticketRoute = (operation: string, suffix: string, body?: CoveredRoute['body']): CoveredRoute => ({
  operation,
  method: 'POST',
  existing: (f) => ({ path: `/v1/tickets/${f.ticket.id}${suffix}`, token: f.acme.token }),
  missing: (f) => ({ path: `/v1/tickets/${NO_TICKET}${suffix}`, token: f.acme.token }),
  foreign: (f) => ({ path: `/v1/tickets/${f.ticket.id}${suffix}`, token: f.rival.token }),
  body,
});

const endpointRoute = (operation: string, method: Method, suffix: string, body?: CoveredRoute['body']): CoveredRoute => ({
  operation,
  method,
  existing: (f) => ({ path: `/v1/webhooks/endpoints/${f.endpointId}${suffix}`, token: f.acme.token }),
  missing: (f) => ({ path: `/v1/webhooks/endpoints/${NO_ID}${suffix}`, token: f.acme.token }),
  foreign: (f) => ({ path: `/v1/webhooks/endpoints/${f.endpointId}${suffix}`, token: f.rival.token }),
  body,
});

/**
 * Every state-changing route the app's precondition hook covers whose target can be missing, a
 * foreign partner's, or refused for its credential (RFC 9110 §13.2.1).
 */
export const COVERED_ROUTES: readonly CoveredRoute[] = [
  // gateway
  {
    operation: 'issueToken',
    method: 'POST',
    existing: () => ({ path: '/v1/auth/token', credential: 'good' }),
    missing: () => ({ path: '/v1/auth/token', credential: 'bad' }),
    // The client's own id and secret, good or not: the token endpoint authenticates them itself.
    body: (test, target, f) => test.auth(f.acme.clientId, target.credential === 'good' ? f.acme.clientSecret : 'not-the-secret').type('form').send({ grant_type: 'client_credentials' }),
  },
  {
    operation: 'updatePartner',
    method: 'PATCH',
    existing: (f) => ({ path: `/v1/partners/${f.acme.partnerId}`, token: f.admin }),
    missing: (f) => ({ path: `/v1/partners/${NO_ID}`, token: f.admin }),
    body: json({ name: 'Renamed on a condition' }),
  },
  {
    operation: 'createPartnerClient',
    method: 'POST',
    existing: (f) => ({ path: `/v1/partners/${f.acme.partnerId}/clients`, token: f.admin }),
    missing: (f) => ({ path: `/v1/partners/${NO_ID}/clients`, token: f.admin }),
  },
  {
    operation: 'disablePartnerClient',
    method: 'DELETE',
    existing: (f) => ({ path: `/v1/partners/${f.acme.partnerId}/clients/${f.acme.clientId}`, token: f.admin }),
    missing: (f) => ({ path: `/v1/partners/${f.acme.partnerId}/clients/pc_nobody`, token: f.admin }),
    foreign: (f) => ({ path: `/v1/partners/${f.rival.partnerId}/clients/${f.acme.clientId}`, token: f.admin }),
  },
  {
    operation: 'rotatePartnerClientSecret',
    method: 'POST',
    existing: (f) => ({ path: `/v1/partners/${f.acme.partnerId}/clients/${f.acme.clientId}/rotate`, token: f.admin }),
    missing: (f) => ({ path: `/v1/partners/${NO_ID}/clients/${f.acme.clientId}/rotate`, token: f.admin }),
    foreign: (f) => ({ path: `/v1/partners/${f.rival.partnerId}/clients/${f.acme.clientId}/rotate`, token: f.admin }),
  },
  {
    operation: 'disableStaffClient',
    method: 'DELETE',
    existing: (f) => ({ path: `/v1/clients/${f.lead.clientId}`, token: f.admin }),
    missing: (f) => ({ path: '/v1/clients/sc_nobody', token: f.admin }),
    // A partner's client is no staff client.
    foreign: (f) => ({ path: `/v1/clients/${f.acme.clientId}`, token: f.admin }),
  },
  {
    operation: 'rotateStaffClientSecret',
    method: 'POST',
    existing: (f) => ({ path: `/v1/clients/${f.lead.clientId}/rotate`, token: f.admin }),
    missing: (f) => ({ path: '/v1/clients/sc_nobody/rotate', token: f.admin }),
    foreign: (f) => ({ path: `/v1/clients/${f.acme.clientId}/rotate`, token: f.admin }),
  },
  {
    operation: 'updateStaffMember',
    method: 'PATCH',
    existing: (f) => ({ path: `/v1/staff/${f.lead.staffId}`, token: f.admin }),
    missing: (f) => ({ path: '/v1/staff/sc_nobody', token: f.admin }),
    foreign: (f) => ({ path: `/v1/staff/${f.acme.clientId}`, token: f.admin }),
    body: json({ language: 'ru' }),
  },
  ticketRoute('createSiteLink', '/site-links'),
  {
    operation: 'revokeSiteLink',
    method: 'DELETE',
    existing: (f) => ({ path: `/v1/tickets/${f.ticket.id}/site-links/some-link`, token: f.acme.token }),
    missing: (f) => ({ path: `/v1/tickets/${NO_TICKET}/site-links/some-link`, token: f.acme.token }),
    foreign: (f) => ({ path: `/v1/tickets/${f.ticket.id}/site-links/some-link`, token: f.rival.token }),
  },
  {
    operation: 'page:/support/new',
    method: 'POST',
    existing: (f) => ({ path: `/support/new?partner=${f.acme.partnerId}` }),
    missing: () => ({ path: `/support/new?partner=${NO_ID}` }),
    foreign: (f) => ({ path: `/support/new?partner=${f.rival.partnerId}` }),
    body: (test) => test.type('form').send({ description: 'Sent on a condition.' }),
    page: true,
  },
  {
    operation: 'page:/support/t/*',
    method: 'POST',
    existing: (f) => ({ path: `/support/t/${f.siteToken}/reply` }),
    missing: () => ({ path: '/support/t/not-a-link/reply' }),
    foreign: (f) => ({ path: `/support/t/${f.siteToken}x/reply` }),
    body: (test) => test.type('form').send({ text: 'Sent on a condition.' }),
    page: true,
  },
  // ticket-intake
  ticketRoute('postMessage', '/messages', MESSAGE),
  ticketRoute('uploadAttachments', '/attachments', (test) => test.attach('file', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;'), 'x.gif')),
  ticketRoute('storeTicketCredentials', '/credentials', json({ label: 'Admin panel', login: 'admin', secret: 'hunter2' })),
  ticketRoute('reopenTicket', '/reopen', json({ reason: 'Still broken.' })),
  // sla-timer: no covered route has a target of its own.
  // notification
  {
    operation: 'receiveInboundEmail',
    method: 'POST',
    existing: () => ({ path: '/v1/inbound/email', credential: 'good' }),
    missing: () => ({ path: '/v1/inbound/email', credential: 'bad' }),
    body: (test, target) =>
      test
        .set('content-type', 'message/rfc822')
        .set('x-tss-inbound-secret', target.credential === 'good' ? INBOUND_SECRET : 'not-the-secret')
        .send(strangersMail('Sent on a condition')),
  },
  {
    operation: 'releaseQuarantinedMail',
    method: 'POST',
    existing: (f) => ({ path: `/v1/inbound/quarantine/${f.quarantinedId}/release`, token: f.admin }),
    missing: (f) => ({ path: `/v1/inbound/quarantine/${NO_ID}/release`, token: f.admin }),
    body: (test) => test.send({ ticketId: NO_TICKET }),
  },
  {
    operation: 'retryOutgoingMail',
    method: 'POST',
    existing: (f) => ({ path: `/v1/mail/outbox/${f.mailId}/retry`, token: f.admin }),
    missing: (f) => ({ path: `/v1/mail/outbox/${NO_ID}/retry`, token: f.admin }),
  },
  {
    operation: 'deletePartnerMailDomain',
    method: 'DELETE',
    existing: (f) => ({ path: `/v1/inbound/partner-domains/${f.domain}`, token: f.admin }),
    missing: (f) => ({ path: '/v1/inbound/partner-domains/nobody-has-this.example', token: f.admin }),
  },
  endpointRoute('updateWebhookEndpoint', 'PATCH', '', json({ description: 'Changed on a condition' })),
  endpointRoute('deleteWebhookEndpoint', 'DELETE', ''),
  endpointRoute('rotateWebhookSecret', 'POST', '/rotate-secret'),
  endpointRoute('replayWebhookEvents', 'POST', '/replay', json({ since: '2026-01-01T00:00:00Z' })),
  endpointRoute('pingWebhookEndpoint', 'POST', '/ping'),
  {
    operation: 'retryWebhookDelivery',
    method: 'POST',
    existing: (f) => ({ path: `/v1/webhooks/endpoints/${f.endpointId}/deliveries/${f.deliveryId}/retry`, token: f.acme.token }),
    missing: (f) => ({ path: `/v1/webhooks/endpoints/${f.endpointId}/deliveries/${NO_ID}/retry`, token: f.acme.token }),
    foreign: (f) => ({ path: `/v1/webhooks/endpoints/${f.endpointId}/deliveries/${f.deliveryId}/retry`, token: f.rival.token }),
  },
  // escalation
  {
    operation: 'createReferral',
    method: 'POST',
    existing: (f) => ({ path: `/v1/tickets/${f.ticket.id}/referrals`, token: f.lead.token }),
    missing: (f) => ({ path: `/v1/tickets/${NO_TICKET}/referrals`, token: f.lead.token }),
    body: json({ target: 'quality', reason: 'Sent on a condition.' }),
  },
  {
    operation: 'recordReferralOutcome',
    method: 'POST',
    existing: (f) => ({ path: `/v1/tickets/${f.ticket.id}/referrals/${f.referralId}/outcome`, token: f.lead.token }),
    missing: (f) => ({ path: `/v1/tickets/${f.ticket.id}/referrals/${NO_ID}/outcome`, token: f.lead.token }),
    body: json({ outcome: 'Recorded on a condition.' }),
  },
  {
    operation: 'acknowledgeEscalation',
    method: 'POST',
    existing: (f) => ({ path: `/v1/escalations/${f.escalationId}/acknowledge`, token: f.lead.token }),
    missing: (f) => ({ path: `/v1/escalations/${NO_ID}/acknowledge`, token: f.lead.token }),
  },
  {
    operation: 'resolveEscalation',
    method: 'POST',
    existing: (f) => ({ path: `/v1/escalations/${f.escalationId}/resolve`, token: f.lead.token }),
    missing: (f) => ({ path: `/v1/escalations/${NO_ID}/resolve`, token: f.lead.token }),
    body: json({ outcome: 'Resolved on a condition.' }),
  },
  // rating
  {
    operation: 'rateByLink',
    method: 'POST',
    existing: (f) => ({ path: `/v1/ratings/${f.resolved.rateToken}` }),
    missing: () => ({ path: '/v1/ratings/not-a-link' }),
    body: json({ score: 5, solved: true }),
  },
  {
    operation: 'rateTicket',
    method: 'POST',
    existing: (f) => ({ path: `/v1/tickets/${f.resolved.id}/rating`, token: f.acme.token }),
    missing: (f) => ({ path: `/v1/tickets/${NO_TICKET}/rating`, token: f.acme.token }),
    foreign: (f) => ({ path: `/v1/tickets/${f.resolved.id}/rating`, token: f.rival.token }),
    body: json({ score: 5, solved: true }),
  },
  {
    operation: 'page:/rate/*',
    method: 'POST',
    existing: (f) => ({ path: `/rate/${f.resolved.rateToken}` }),
    missing: () => ({ path: '/rate/not-a-link' }),
    body: (test) => test.type('form').send({ score: '5', solved: 'yes' }),
    page: true,
  },
];

/**
 * State-changing operations that evaluate If-Match and If-None-Match themselves, against their
 * resource's ETag or whether it exists (`config: { preconditions: 'route' }`), and those whose
 * target is a collection that is always there: none of them is the hook's to defer.
 */
export const NOT_COVERED: readonly string[] = [
  'changeTicket',
  'putDefaultSlaPolicy',
  'putPartnerSlaPolicy',
  'deletePartnerSlaPolicy',
  'putEscalationRules',
  'putEscalationRoster',
  'putPartnerMailDomain',
];

export interface Sent {
  status: number;
  contentType: string;
  body: unknown;
}

/** Sends a row's request to `target`, with `conditions` (If-Match, If-None-Match) when given. */
export const send = async (client: PlatformClient, f: Fixtures, row: CoveredRoute, target: Target, conditions: Record<string, string> = {}): Promise<Sent> => {
  const test = bearer(client.http()[row.method.toLowerCase() as 'post' | 'put' | 'patch' | 'delete'](target.path), target.token).set(conditions);
  const response: Response = await (row.body ? row.body(test, target, f) : test);
  const contentType = String(response.headers['content-type'] ?? '');
  return { status: response.status, contentType, body: contentType.includes('json') ? response.body : response.text };
};

/** RFC 9110 §13.2.1: the answer a request would get without its conditions, whenever that is not a 2xx. */
export const CONDITIONS: readonly Record<string, string>[] = [{ 'if-match': '"x"' }, { 'if-none-match': '*' }];

export const expectPreconditionFailed = (row: CoveredRoute, sent: Sent): void => {
  if (row.page) {
    expect([sent.status, sent.contentType]).toEqual([412, 'text/html; charset=utf-8']);
    return;
  }
  expect({ status: sent.status, type: (sent.body as { type?: string }).type }).toEqual({ status: 412, type: 'https://tss.dev/problems/precondition-failed' });
  expect(sent.contentType).toContain(PROBLEM_CONTENT_TYPE);
};

/** A GET (and HEAD) that sends an ETag: If-Match and If-None-Match are evaluated once the caller may see it. */
export interface ConditionalRead {
  operation: string;
  /** Who reads it, when another reader gets another representation (a staff member, a ticket's withheld one). */
  reader?: string;
  existing(f: Fixtures): Target;
  missing?(f: Fixtures): Target;
  foreign?(f: Fixtures): Target;
}

/** Every read that sends an ETag (and lists 304). */
export const CONDITIONAL_READS: readonly ConditionalRead[] = [
  {
    operation: 'getTicket',
    existing: (f) => ({ path: `/v1/tickets/${f.quiet.id}`, token: f.acme.token }),
    missing: (f) => ({ path: `/v1/tickets/${NO_TICKET}`, token: f.acme.token }),
    foreign: (f) => ({ path: `/v1/tickets/${f.quiet.id}`, token: f.rival.token }),
  },
  { operation: 'getTicket', reader: 'staff', existing: (f) => ({ path: `/v1/tickets/${f.quiet.reference}`, token: f.lead.token }) },
  { operation: 'getDefaultSlaPolicy', existing: (f) => ({ path: '/v1/sla/policies', token: f.admin }) },
  {
    operation: 'getPartnerSlaPolicy',
    existing: (f) => ({ path: `/v1/partners/${f.acme.partnerId}/sla-policy`, token: f.acme.token }),
    missing: (f) => ({ path: `/v1/partners/${NO_ID}/sla-policy`, token: f.admin }),
    foreign: (f) => ({ path: `/v1/partners/${f.acme.partnerId}/sla-policy`, token: f.rival.token }),
  },
  { operation: 'getEscalationRules', existing: (f) => ({ path: '/v1/escalation/rules', token: f.admin }) },
  { operation: 'getEscalationRoster', existing: (f) => ({ path: '/v1/escalation/roster', token: f.admin }) },
];

const read = async (client: PlatformClient, method: 'get' | 'head', target: Target, conditions: Record<string, string> = {}): Promise<Sent & { etag?: string }> => {
  const response = await bearer(client.http()[method](target.path), target.token).set(conditions);
  const contentType = String(response.headers['content-type'] ?? '');
  return { status: response.status, contentType, body: contentType.includes('json') ? response.body : response.text, etag: response.headers.etag as string | undefined };
};

type Operations = { method: string; path: string; operationId: string; public: boolean }[];

const STATE_CHANGING = ['post', 'put', 'patch', 'delete'];

/** The document's state-changing operations whose target can be missing (a path parameter) or that check a credential of their own (public). */
const operationsWithATarget = (document: OpenApiDocument): Operations =>
  Object.entries((document.paths ?? {}) as Record<string, Record<string, { operationId?: string; security?: unknown[] }>>).flatMap(([path, item]) =>
    STATE_CHANGING.filter((method) => item[method] !== undefined)
      .map((method) => ({ method, path, operationId: item[method].operationId ?? `${method} ${path}`, public: (item[method].security ?? [{}]).length === 0 }))
      .filter((o) => o.path.includes('{') || o.public),
  );

/**
 * RFC 9110 §13.2.1 over every covered route: a missing target, another partner's and a refused
 * credential are answered exactly as without If-Match and If-None-Match (the conditions ignored);
 * an existing target keeps the hook's 412.
 */
export const describeConditionsOnTargets = (start: () => Promise<{ harness: ConditionsHarness; stop(): Promise<void> }>): void => {
  let running: { harness: ConditionsHarness; stop(): Promise<void> } | undefined;
  let fixtures: Fixtures;

  beforeAll(async () => {
    running = await start();
    fixtures = await prepareFixtures(running.harness);
  }, 180_000);

  afterAll(async () => {
    await running?.stop();
  });

  const sent = (row: CoveredRoute, target: Target, conditions?: Record<string, string>) => send(running!.harness.client, fixtures, row, target, conditions);

  it('the table names every state-changing operation of the document with a target that can be missing or a credential of its own', async () => {
    const tabled = new Set([...COVERED_ROUTES.map((r) => r.operation), ...NOT_COVERED]);
    const operations = (await running!.harness.documents()).flatMap(operationsWithATarget);
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.filter((o) => !tabled.has(o.operationId)).map((o) => `${o.method.toUpperCase()} ${o.path} (${o.operationId})`)).toEqual([]);
  });

  describe.each(CONDITIONAL_READS.map((row) => [`GET ${row.operation}${row.reader ? ` (${row.reader})` : ''}`, row] as const))('%s (RFC 9110 §13.1.1, §13.2.2)', (_name, row) => {
    const client = () => running!.harness.client;

    it('If-Match is evaluated: the current tag (strongly) or * is a 200, any other a 412 problem; If-None-Match still a 304 after it', async () => {
      const target = row.existing(fixtures);
      const plain = await read(client(), 'get', target);
      expect(plain.status).toBe(200);
      const etag = plain.etag!;
      expect(etag).toMatch(/^"/);
      for (const ifMatch of [etag, '*', `"x", ${etag}`]) expect({ ifMatch, ...(await read(client(), 'get', target, { 'if-match': ifMatch })) }).toEqual({ ifMatch, ...plain });
      for (const ifMatch of ['"x"', `W/${etag}`]) {
        const refused = await read(client(), 'get', target, { 'if-match': ifMatch });
        expect({ ifMatch, status: refused.status, type: (refused.body as { type?: string }).type, etag: refused.etag }).toEqual({
          ifMatch,
          status: 412,
          type: 'https://tss.dev/problems/precondition-failed',
          etag: undefined,
        });
        expect(refused.contentType).toContain(PROBLEM_CONTENT_TYPE);
      }
      expect((await read(client(), 'get', target, { 'if-none-match': etag })).status).toBe(304);
      expect((await read(client(), 'get', target, { 'if-match': etag, 'if-none-match': etag })).status).toBe(304);
      expect((await read(client(), 'get', target, { 'if-match': '"x"', 'if-none-match': etag })).status).toBe(412);
    });

    it('HEAD answers as GET does', async () => {
      const target = row.existing(fixtures);
      const etag = (await read(client(), 'head', target)).etag!;
      expect((await read(client(), 'head', target, { 'if-match': etag })).status).toBe(200);
      expect((await read(client(), 'head', target, { 'if-match': '"x"' })).status).toBe(412);
      expect((await read(client(), 'head', target, { 'if-none-match': etag })).status).toBe(304);
    });

    for (const [which, targetOf] of [
      ['a missing one', row.missing],
      ['another partner’s one', row.foreign],
    ] as const) {
      if (!targetOf) continue;
      it(`${which} is answered as without the conditions`, async () => {
        const target = targetOf(fixtures);
        const plain = await read(client(), 'get', target);
        expect(plain.status).toBe(404);
        const conditionsTried: Record<string, string>[] = [{ 'if-match': '"x"' }, { 'if-match': '*' }, { 'if-none-match': '*' }];
        for (const conditions of conditionsTried) {
          expect({ conditions, ...(await read(client(), 'get', target, conditions)) }).toEqual({ conditions, ...plain });
        }
      });
    }
  });

  it('the read table names every read the documents answer with a 304 (one that sends an ETag), and each lists 412', async () => {
    const documents = await running!.harness.documents();
    const reads = documents.flatMap((document) =>
      Object.values((document.paths ?? {}) as Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>)
        .map((item) => item.get)
        .filter((get) => get?.responses?.['304'] !== undefined),
    );
    expect(reads.map((get) => get!.operationId).sort()).toEqual([...new Set(CONDITIONAL_READS.map((r) => r.operation))].sort());
    expect(reads.filter((get) => get!.responses?.['412'] === undefined).map((get) => get!.operationId)).toEqual([]);
  });

  describe.each(COVERED_ROUTES.map((row) => [`${row.method} ${row.operation}`, row] as const))('%s', (_name, row) => {
    it('a missing target (or a bad credential) is answered as without the conditions', async () => {
      const target = row.missing(fixtures);
      const plain = await sent(row, target);
      expect(plain.status).toBeGreaterThanOrEqual(400);
      expect(plain.status).not.toBe(412);
      for (const conditions of CONDITIONS) expect({ conditions, ...(await sent(row, target, conditions)) }).toEqual({ conditions, ...plain });
    });

    if (row.foreign) {
      it('another partner’s target is answered as without the conditions, exactly like a missing one', async () => {
        const target = row.foreign!(fixtures);
        const plain = await sent(row, target);
        expect(plain.status).toBe(404);
        for (const conditions of CONDITIONS) expect({ conditions, ...(await sent(row, target, conditions)) }).toEqual({ conditions, ...plain });
      });
    }

    it('an existing target keeps its 412', async () => {
      for (const conditions of CONDITIONS) expectPreconditionFailed(row, await sent(row, row.existing(fixtures), conditions));
    });
  });
};
