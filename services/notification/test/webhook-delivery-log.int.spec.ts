import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { NOTIFICATION_SCHEMA } from '../src/store/acknowledgment.store';
import { ping } from '../src/use-cases/webhook-endpoints';
import { notificationWithoutWorkers, testSecrets, webhookRows } from './support/webhook-fixtures';

// docs/webhooks.md "The delivery log": every delivery can be reached, page by page, newest first.
describe('an endpoint’s delivery log, paged by cursor (notification alone on real PostgreSQL)', () => {
  const clock = new TestClock('2026-12-04T10:00:00.000Z');
  const partnerId = '6a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6';
  let sut: ServiceUnderTest;
  let timers: TimerStore;
  let endpointId: string;
  const pinged: string[] = [];

  beforeAll(async () => {
    sut = await startServiceUnderTest(notificationWithoutWorkers, { clock, env: { WEBHOOK_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    timers = new TimerStore({ schema: NOTIFICATION_SCHEMA, clock });
    const { newEndpoint } = webhookRows({ sut: () => sut, timers: () => timers, port: () => 9, clock, partnerId, secrets: testSecrets() });
    endpointId = (await newEndpoint('/log')).id;
    // Seven deliveries: two share an instant (the order between them is the id's), the rest a millisecond apart.
    for (let n = 0; n < 7; n += 1) {
      const result = await sut.host.unitOfWork.run((tx) => ping(tx, timers, { kind: 'partner', partnerId }, endpointId, clock.now()));
      if (!result.ok) throw new Error(result.error.detail);
      pinged.push(result.value.deliveryId);
      if (n !== 2) clock.advanceMs(1);
    }
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const token = (id = partnerId) => sut.token({ kind: 'partner', partner_id: id, scope: 'webhooks:manage' });
  const page = (query: string, as = token()) => sut.http().get(`/v1/webhooks/endpoints/${endpointId}/deliveries?${query}`).set('authorization', `Bearer ${as}`);

  it('pages of 3 give every delivery once, newest first, and the last page has no cursor', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const response = await page(`limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.status).toBe(200);
      seen.push(...(response.body.items as { id: string }[]).map((d) => d.id));
      sizes.push(response.body.items.length);
      cursor = response.body.nextCursor as string | undefined;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    const [newestFirst] = await Promise.all([page('limit=200')]);
    expect(seen).toEqual((newestFirst.body.items as { id: string }[]).map((d) => d.id));
    expect([...seen].sort()).toEqual([...pinged].sort());
    expect(newestFirst.body.nextCursor).toBeUndefined();
  });

  it('a cursor works only for the filter it was issued for, and an altered one is a 400 problem', async () => {
    const first = await page('limit=2&status=ready');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const cursor = first.body.nextCursor as string;
    const otherFilter = await page(`limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(otherFilter.status).toBe(400);
    expect(otherFilter.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(otherFilter.body.errors).toEqual([expect.objectContaining({ pointer: '/cursor', message: expect.stringContaining('other filters') })]);
    const altered = await page(`limit=2&status=ready&cursor=${encodeURIComponent(`${cursor.slice(0, -2)}xx`)}`);
    expect(altered.status).toBe(400);
    expect(altered.body.errors).toEqual([expect.objectContaining({ pointer: '/cursor' })]);
  });

  it('an unknown status is one clear error naming the allowed values', async () => {
    const response = await page('status=bogus');
    expect(response.status).toBe(400);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0]).toMatchObject({ pointer: '/status' });
    expect(response.body.errors[0].message).toMatch(/bogus/);
    expect(response.body.errors[0].message).toMatch(/succeeded/);
  });
});
