import { MAX_RESPONSE_MS } from '@tss/contracts';
import { sampleTicket, type PlatformClient } from '@tss/runtime/testing';
import { PROBLEM_CONTENT_TYPE } from '@tss/service-kit';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform';

type QueueEntry = { ticket: { id: string; level: string; assigneeId?: string; receivedAt: string }; partnerId: string; dueAt: string; dueAtSource: string };

// P4: requests are processed in the order received, emergencies expedited; the queue's due times
// come from sla-timer's clocks (sla.clock_started → intake's projection), end to end in one process.
describe('the agents’ queue through the gateway (P4, issue #9)', () => {
  let platform: TestPlatform;
  let client: PlatformClient;
  let admin: string;
  let acme: { partnerId: string; token: string };
  const clock = new TestClock('2026-05-04T08:00:00.000Z');

  beforeAll(async () => {
    platform = await startTestPlatform('queue', { clock });
    client = platform.client;
    admin = await platform.adminToken();
    acme = await client.partner(admin, 'Acme Queue');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const file = async (overrides: Record<string, unknown> = {}) => {
    const response = await client.http().post('/v1/tickets').auth(acme.token, { type: 'bearer' }).send(sampleTicket(overrides));
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const queue = async (token: string, query = '') => {
    const response = await client.http().get(`/v1/queue${query}`).auth(token, { type: 'bearer' });
    expect(response.status).toBe(200);
    return response.body.items as QueueEntry[];
  };

  it('orders by sla-timer’s clocks, emergencies first; a claim assigns the head and the ticket shows its assignee', async () => {
    const agent = await client.staff(admin, ['agent']);
    const standard = await file();
    clock.advanceMs(60_000);
    const consulting = await file({ level: 'consulting' });
    clock.advanceMs(60_000);
    const emergency = await file({ level: 'emergency' });

    // Each clock's due time arrives through sla.clock_started; until then the level's target stands in.
    const entries = await waitFor('every ticket’s clock projected into the queue', async () => {
      const items = await queue(agent.token);
      return items.length === 3 && items.every((e) => e.dueAtSource === 'sla_clock') ? items : undefined;
    });
    expect(entries.map((e) => e.ticket.id)).toEqual([emergency, standard, consulting]);
    for (const entry of entries) {
      const level = entry.ticket.level as keyof typeof MAX_RESPONSE_MS;
      expect(new Date(entry.dueAt).getTime() - new Date(entry.ticket.receivedAt).getTime()).toBe(MAX_RESPONSE_MS[level]);
      expect(entry.partnerId).toBe(acme.partnerId);
    }

    const claimed = await client.http().post('/v1/queue/claim').auth(agent.token, { type: 'bearer' });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ ticket: { id: emergency, assigneeId: agent.staffId }, dueAtSource: 'sla_clock' });
    const seenByPartner = await client.http().get(`/v1/tickets/${emergency}`).auth(acme.token, { type: 'bearer' });
    expect(seenByPartner.body.assigneeId).toBe(agent.staffId);
    expect((await queue(agent.token)).map((e) => e.ticket.id)).toEqual([standard, consulting]);
    expect((await queue(agent.token, '?assignee=me')).map((e) => e.ticket.id)).toEqual([emergency]);
  });

  it('P4: 20 agents claiming at once through the gateway never get the same ticket', async () => {
    const agents = await Promise.all(Array.from({ length: 20 }, (_, i) => client.staff(admin, ['agent'], `Race agent ${i}`)));
    const waiting = (await queue(agents[0].token)).length;
    for (let i = 0; i < 8; i += 1) await file({ subject: `Race ticket ${i}` });
    const tickets = waiting + 8;

    const responses = await Promise.all(agents.map((a) => client.http().post('/v1/queue/claim').auth(a.token, { type: 'bearer' })));
    const won = responses.filter((r) => r.status === 200);
    expect(won).toHaveLength(Math.min(20, tickets));
    expect(responses.filter((r) => r.status !== 200).every((r) => r.status === 204)).toBe(true);
    const ids = won.map((r) => r.body.ticket.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    // Each winner is the assignee of the ticket it got.
    for (const r of won) expect(agents.map((a) => a.staffId)).toContain(r.body.ticket.assigneeId);
    expect(new Set(won.map((r) => r.body.ticket.assigneeId)).size).toBe(won.length);
    expect(await queue(agents[0].token)).toEqual([]);
  });

  it('partners and requesters get 403 on the queue', async () => {
    const requester = await client.requester(acme.token, 'cust-queue');
    for (const token of [acme.token, requester]) {
      for (const response of [
        await client.http().get('/v1/queue').auth(token, { type: 'bearer' }),
        await client.http().post('/v1/queue/claim').auth(token, { type: 'bearer' }),
      ]) {
        expect(response.status).toBe(403);
        expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      }
    }
  });

  it('P4: disabling a staff client returns its claimed tickets to the queue; nobody, a partner client or a quality client is never an assignee (422)', async () => {
    const agent2 = await client.staff(admin, ['agent'], 'Agent two');
    const dispatcher = await client.staff(admin, ['agent'], 'Dispatcher');
    const quality = await client.staff(admin, ['quality'], 'Quality');
    const emergencies = [await file({ level: 'emergency' }), await file({ level: 'emergency' }), await file({ level: 'emergency' })];
    await waitFor('the emergencies in the queue', async () => {
      const ids = (await queue(agent2.token)).map((e) => e.ticket.id);
      return emergencies.every((id) => ids.includes(id));
    });
    const claimed: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await client.http().post('/v1/queue/claim').auth(agent2.token, { type: 'bearer' });
      expect(response.status).toBe(200);
      claimed.push(response.body.ticket.id);
    }
    expect(claimed.sort()).toEqual([...emergencies].sort());

    const assign = async (ticketId: string, assigneeId: string) => {
      const read = await client.http().get(`/v1/tickets/${ticketId}`).auth(dispatcher.token, { type: 'bearer' });
      return client.http().patch(`/v1/tickets/${ticketId}`).auth(dispatcher.token, { type: 'bearer' }).set('if-match', read.headers.etag).send({ assigneeId });
    };
    for (const assigneeId of ['nobody', 'pc_notAStaffClient', quality.staffId]) {
      const refused = await assign(emergencies[0], assigneeId);
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(refused.body.errors).toEqual([expect.objectContaining({ pointer: '/assigneeId' })]);
    }

    expect((await client.http().delete(`/v1/clients/${agent2.staffId}`).auth(admin, { type: 'bearer' })).status).toBe(204);
    await waitFor('the disabled agent’s tickets back in the queue', async () => {
      const ids = (await queue(dispatcher.token)).map((e) => e.ticket.id);
      return emergencies.every((id) => ids.includes(id));
    });
    const history = await client.http().get(`/v1/tickets/${emergencies[0]}/history`).auth(dispatcher.token, { type: 'bearer' });
    expect(history.body.items.filter((h: { action: string }) => h.action === 'unassigned')).toEqual([
      expect.objectContaining({ actor: { kind: 'service', id: 'gateway' }, detail: expect.objectContaining({ previousAssigneeId: agent2.staffId, note: expect.stringMatching(/disabled/) }) }),
    ]);
    const toDisabled = await assign(emergencies[0], agent2.staffId);
    expect(toDisabled.status).toBe(422);
    expect(toDisabled.body.detail).toMatch(/is disabled/);
  });
});
