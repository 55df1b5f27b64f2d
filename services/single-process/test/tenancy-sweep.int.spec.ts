import { serviceForPath } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import type { Test } from 'supertest';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

interface Fixture {
  partnerId: string;
  clientId: string;
  ticketId: string;
  reference: string;
  linkId: string;
  endpointId: string;
  deliveryId: string;
  domain: string;
}

/** One well-formed request per operation, aimed at the fixture partner's resources: let through, each would read or change them. */
type Call = (http: PlatformClient['http'], token: string, f: Fixture) => Test;

const POLICY = {
  levels: {
    emergency: { targetMs: 4 * 3_600_000, phoneSupport: true },
    standard: { targetMs: 12 * 3_600_000, phoneSupport: false },
    consulting: { targetMs: 24 * 3_600_000, phoneSupport: false },
    development: { targetMs: 7 * 24 * 3_600_000, phoneSupport: false },
  },
  warningAt: [0.5, 0.75, 0.9],
  overdueAt: 1.5,
};

const CALLS: Record<string, Call> = {
  // gateway
  issueRequesterToken: (http, t) => http().post('/v1/auth/requester-token').auth(t, { type: 'bearer' }).send({ requesterId: 'cust-sweep' }),
  rotateSigningKey: (http, t) => http().post('/v1/auth/keys/rotate').auth(t, { type: 'bearer' }),
  listPartners: (http, t) => http().get('/v1/partners').auth(t, { type: 'bearer' }),
  createPartner: (http, t) => http().post('/v1/partners').auth(t, { type: 'bearer' }).send({ name: 'Not Yours' }),
  getPartner: (http, t, f) => http().get(`/v1/partners/${f.partnerId}`).auth(t, { type: 'bearer' }),
  updatePartner: (http, t, f) => http().patch(`/v1/partners/${f.partnerId}`).auth(t, { type: 'bearer' }).send({ siteEnabled: false }),
  listPartnerClients: (http, t, f) => http().get(`/v1/partners/${f.partnerId}/clients`).auth(t, { type: 'bearer' }),
  createPartnerClient: (http, t, f) => http().post(`/v1/partners/${f.partnerId}/clients`).auth(t, { type: 'bearer' }).send({}),
  getPartnerClient: (http, t, f) => http().get(`/v1/partners/${f.partnerId}/clients/${f.clientId}`).auth(t, { type: 'bearer' }),
  disablePartnerClient: (http, t, f) => http().delete(`/v1/partners/${f.partnerId}/clients/${f.clientId}`).auth(t, { type: 'bearer' }),
  rotatePartnerClientSecret: (http, t, f) => http().post(`/v1/partners/${f.partnerId}/clients/${f.clientId}/rotate`).auth(t, { type: 'bearer' }),
  listStaffClients: (http, t) => http().get('/v1/clients').auth(t, { type: 'bearer' }),
  createStaffClient: (http, t) => http().post('/v1/clients').auth(t, { type: 'bearer' }).send({ roles: ['admin'], displayName: 'Not Yours' }),
  getStaffClient: (http, t, f) => http().get(`/v1/clients/${f.clientId}`).auth(t, { type: 'bearer' }),
  disableStaffClient: (http, t, f) => http().delete(`/v1/clients/${f.clientId}`).auth(t, { type: 'bearer' }),
  rotateStaffClientSecret: (http, t, f) => http().post(`/v1/clients/${f.clientId}/rotate`).auth(t, { type: 'bearer' }),
  listStaff: (http, t) => http().get('/v1/staff').auth(t, { type: 'bearer' }),
  updateStaffMember: (http, t) => http().patch(`/v1/staff/${encodeURIComponent('https://idp.example|sweep')}`).auth(t, { type: 'bearer' }).send({ active: false }),
  createSiteLink: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/site-links`).auth(t, { type: 'bearer' }),
  revokeSiteLink: (http, t, f) => http().delete(`/v1/tickets/${f.ticketId}/site-links/${f.linkId}`).auth(t, { type: 'bearer' }),
  // sla-timer
  getTicketSla: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/sla`).auth(t, { type: 'bearer' }),
  getSlaReport: (http, t) => http().get('/v1/reports/sla').auth(t, { type: 'bearer' }),
  getDefaultSlaPolicy: (http, t) => http().get('/v1/sla/policies').auth(t, { type: 'bearer' }),
  putDefaultSlaPolicy: (http, t) => http().put('/v1/sla/policies').auth(t, { type: 'bearer' }).send(POLICY),
  getPartnerSlaPolicy: (http, t, f) => http().get(`/v1/partners/${f.partnerId}/sla-policy`).auth(t, { type: 'bearer' }),
  putPartnerSlaPolicy: (http, t, f) => http().put(`/v1/partners/${f.partnerId}/sla-policy`).auth(t, { type: 'bearer' }).send(POLICY),
  deletePartnerSlaPolicy: (http, t, f) => http().delete(`/v1/partners/${f.partnerId}/sla-policy`).auth(t, { type: 'bearer' }),
  listDefaultSlaPolicyVersions: (http, t) => http().get('/v1/sla/policies/versions').auth(t, { type: 'bearer' }),
  getDefaultSlaPolicyVersion: (http, t) => http().get('/v1/sla/policies/versions/1').auth(t, { type: 'bearer' }),
  listPartnerSlaPolicyVersions: (http, t, f) => http().get(`/v1/partners/${f.partnerId}/sla-policy/versions`).auth(t, { type: 'bearer' }),
  getPartnerSlaPolicyVersion: (http, t, f) => http().get(`/v1/partners/${f.partnerId}/sla-policy/versions/1`).auth(t, { type: 'bearer' }),
  previewSlaSchedule: (http, t, f) =>
    http().post('/v1/sla/preview').auth(t, { type: 'bearer' }).send({ level: 'emergency', startedAt: '2026-12-01T10:00:00.000Z', partnerId: f.partnerId }),
  // notification
  listOutgoingMail: (http, t) => http().get('/v1/mail/outbox').auth(t, { type: 'bearer' }),
  retryOutgoingMail: (http, t) => http().post('/v1/mail/outbox/7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f/retry').auth(t, { type: 'bearer' }),
  listQuarantinedMail: (http, t) => http().get('/v1/inbound/quarantine').auth(t, { type: 'bearer' }),
  releaseQuarantinedMail: (http, t, f) =>
    http().post('/v1/inbound/quarantine/7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f/release').auth(t, { type: 'bearer' }).send({ partnerId: f.partnerId }),
  listPartnerMailDomains: (http, t) => http().get('/v1/inbound/partner-domains').auth(t, { type: 'bearer' }),
  putPartnerMailDomain: (http, t, f) => http().put(`/v1/inbound/partner-domains/${f.domain}`).auth(t, { type: 'bearer' }).send({ partnerId: f.partnerId }),
  deletePartnerMailDomain: (http, t, f) => http().delete(`/v1/inbound/partner-domains/${f.domain}`).auth(t, { type: 'bearer' }),
  listWebhookEndpoints: (http, t) => http().get('/v1/webhooks/endpoints').auth(t, { type: 'bearer' }),
  createWebhookEndpoint: (http, t, f) =>
    http().post('/v1/webhooks/endpoints').auth(t, { type: 'bearer' }).send({ url: 'http://127.0.0.1:9/not-yours', eventTypes: ['ticket.*'], partnerId: f.partnerId }),
  getWebhookEndpoint: (http, t, f) => http().get(`/v1/webhooks/endpoints/${f.endpointId}`).auth(t, { type: 'bearer' }),
  updateWebhookEndpoint: (http, t, f) => http().patch(`/v1/webhooks/endpoints/${f.endpointId}`).auth(t, { type: 'bearer' }).send({ description: 'not yours' }),
  deleteWebhookEndpoint: (http, t, f) => http().delete(`/v1/webhooks/endpoints/${f.endpointId}`).auth(t, { type: 'bearer' }),
  rotateWebhookSecret: (http, t, f) => http().post(`/v1/webhooks/endpoints/${f.endpointId}/rotate-secret`).auth(t, { type: 'bearer' }),
  listWebhookDeliveries: (http, t, f) => http().get(`/v1/webhooks/endpoints/${f.endpointId}/deliveries`).auth(t, { type: 'bearer' }),
  retryWebhookDelivery: (http, t, f) => http().post(`/v1/webhooks/endpoints/${f.endpointId}/deliveries/${f.deliveryId}/retry`).auth(t, { type: 'bearer' }),
  replayWebhookEvents: (http, t, f) => http().post(`/v1/webhooks/endpoints/${f.endpointId}/replay`).auth(t, { type: 'bearer' }).send({ since: '2026-01-01T00:00:00Z' }),
  pingWebhookEndpoint: (http, t, f) => http().post(`/v1/webhooks/endpoints/${f.endpointId}/ping`).auth(t, { type: 'bearer' }),
  // rating
  getTicketRating: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/rating`).auth(t, { type: 'bearer' }),
  rateTicket: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/rating`).auth(t, { type: 'bearer' }).send({ score: 1, solved: false, comment: 'not yours' }),
  getQualityReport: (http, t) => http().get('/v1/reports/quality').auth(t, { type: 'bearer' }),
};

