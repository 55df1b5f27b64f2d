import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import request from 'supertest';
import { TICKET_BEHIND_HEADER, UNKNOWN_TICKET_HEADER } from '@tss/contracts';
import { createServiceApp, PROBLEM_CONTENT_TYPE, type ServiceApp } from '@tss/service-kit';
import { forwardToServices, type ServiceUrls } from '../src/http/forwarding';

const OWNER = 'Bearer owner.token';
const STRANGER = 'Bearer stranger.token';
/** sla-timer's 404 as it answers it, byte for byte. */
const NO_CLOCKS = (id: string) => JSON.stringify({ type: 'https://tss.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'No clocks for such a ticket.', instance: `/v1/tickets/${id}/sla` });
/** rating's 409 for a ticket its projection has not seen resolved, as it answers it, byte for byte. */
const NO_SURVEY = (id: string) =>
  JSON.stringify({ type: 'https://tss.dev/problems/conflict', title: 'Conflict', status: 409, detail: 'The ticket has not been resolved: there is no survey to answer yet.', instance: `/v1/tickets/${id}/rating` });
/** The status intake shows the owner, by ticket id. */
const STATUS_OF: Readonly<Record<string, string>> = { fresh: 'new', 'resolved-now': 'resolved', 'still-open': 'open' };

// docs/adr/0068, services mode: a service's 404 marked `unknown_ticket` is checked with intake,
// as the caller, before it reaches the client.
describe('gateway forwarding: a service’s "no such ticket" for a ticket intake has', () => {
  let intake: FastifyInstance;
  let sla: FastifyInstance;
  let gateway: ServiceApp;
  let gatewayUrl: string;
  const intakeAsked: { url: string; authorization?: string }[] = [];

  beforeAll(async () => {
    intake = Fastify();
    intake.get('/v1/tickets/:id', async (req, reply) => {
      intakeAsked.push({ url: req.url, authorization: req.headers.authorization });
      const { id } = req.params as { id: string };
      if (id === 'broken') return reply.code(500).send({ status: 500 });
      return STATUS_OF[id] && req.headers.authorization === OWNER ? { id, status: STATUS_OF[id] } : reply.code(404).type(PROBLEM_CONTENT_TYPE).send({ status: 404 });
    });
    sla = Fastify();
    // sla-timer's projection does not have the ticket yet, whoever asks.
    sla.get('/v1/tickets/:id/sla', async (req, reply) => reply.code(404).header(UNKNOWN_TICKET_HEADER, '?1').type(PROBLEM_CONTENT_TYPE).send(NO_CLOCKS((req.params as { id: string }).id)));
    // An unknown referral under a ticket escalation knows: a 404 of its own, not marked.
    sla.get('/v1/tickets/:id/referrals/:rid', async (_req, reply) => reply.code(404).type(PROBLEM_CONTENT_TYPE).send({ status: 404, detail: 'No such referral of this ticket.' }));
    // rating's projection has not seen any ticket resolved yet.
    sla.post('/v1/tickets/:id/rating', async (req, reply) =>
      reply.code(409).header(TICKET_BEHIND_HEADER, 'resolved').type(PROBLEM_CONTENT_TYPE).send(NO_SURVEY((req.params as { id: string }).id)),
    );
    const intakeUrl = await intake.listen({ host: '127.0.0.1', port: 0 });
    const slaUrl = await sla.listen({ host: '127.0.0.1', port: 0 });
    const urls: ServiceUrls = { 'ticket-intake': intakeUrl, 'sla-timer': slaUrl, notification: slaUrl, escalation: slaUrl, rating: slaUrl };
    gateway = await createServiceApp({ name: 'gateway', logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
    await gateway.register(forwardToServices(urls, { timeoutMs: 5_000 }));
    gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await sla?.close();
    await intake?.close();
  });

  beforeEach(() => {
    intakeAsked.length = 0;
  });

  it('the caller who may see it gets 503 ticket-not-yet-visible with Retry-After: 1; intake was asked with the caller’s token', async () => {
    const response = await request(gatewayUrl).get('/v1/tickets/fresh/sla').set('authorization', OWNER);

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers[UNKNOWN_TICKET_HEADER]).toBeUndefined();
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/ticket-not-yet-visible', status: 503, instance: '/v1/tickets/fresh/sla' });
    expect(intakeAsked).toEqual([{ url: '/v1/tickets/fresh', authorization: OWNER }]);
  });

  it('a caller intake refuses the ticket gets the service’s 404 byte for byte, without the marker', async () => {
    const response = await request(gatewayUrl).get('/v1/tickets/fresh/sla').set('authorization', STRANGER);

    expect(response.status).toBe(404);
    expect(response.text).toBe(NO_CLOCKS('fresh'));
    expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(response.headers[UNKNOWN_TICKET_HEADER]).toBeUndefined();
    expect(response.headers['retry-after']).toBeUndefined();
    expect(intakeAsked).toEqual([{ url: '/v1/tickets/fresh', authorization: STRANGER }]);
  });

  it('a 404 the service does not mark (an unknown referral of a known ticket) goes on as it came; intake is not asked', async () => {
    const response = await request(gatewayUrl).get('/v1/tickets/fresh/referrals/r-1').set('authorization', OWNER);

    expect(response.status).toBe(404);
    expect(response.body.detail).toBe('No such referral of this ticket.');
    expect(intakeAsked).toEqual([]);
  });

  it('intake failing to answer tells nothing about the ticket: 503 upstream-unavailable with Retry-After, never the 404', async () => {
    const response = await request(gatewayUrl).get('/v1/tickets/broken/sla').set('authorization', OWNER);

    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/upstream-unavailable', status: 503 });
  });

  describe('a refusal marked as the service being behind (docs/adr/0068, addendum of 2026-12-05)', () => {
    const rate = (id: string, authorization: string) => request(gatewayUrl).post(`/v1/tickets/${id}/rating`).set('authorization', authorization).send({ score: 4, solved: true });

    it('intake shows the ticket in the marked status: 503 ticket-not-yet-visible with Retry-After: 1, saying the resolution is a moment old; intake asked as the caller', async () => {
      const response = await rate('resolved-now', OWNER);

      expect({ status: response.status, retryAfter: response.headers['retry-after'], type: response.body.type }).toEqual({
        status: 503,
        retryAfter: '1',
        type: 'https://tss.dev/problems/ticket-not-yet-visible',
      });
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body).toMatchObject({ status: 503, instance: '/v1/tickets/resolved-now/rating', detail: expect.stringMatching(/resolved a moment ago/) });
      expect(response.headers[TICKET_BEHIND_HEADER]).toBeUndefined();
      expect(intakeAsked).toEqual([{ url: '/v1/tickets/resolved-now', authorization: OWNER }]);
    });

    it('intake shows another status, or refuses the caller: the 409 byte for byte, without the marker', async () => {
      for (const [id, authorization] of [['still-open', OWNER], ['resolved-now', STRANGER]]) {
        const response = await rate(id, authorization);

        expect({ id, status: response.status, text: response.text }).toEqual({ id, status: 409, text: NO_SURVEY(id) });
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
        expect(response.headers[TICKET_BEHIND_HEADER]).toBeUndefined();
        expect(response.headers['retry-after']).toBeUndefined();
      }
      expect(intakeAsked).toEqual([
        { url: '/v1/tickets/still-open', authorization: OWNER },
        { url: '/v1/tickets/resolved-now', authorization: STRANGER },
      ]);
    });

    it('intake failing to answer: 503 upstream-unavailable with Retry-After, never the 409', async () => {
      const response = await rate('broken', OWNER);

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body).toMatchObject({ type: 'https://tss.dev/problems/upstream-unavailable', status: 503 });
      expect(response.headers[TICKET_BEHIND_HEADER]).toBeUndefined();
    });
  });
});
