import { serviceForPath } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import type { Test } from 'supertest';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

// 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

interface Fixture {
  ticketId: string;
  reference: string;
  attachmentId: string;
  credentialId: string;
  messageId: string;
}

/** One well-formed request per operation of ticket-intake, aimed at the fixture's ticket. */
type Call = (http: PlatformClient['http'], token: string, f: Fixture) => Test;

const CALLS: Record<string, Call> = {
  getTicket: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}`).auth(t, { type: 'bearer' }),
  changeTicket: (http, t, f) => http().patch(`/v1/tickets/${f.ticketId}`).auth(t, { type: 'bearer' }).set('if-match', '*').send({ category: 'theory' }),
  getThread: (http, t, f) => http().get(`/v1/tickets/${f.reference}/thread`).auth(t, { type: 'bearer' }),
  getMessage: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/messages/${f.messageId}`).auth(t, { type: 'bearer' }),
  getTicketHistory: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/history`).auth(t, { type: 'bearer' }),
  postMessage: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/messages`).auth(t, { type: 'bearer' }).send({ body: 'not yours' }),
  reopenTicket: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/reopen`).auth(t, { type: 'bearer' }).send({ reason: 'not yours' }),
  uploadAttachments: (http, t, f) => http().post(`/v1/tickets/${f.ticketId}/attachments`).auth(t, { type: 'bearer' }).attach('file', PNG, 'x.png'),
  listAttachments: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/attachments`).auth(t, { type: 'bearer' }),
  downloadAttachment: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/attachments/${f.attachmentId}`).auth(t, { type: 'bearer' }),
  storeTicketCredentials: (http, t, f) =>
    http().post(`/v1/tickets/${f.ticketId}/credentials`).auth(t, { type: 'bearer' }).send({ label: 'x', login: 'x', secret: 'not-yours-123' }),
  listTicketCredentials: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/credentials`).auth(t, { type: 'bearer' }),
  revealTicketCredential: (http, t, f) => http().get(`/v1/tickets/${f.ticketId}/credentials/${f.credentialId}`).auth(t, { type: 'bearer' }),
  // Routes that name no ticket: their answer must simply not contain the fixture's ticket.
  listTickets: (http, t) => http().get('/v1/tickets?limit=200').auth(t, { type: 'bearer' }),
  fileTicket: (http, t) => http().post('/v1/tickets').auth(t, { type: 'bearer' }).send(sampleTicket()),
  readQueue: (http, t) => http().get('/v1/queue').auth(t, { type: 'bearer' }),
  claimQueueTicket: (http, t) => http().post('/v1/queue/claim').auth(t, { type: 'bearer' }),
};

/** Routes only staff may call: a partner's or requester's token is a 403 whatever the ticket. */
const STAFF_ONLY = new Set(['changeTicket', 'revealTicketCredential', 'readQueue', 'claimQueueTicket']);
const NAMES_NO_TICKET = new Set(['listTickets', 'fileTicket', 'readQueue', 'claimQueueTicket']);

// Issue #9 "Tenancy and roles": every route of ticket-intake, run with another partner's token and
// with another requester's token (same partner): never the ticket, never a change.
describe('tenancy on every ticket-intake route', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let fixture: Fixture;
  let rival: string;
  let bob: string;
  let operations: string[];

  beforeAll(async () => {
    platform = await startTestPlatform('intake_tenancy');
    client = platform.client;
    const admin = await platform.adminToken();
    const acme = await client.partner(admin, 'Acme Tenancy Sweep');
    rival = (await client.partner(admin, 'Rival Tenancy Sweep')).token;
    const ann = await client.requester(acme.token, 'cust-ann');
    bob = await client.requester(acme.token, 'cust-bob');
    const filed = await client.http().post('/v1/tickets').auth(ann, { type: 'bearer' }).send(sampleTicket());
    const uploaded = await client.http().post(`/v1/tickets/${filed.body.id}/attachments`).auth(ann, { type: 'bearer' }).attach('file', PNG, 'shot.png');
    const credential = await client
      .http()
      .post(`/v1/tickets/${filed.body.id}/credentials`)
      .auth(ann, { type: 'bearer' })
      .send({ label: 'Admin account', login: 'ann', secret: 'S3cret-Value-42' });
    const message = await client.http().post(`/v1/tickets/${filed.body.id}/messages`).auth(ann, { type: 'bearer' }).send({ body: 'Only mine to read.' });
    expect([filed.status, uploaded.status, credential.status, message.status]).toEqual([201, 201, 201, 201]);
    fixture = {
      ticketId: filed.body.id,
      reference: filed.body.reference,
      attachmentId: uploaded.body.items[0].id,
      credentialId: credential.body.id,
      messageId: message.body.message.id,
    };
    const document = (await client.http().get('/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    operations = Object.entries(document.paths)
      .filter(([path]) => serviceForPath(path.replace(/\{[^}]+\}/g, 'x')) === 'ticket-intake')
      .flatMap(([, methods]) => Object.values(methods).map((op) => op.operationId));
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const counts = async () =>
    platform.query<{ tickets: number; messages: number; attachments: number; credentials: number; history: number }>(
      'ticket-intake',
      `SELECT (SELECT count(*)::int FROM ticket_intake.tickets WHERE id = $1) AS tickets,
              (SELECT count(*)::int FROM ticket_intake.messages WHERE ticket_id = $1) AS messages,
              (SELECT count(*)::int FROM ticket_intake.attachments WHERE ticket_id = $1) AS attachments,
              (SELECT count(*)::int FROM ticket_intake.credentials WHERE ticket_id = $1) AS credentials,
              (SELECT count(*)::int FROM ticket_intake.ticket_history WHERE ticket_id = $1) AS history`,
      [fixture.ticketId],
    );

  it('knows a request for every operation of the service, so a new route cannot skip this test', () => {
    expect(operations.length).toBeGreaterThanOrEqual(16);
    expect(operations.filter((op) => !(op in CALLS))).toEqual([]);
  });

  it.each([
    ['another partner', () => rival],
    ['another requester of the same partner', () => bob],
  ])('%s: 404 for the ticket on every route naming it, 403 on staff routes, and nothing changes', async (_who, token) => {
    const before = await counts();
    for (const operationId of operations) {
      const response = await CALLS[operationId](() => client.http(), token(), fixture);
      // The problem's `instance` echoes the caller's own request path; anything else naming the ticket is a leak.
      const { instance: _instance, ...body } = (response.body ?? {}) as Record<string, unknown>;
      const text = JSON.stringify(body);
      expect({ operationId, leaks: text.includes(fixture.ticketId) || text.includes(fixture.reference) }).toEqual({ operationId, leaks: false });
      if (STAFF_ONLY.has(operationId)) {
        expect({ operationId, status: response.status }).toEqual({ operationId, status: 403 });
      } else if (!NAMES_NO_TICKET.has(operationId)) {
        expect({ operationId, status: response.status }).toEqual({ operationId, status: 404 });
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      }
    }
    expect(await counts()).toEqual(before);
  });
});