/**
 * Operations a bearer token plays no part in: the token endpoint and the key set are public, a
 * rating link is its own credential (ADR 0038), inbound mail is the mail relay's (its own secret).
 * Their refusals are tested where they live; here they are only counted, so a new route is not missed.
 */
const NO_BEARER = new Set(['healthz', 'readyz', 'issueToken', 'getJwks', 'receiveInboundEmail', 'getSurveyByLink', 'rateByLink']);

/** Routes that name nothing of the fixture partner's: a foreign caller may be answered, but never with the partner's data. */
const NAMES_NOTHING = new Set(['issueRequesterToken', 'listWebhookEndpoints', 'getSlaReport', 'getQualityReport', 'getDefaultSlaPolicyVersion']);

/** Admin-only operations (DESIGN "Tenancy and roles"): any partner's or requester's token is a 403, whatever it names. */
const ADMIN_ONLY = new Set([
  'rotateSigningKey',
  'listPartners',
  'createPartner',
  'getPartner',
  'updatePartner',
  'listPartnerClients',
  'createPartnerClient',
  'getPartnerClient',
  'disablePartnerClient',
  'rotatePartnerClientSecret',
  'listStaffClients',
  'createStaffClient',
  'getStaffClient',
  'disableStaffClient',
  'rotateStaffClientSecret',
  'listStaff',
  'updateStaffMember',
  'getDefaultSlaPolicy',
  'putDefaultSlaPolicy',
  'listDefaultSlaPolicyVersions',
  'previewSlaSchedule',
  'listOutgoingMail',
  'retryOutgoingMail',
  'listQuarantinedMail',
  'releaseQuarantinedMail',
  'listPartnerMailDomains',
  'putPartnerMailDomain',
  'deletePartnerMailDomain',
]);

