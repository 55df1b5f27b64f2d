import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_KEY_RETENTION_MS } from '@tss/runtime';
import { sampleTicket, startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';

const REUSED = 'https://tss.dev/problems/idempotency-key-reused';

// docs/adr/0028: "Keys expire 24 h after their first request. A claim treats an expired row as
// new." An outside integrator (MEDIUM) found the runtime's key expiring but the copy file-ticket and
// post-message keep on the ticket or message row holding on for good: past the 24 h the same body
// replayed the old ticket and a new body was a 422, which the runtime then kept for another 24 h
// (addendum of 2026-12-05, fourth session: an Idempotency-Key is new again after it expires).
describe('an Idempotency-Key is new again 24 h after its first request, on tickets and messages', () => {
  const clock = new TestClock('2026-12-05T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();
  const bearer = { type: 'bearer' } as const;
  const partnerToken = () => sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
  const post = (path: string, body: object, key: string) =>
    sut.http().post(path).auth(partnerToken(), bearer).set('content-type', 'application/json').set('idempotency-key', key).send(JSON.stringify(body));
  const answerOf = (r: { status: number; headers: Record<string, string | undefined>; body: { id?: string; type?: string; message?: { id: string } } }) => ({
    status: r.status,
    replayed: r.headers['idempotent-replayed'] ?? null,
    id: r.body.message?.id ?? r.body.id ?? null,
    type: r.body.type ?? null,
  });
  const rowsWithKey = async (table: 'tickets' | 'messages', key: string) =>
    (await sut.query<{ id: string }>(`SELECT id FROM "${INTAKE_SCHEMA}".${table} WHERE partner_id = $1 AND idempotency_key = $2 ORDER BY id`, [partnerId, key])).map((r) => r.id);

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  describe('POST /v1/tickets', () => {
    const one = sampleTicket({ product: 'reader', productVersion: '1', description: 'expiry test one' });
    const two = sampleTicket({ product: 'reader', productVersion: '1', description: 'expiry test two - a new problem' });

    it('within its lifetime (a millisecond short of 24 h) the same body replays the ticket and a new body is the 422', async () => {
      const first = await post('/v1/tickets', one, 'ticket-alive');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS - 1);
      const retry = await post('/v1/tickets', one, 'ticket-alive');
      const changed = await post('/v1/tickets', two, 'ticket-alive');

      expect(answerOf(first)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(answerOf(retry)).toEqual({ status: 201, replayed: 'true', id: first.body.id, type: null });
      expect(answerOf(changed)).toMatchObject({ status: 422, type: REUSED });
      expect(await rowsWithKey('tickets', 'ticket-alive')).toEqual([first.body.id]);
    });

    it('24 h after its first request a new body files a new ticket (201, not replayed), and the key is the new ticket’s', async () => {
      const first = await post('/v1/tickets', one, 'ticket-expired-new-body');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS);
      const later = await post('/v1/tickets', two, 'ticket-expired-new-body');
      const retryOfLater = await post('/v1/tickets', two, 'ticket-expired-new-body');
      const firstAgain = await post('/v1/tickets', one, 'ticket-expired-new-body');

      expect(answerOf(later)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(later.body.id).not.toBe(first.body.id);
      expect(answerOf(retryOfLater)).toEqual({ status: 201, replayed: 'true', id: later.body.id, type: null });
      expect(answerOf(firstAgain)).toMatchObject({ status: 422, type: REUSED });
      expect(await rowsWithKey('tickets', 'ticket-expired-new-body')).toEqual([later.body.id]);
    });

    it('24 h after its first request the same body counts as new too (an expired key is new): a second ticket', async () => {
      const first = await post('/v1/tickets', one, 'ticket-expired-same-body');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS + 60_000);
      const later = await post('/v1/tickets', one, 'ticket-expired-same-body');

      expect(answerOf(later)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(later.body.id).not.toBe(first.body.id);
      expect(await rowsWithKey('tickets', 'ticket-expired-same-body')).toEqual([later.body.id]);
    });

    it('past the runtime’s key within the lifetime (a lease taken over), the ticket’s own check still replays; past the lifetime it does not', async () => {
      const forgetRuntimeKey = () => sut.query(`DELETE FROM "${INTAKE_SCHEMA}".idempotency_keys WHERE key = $1`, ['ticket-safety-net']);
      const first = await post('/v1/tickets', one, 'ticket-safety-net');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS - 1);
      await forgetRuntimeKey();
      const retry = await post('/v1/tickets', one, 'ticket-safety-net');
      await forgetRuntimeKey();
      const changed = await post('/v1/tickets', two, 'ticket-safety-net');
      clock.advanceMs(1);
      await forgetRuntimeKey();
      const later = await post('/v1/tickets', two, 'ticket-safety-net');

      expect(answerOf(retry)).toMatchObject({ status: 201, id: first.body.id });
      expect(answerOf(changed)).toMatchObject({ status: 422, type: REUSED });
      expect(answerOf(later)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(later.body.id).not.toBe(first.body.id);
    });
  });

  describe('POST /v1/tickets/{id}/messages', () => {
    let ticketId: string;
    const path = () => `/v1/tickets/${ticketId}/messages`;
    const one = { body: 'expiry test one' };
    const two = { body: 'expiry test two - a new problem' };

    beforeAll(async () => {
      const filed = await post('/v1/tickets', sampleTicket(), randomUUID());
      expect(filed.status).toBe(201);
      ticketId = filed.body.id;
    });

    it('within its lifetime (a millisecond short of 24 h) the same message replays and a new one is the 422', async () => {
      const first = await post(path(), one, 'message-alive');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS - 1);
      const retry = await post(path(), one, 'message-alive');
      const changed = await post(path(), two, 'message-alive');

      expect(answerOf(first)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(answerOf(retry)).toEqual({ status: 201, replayed: 'true', id: first.body.message.id, type: null });
      expect(answerOf(changed)).toMatchObject({ status: 422, type: REUSED });
      expect(await rowsWithKey('messages', 'message-alive')).toEqual([first.body.message.id]);
    });

    it('24 h after its first request a new message is posted (201, not replayed), and the key is the new message’s', async () => {
      const first = await post(path(), one, 'message-expired-new-body');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS);
      const later = await post(path(), two, 'message-expired-new-body');
      const retryOfLater = await post(path(), two, 'message-expired-new-body');

      expect(answerOf(later)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(later.body.message.id).not.toBe(first.body.message.id);
      expect(answerOf(retryOfLater)).toEqual({ status: 201, replayed: 'true', id: later.body.message.id, type: null });
      expect(await rowsWithKey('messages', 'message-expired-new-body')).toEqual([later.body.message.id]);
    });

    it('24 h after its first request the same message counts as new too: posted again', async () => {
      const first = await post(path(), one, 'message-expired-same-body');
      clock.advanceMs(IDEMPOTENCY_KEY_RETENTION_MS + 60_000);
      const later = await post(path(), one, 'message-expired-same-body');

      expect(answerOf(later)).toEqual({ status: 201, replayed: null, id: expect.any(String), type: null });
      expect(later.body.message.id).not.toBe(first.body.message.id);
      expect(await rowsWithKey('messages', 'message-expired-same-body')).toEqual([later.body.message.id]);
    });
  });
});
