import { randomBytes, randomUUID } from 'node:crypto';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { ticketIntakeService } from '../../src/index';

/** A clock that moves on by a millisecond each time it is read, as a real one does between two reads. */
class TickingClock extends TestClock {
  private ticks = 0;
  override now(): Date {
    return new Date(super.now().getTime() + this.ticks++);
  }
}

// Outside check of 2026-12-05: a requester's reopening with a reason listed its comment's
// `message_received` at a later instant than the `reopened` after it, so history sorted by `at`
// told another story than history in sequence order.
describe('one change, one instant: a history never runs backwards against its sequence', () => {
  let sut: ServiceUnderTest;
  const clock = new TickingClock('2026-03-02T08:00:00.000Z');
  const partnerId = randomUUID();
  const staffToken = () => sut.token({ kind: 'staff', sub: 'agent-1', client_id: 'agent-1', roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const requesterToken = () => sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'client-1', scope: 'tickets:read tickets:write' });

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock, env: { TSS_MASTER_KEYS: `k1:${randomBytes(32).toString('base64')}` } });
  });
  afterAll(async () => {
    await sut?.stop();
  });

  it('a requester reopening with a reason: the comment and the reopening share the reopening’s instant, in sequence order', async () => {
    const filed = await sut
      .http()
      .post('/v1/tickets')
      .auth(requesterToken(), { type: 'bearer' })
      .send({ product: 'reader', productVersion: '4.2', description: 'Reader crashes on opening EPUB', stepsToReproduce: 'Open any EPUB', browser: 'Firefox 133', operatingSystem: 'Windows', operatingSystemVersion: '11' });
    expect(filed.status).toBe(201);
    const id = filed.body.id as string;
    const read = await sut.http().get(`/v1/tickets/${id}`).auth(staffToken(), { type: 'bearer' });
    const resolved = await sut.http().patch(`/v1/tickets/${id}`).auth(staffToken(), { type: 'bearer' }).set('if-match', read.headers.etag).send({ status: 'resolved' });
    expect(resolved.status).toBe(200);
    const reopened = await sut.http().post(`/v1/tickets/${id}/reopen`).auth(requesterToken(), { type: 'bearer' }).send({ reason: 'It still crashes on EPUB 3 files.' });
    expect(reopened.status).toBe(200);

    const history = await sut.http().get(`/v1/tickets/${id}/history`).auth(staffToken(), { type: 'bearer' });
    expect(history.status).toBe(200);
    const entries = history.body.items as { sequence: number; action: string; at: string }[];
    const inOrder = [...entries].sort((a, b) => a.sequence - b.sequence);
    const comment = inOrder.find((e) => e.action === 'message_received' && inOrder.some((r) => r.action === 'reopened' && r.sequence > e.sequence));
    const reopening = inOrder.find((e) => e.action === 'reopened');
    expect(comment).toBeDefined();
    expect(comment!.at).toBe(reopening!.at);
    const instants = inOrder.map((e) => e.at);
    expect(instants).toEqual([...instants].sort());
  });
});