/** A partner's own tools (site links, its agreement, webhooks): no requester may use them, their own partner's or another's. */
const PARTNER_TOOLS = new Set([
  'createSiteLink',
  'revokeSiteLink',
  'getPartnerSlaPolicy',
  'listPartnerSlaPolicyVersions',
  'getPartnerSlaPolicyVersion',
  // Admin-only, but a partner naming another partner is answered as for an unknown one (docs/adr/0031).
  'putPartnerSlaPolicy',
  'deletePartnerSlaPolicy',
  'createWebhookEndpoint',
  'getWebhookEndpoint',
  'updateWebhookEndpoint',
  'deleteWebhookEndpoint',
  'rotateWebhookSecret',
  'listWebhookDeliveries',
  'retryWebhookDelivery',
  'replayWebhookEvents',
  'pingWebhookEndpoint',
]);

/** The status each caller gets: the partner's resources are a 404, exactly as ones that do not exist. */
const expectedStatus = (operationId: string, who: string, status: number): number => {
  if (ADMIN_ONLY.has(operationId)) return 403;
  if (NAMES_NOTHING.has(operationId)) return status;
  if (who !== 'another partner' && PARTNER_TOOLS.has(operationId)) return 403;
  // A partner's endpoint is its own: naming another partner in the body is a field it may not set.
  if (operationId === 'createWebhookEndpoint') return 400;
  return 404;
};

/** What each service keeps that these routes could change, fingerprinted whole (every row's text). */
const TABLES: Record<string, string[]> = {
  gateway: ['gateway.partners', 'gateway.api_clients', 'gateway.signing_keys', 'gateway.site_link_revocations', 'gateway.site_secrets'],
  'sla-timer': ['sla_timer.sla_policies', 'sla_timer.response_clocks'],
  notification: ['notification.webhook_endpoints', 'notification.webhook_deliveries', 'notification.partner_mail_domains'],
  rating: ['rating.ratings', 'rating.surveys'],
};

const SWEPT_SERVICES = new Set(Object.keys(TABLES));

