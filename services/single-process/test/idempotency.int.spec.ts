import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

describe('Idempotency-Key on POST /v1/tickets compares the canonical form of the body', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let acme: { partnerId: string; token: string };

  beforeAll(async () => {
    platform = await startTestPlatform('idempotency');
    client = platform.client;
    acme = await client.partner(await platform.adminToken(), 'Acme Retries');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const fileWithKey = (key: string, body: string) =>
    client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).set('idempotency-key', key).set('content-type', 'application/json').send(body);
  const ticketsWithKey = async (key: string) =>
    (await platform.query<{ n: number }>('ticket-intake', 'SELECT count(*)::int AS n FROM ticket_intake.tickets WHERE partner_id = $1 AND idempotency_key = $2', [acme.partnerId, key]))[0].n;

  it('a retry with the same fields in another order, nested ones included, replays the first answer', async () => {
    const first = await fileWithKey('retry-reordered', JSON.stringify({ ...sampleTicket(), requester: { name: 'Ann', email: 'ann@example.com' } }));
    const reordered = JSON.stringify({
      requester: { email: 'ann@example.com', name: 'Ann' },
      browser: 'Firefox 133',
      description: 'The reader closes when opening any EPUB from the library.',
      subject: 'Reader crashes on opening EPUB',
      productVersion: '4.2.1',
      product: 'reader',
    });

    const retry = await fileWithKey('retry-reordered', reordered);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await ticketsWithKey('retry-reordered')).toBe(1);
  });

  it('the same key with a different body is still a 409 conflict, and files nothing more', async () => {
    const first = await fileWithKey('retry-changed', JSON.stringify(sampleTicket()));
    const changed = await fileWithKey('retry-changed', JSON.stringify(sampleTicket({ productVersion: '4.2.2' })));

    expect(first.status).toBe(201);
    expect(changed.status).toBe(409);
    expect(changed.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(changed.body).toMatchObject({ status: 409, type: 'https://tss.dev/problems/idempotency-conflict' });
    expect(changed.headers['idempotent-replayed']).toBeUndefined();
    expect(await ticketsWithKey('retry-changed')).toBe(1);
  });
});