// Issue #9 "Tenancy and roles", for the services other than ticket-intake (intake-tenancy.int.spec.ts)
// and escalation (tenancy-escalation.int.spec.ts): every bearer route of the gateway, sla-timer,
// notification and rating, called with another partner's token, with another requester's token of
// the same partner, and with a requester token of another partner. Never the partner's data, never a change.
describe('tenancy on every route of the gateway, sla-timer, notification and rating', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let fixture: Fixture;
  const tokens: Record<string, string> = {};
  let operations: string[];
  // Frozen: the ping's failed delivery waits for a retry this clock never reaches, so nothing moves on its own.
  const clock = new TestClock('2026-12-01T10:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('tenancy_sweep', { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '500' } });
    client = platform.client;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme Sweep');
    const rival = await client.partner(admin, 'Rival Sweep');
    await platform.partnerKnownToNotification(acme.partnerId);
    await platform.partnerKnownToSlaTimer(acme.partnerId);
    const ann = await client.requester(acme.token, 'cust-ann');
    tokens['another partner'] = rival.token;
    tokens['another requester of the same partner'] = await client.requester(acme.token, 'cust-bob');
    tokens['a requester of another partner'] = await client.requester(rival.token, 'cust-ann');

    const filed = await client.http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket());
    expect(filed.status).toBe(201);
    // A ticket filed a moment ago is a 503 to retry until the site has heard of it (docs/adr/0068).
    const link = await waitFor('a site link of the ticket', async () => {
      const minted = await client.http().post(`/v1/tickets/${filed.body.id}/site-links`).auth(acme.token, { type: 'bearer' });
      return minted.status === 201 ? minted : undefined;
    });
    const endpoint = await client
      .http()
      .post('/v1/webhooks/endpoints')
      .auth(acme.token, { type: 'bearer' })
      .send({ url: 'http://127.0.0.1:9/acme', eventTypes: ['ticket.*'], description: 'Acme CRM' });
    expect(endpoint.status).toBe(201);
    expect((await client.http().post(`/v1/webhooks/endpoints/${endpoint.body.id}/ping`).auth(acme.token, { type: 'bearer' })).status).toBeLessThan(300);
    const delivery = await waitFor('the ping’s delivery, attempted', async () => {
      const listed = await client.http().get(`/v1/webhooks/endpoints/${endpoint.body.id}/deliveries`).auth(acme.token, { type: 'bearer' });
      return (listed.body.items as { id: string; attempts: number }[]).find((d) => d.attempts > 0);
    });
    const domain = 'acme-sweep.example';
    const mapped = await client.http().put(`/v1/inbound/partner-domains/${domain}`).auth(admin, { type: 'bearer' }).send({ partnerId: acme.partnerId });
    const agreement = await client.http().put(`/v1/partners/${acme.partnerId}/sla-policy`).auth(admin, { type: 'bearer' }).send(POLICY);
    expect([mapped.status, agreement.status]).toEqual([200, 200]);
    await waitFor('the ticket’s clock', async () => (await client.http().get(`/v1/tickets/${filed.body.id}/sla`).auth(ann, { type: 'bearer' })).status === 200);
    fixture = {
      partnerId: acme.partnerId,
      clientId: acme.clientId,
      ticketId: filed.body.id,
      reference: filed.body.reference,
      linkId: link.body.id,
      endpointId: endpoint.body.id,
      deliveryId: delivery.id,
      domain,
    };

    const document = (await client.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    operations = Object.entries(document.paths)
      .filter(([path]) => SWEPT_SERVICES.has(serviceForPath(path.replace(/\{[^}]+\}/g, 'x')) ?? 'gateway'))
      .flatMap(([, methods]) => Object.values(methods).map((op) => op.operationId));
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** Every kept row of the swept tables, as text: any insert, update or delete changes it. */
  const fingerprint = async () => {
    const prints: Record<string, string> = {};
    for (const [service, tables] of Object.entries(TABLES)) {
      for (const table of tables) {
        const [row] = await platform.query<{ print: string | null }>(service, `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS print FROM ${table} t`);
        prints[table] = row.print ?? '';
      }
    }
    return prints;
  };

  it('knows a request for every bearer operation of these services, so a new route cannot skip this test', () => {
    expect(operations.length).toBeGreaterThanOrEqual(45);
    expect(operations.filter((op) => !(op in CALLS) && !NO_BEARER.has(op))).toEqual([]);
    expect(Object.keys(CALLS).filter((op) => !operations.includes(op))).toEqual([]);
  });

  it.each([['another partner'], ['another requester of the same partner'], ['a requester of another partner']])(
    '%s: 403 on admin routes, 404 for the partner’s resources, no leak, and nothing changes',
    async (who) => {
      const before = await fingerprint();
      const foreignToThePartner = who !== 'another requester of the same partner';
      const answers: { operationId: string; status: number; problem: boolean; leaks: string[] }[] = [];
      for (const operationId of Object.keys(CALLS)) {
        const response = await CALLS[operationId](() => client.http(), tokens[who], fixture);
        // The problem's `instance` echoes the caller's own request path; anything else naming the fixture is a leak.
        const { instance: _instance, ...body } = (response.body ?? {}) as Record<string, unknown>;
        const text = JSON.stringify(body) + (response.headers.location ?? '');
        const secrets = { ticketId: fixture.ticketId, reference: fixture.reference, endpointId: fixture.endpointId, deliveryId: fixture.deliveryId, clientId: fixture.clientId, domain: fixture.domain };
        const named = foreignToThePartner ? { ...secrets, partnerId: fixture.partnerId } : secrets;
        answers.push({
          operationId,
          status: response.status,
          problem: response.status < 400 || String(response.headers['content-type']).includes(PROBLEM_CONTENT_TYPE),
          leaks: Object.entries(named)
            .filter(([, value]) => text.includes(value))
            .map(([name]) => name),
        });
      }
      const expected = answers.map(({ operationId, status }) => ({
        operationId,
        status: expectedStatus(operationId, who, status),
        problem: true,
        leaks: [],
      }));
      expect(answers).toEqual(expected);
      expect(await fingerprint()).toEqual(before);
    },
  );
});
