import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { CloudEvent, EventData } from '@tss/contracts';
import { StaffCreatedV1, StaffUpdatedV1, TicketUnassignedV1 } from '@tss/contracts';
import { Outbox } from '@tss/messaging';
import { handleInTransaction } from '@tss/messaging/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { staffDirectoryHandlers } from '../../src/events/staff-directory.handlers';
import { ticketIntakeService } from '../../src/index';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { insertTicketRow, type TicketRowSeed } from './support/ticket-rows';

type StaffData = EventData<typeof StaffCreatedV1>;

/** P4: a ticket's assignee is a known, active staff member whose role works tickets (docs/adr/0027, addendum of 2026-12-04, fifth session). */
describe('assigning a ticket: only to staff who work tickets', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock('2026-03-02T08:00:00.000Z');
  const partnerId = randomUUID();
  const agentToken = (staffId: string) => sut.token({ kind: 'staff', sub: staffId, client_id: staffId, roles: ['agent'], scope: 'tickets:read tickets:write queue:read' });
  const patch = (ticketId: string, body: Record<string, unknown>, token = agentToken('sc_dispatcher')) =>
    sut.http().patch(`/v1/tickets/${ticketId}`).auth(token, { type: 'bearer' }).set('if-match', '"2"').send(body);
  const assigneeOf = async (ticketId: string) =>
    ((await sut.query(`SELECT assignee_id, sequence FROM ticket_intake.tickets WHERE id = $1`, [ticketId])) as { assignee_id: string | null; sequence: number }[])[0];
  const seed = (extra: Partial<TicketRowSeed> = {}) => insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: clock.now(), level: 'emergency', status: 'new', ...extra });
  const emergency = () => seed();

  /** The gateway's `staff.*`, written into intake's outbox as the gateway publishes them; resolves once intake's consumer handled it. */
  const announce = async (contract: typeof StaffCreatedV1 | typeof StaffUpdatedV1, data: StaffData): Promise<CloudEvent<unknown>> => {
    const gateway = new Outbox({ service: contract.owner, schema: INTAKE_SCHEMA, clock });
    const event = await sut.host.unitOfWork.run((tx) => gateway.add(tx, contract, data.staffId, data));
    await waitFor(`intake handled ${contract.type} ${event.id}`, async () => (await sut.query(`SELECT 1 FROM ticket_intake.inbox WHERE event_id = $1`, [event.id])).length > 0);
    return event as CloudEvent<unknown>;
  };
  /** The same event handed to its handler again, past the inbox (as a consumer whose inbox forgot it after the retention period). */
  const redeliver = async (event: CloudEvent<unknown>) => {
    const deps = { outbox: sut.host.outbox, timers: new TimerStore({ schema: INTAKE_SCHEMA, clock }), clock };
    const binding = staffDirectoryHandlers(deps).find((h) => h.contract.type === event.type)!;
    await sut.host.unitOfWork.run((tx) => handleInTransaction({ tx, outbox: sut.host.outbox, now: clock.now(), logger: sut.host.logger }, [[binding.handle, event]]));
  };
  const staff = (staffId: string, roles: StaffData['roles'], active = true, changedAt = clock.now().toISOString()): StaffData => ({ staffId, roles, active, changedAt });

  const expectRefused = async (ticketId: string, assigneeId: string, detail: RegExp) => {
    const response = await patch(ticketId, { assigneeId });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.detail).toMatch(detail);
    expect(response.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/assigneeId' })]);
    // Nothing changed: still unassigned, no event numbered.
    expect(await assigneeOf(ticketId)).toEqual({ assignee_id: null, sequence: 2 });
  };

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
    await announce(StaffCreatedV1, staff('sc_dispatcher', ['agent']));
  });

  afterAll(async () => {
    await sut?.stop();
  });

  it('P4: an assignee nobody announced (any string, a partner client id) is a 422 naming /assigneeId that says a new one is known within seconds', async () => {
    const ticket = await emergency();
    await expectRefused(ticket, 'nobody', /No staff member nobody is known.*a moment ago is known within seconds/);
    await expectRefused(ticket, 'pc_K3x9Qw2mZp1LrT8v', /No staff member pc_K3x9Qw2mZp1LrT8v is known/);
  });

  it('P4: the 422 for an unknown assignee points at GET /v1/staff and says single sign-on staff are known after their first request', async () => {
    const ticket = await emergency();
    const response = await patch(ticket, { assigneeId: 'https://idp.example|never-signed-in' });
    expect(response.status).toBe(422);
    expect(response.body.detail).toContain('GET /v1/staff');
    expect(response.body.detail).toMatch(/single sign-on .*known after their first request/);
    expect(response.body.detail).not.toMatch(/GET \/v1\/clients|not announced/);
  });

  it('P4: a staff member whose roles do not work tickets (quality, admin) is a 422 naming the roles that do', async () => {
    const ticket = await emergency();
    await announce(StaffCreatedV1, staff('sc_quality', ['quality']));
    await announce(StaffCreatedV1, staff('sc_admin', ['admin']));
    await expectRefused(ticket, 'sc_quality', /has no role that works tickets \(agent, team_lead, developer\)/);
    await expectRefused(ticket, 'sc_admin', /has no role that works tickets/);
  });

  it('P4: a disabled staff member is a 422, even when a late staff.created comes after the disabling', async () => {
    const ticket = await emergency();
    await announce(StaffUpdatedV1, staff('sc_gone', ['agent'], false, '2026-03-02T07:30:00.000Z'));
    await announce(StaffCreatedV1, staff('sc_gone', ['agent'], true, '2026-03-02T07:00:00.000Z'));
    await expectRefused(ticket, 'sc_gone', /sc_gone is disabled/);
  });

  it('P4: an active agent, team lead or developer is assigned; staff assign themselves on their token alone, as a claim does', async () => {
    await announce(StaffCreatedV1, staff('sc_lead', ['team_lead', 'quality']));
    const toLead = await emergency();
    const assigned = await patch(toLead, { assigneeId: 'sc_lead' });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ assigneeId: 'sc_lead', status: 'open' });

    // Staff signed in through single sign-on are never announced by the gateway; their token proves their role.
    const self = await emergency();
    const sso = 'https://sso.example.test|employee-7';
    const taken = await patch(self, { assigneeId: sso }, agentToken(sso));
    expect(taken.status).toBe(200);
    expect(taken.body.assigneeId).toBe(sso);
  });

  const unassignments = (ticketId: string) =>
    sut.query<{ actor_kind: string; actor_id: string; detail: { previousAssigneeId: string; note?: string } }>(
      `SELECT actor_kind, actor_id, detail FROM ticket_intake.ticket_history WHERE ticket_id = $1 AND action = 'unassigned'`,
      [ticketId],
    );
  const unassignedEvents = async (ticketIds: string[]) =>
    Number(
      (await sut.query<{ n: string }>(`SELECT count(*) AS n FROM ticket_intake.outbox WHERE message_key = ANY($1::text[]) AND event_type = $2`, [ticketIds, TicketUnassignedV1.type]))[0].n,
    );
  const queueIds = async () => {
    const page = await sut.http().get('/v1/queue?limit=100').auth(agentToken('sc_dispatcher'), { type: 'bearer' });
    expect(page.status).toBe(200);
    return page.body.items.map((e: { ticket: { id: string } }) => e.ticket.id) as string[];
  };

  it("P4: disabling a staff member returns their open tickets to the queue, each with a history entry saying why, once even when the event comes again", async () => {
    await announce(StaffCreatedV1, staff('sc_agent2', ['agent']));
    const claimed = [await seed({ status: 'open', assigneeId: 'sc_agent2' }), await seed({ status: 'open', assigneeId: 'sc_agent2' })];
    const viaPatch = await emergency();
    expect((await patch(viaPatch, { assigneeId: 'sc_agent2' })).status).toBe(200);
    const waiting = await seed({ status: 'awaiting_customer', level: 'standard', assigneeId: 'sc_agent2' });
    const resolved = await seed({ status: 'resolved', responseOwed: false, assigneeId: 'sc_agent2' });
    const open = [...claimed, viaPatch, waiting];

    clock.advanceMs(60_000);
    const disabled = await announce(StaffUpdatedV1, staff('sc_agent2', ['agent'], false));
    for (const id of open) {
      expect((await assigneeOf(id)).assignee_id).toBeNull();
      expect(await unassignments(id)).toEqual([
        { actor_kind: 'service', actor_id: 'gateway', detail: { previousAssigneeId: 'sc_agent2', note: expect.stringMatching(/assignee was disabled/) } },
      ]);
    }
    expect(await unassignedEvents(open)).toBe(open.length);
    // Back in the queue (the emergencies owe a response); a resolved ticket keeps its assignee (the rating credits them).
    expect(await queueIds()).toEqual(expect.arrayContaining([...claimed, viaPatch]));
    expect((await assigneeOf(resolved)).assignee_id).toBe('sc_agent2');

    // The same event again past the inbox, and another announcement of the same standing: nothing more happens.
    await redeliver(disabled);
    await announce(StaffUpdatedV1, staff('sc_agent2', ['agent'], false));
    for (const id of open) expect(await unassignments(id)).toHaveLength(1);
    expect(await unassignedEvents(open)).toBe(open.length);

    // New assignments to the disabled client are refused.
    await expectRefused(await emergency(), 'sc_agent2', /sc_agent2 is disabled/);
  });

  it('P4: an assignment deciding while its assignee is being disabled ends with the ticket back in the queue, never with a disabled assignee', async () => {
    await announce(StaffCreatedV1, staff('sc_racer', ['agent']));
    const ticket = await emergency();
    // A third transaction holds the ticket's row, so the PATCH stops after reading its assignee's standing.
    // It and the watcher have connections of their own: the service's pool is the PATCH's and the consumer's.
    const holder = new Client({ connectionString: sut.databaseUrl });
    const watcher = new Client({ connectionString: sut.databaseUrl });
    await holder.connect();
    await watcher.connect();
    const waitingOnLock = (description: string, like: string) =>
      waitFor(description, async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [like])).rowCount! > 0);
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM ticket_intake.tickets WHERE id = $1 FOR UPDATE`, [ticket]);
      const assigning = patch(ticket, { assigneeId: 'sc_racer' }).then((r) => r);
      await waitingOnLock('the PATCH waiting for the ticket row', '%"Ticket_id"%');
      // The disabling arrives meanwhile: keeping the standing waits for the PATCH, which has read it.
      clock.advanceMs(60_000);
      const gateway = new Outbox({ service: StaffUpdatedV1.owner, schema: INTAKE_SCHEMA, clock });
      const disabling = await sut.host.unitOfWork.run((tx) => gateway.add(tx, StaffUpdatedV1, 'sc_racer', staff('sc_racer', ['agent'], false)));
      const handled = async () => (await watcher.query(`SELECT 1 FROM ticket_intake.inbox WHERE event_id = $1`, [disabling.id])).rowCount! > 0;
      const keepingWaits = async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ON CONFLICT (id) DO UPDATE%'`)).rowCount! > 0;
      await waitFor('the disabling waiting for the PATCH (or, were it not to wait, handled)', async () => (await keepingWaits()) || (await handled()));
      await holder.query('COMMIT');

      expect((await assigning).status).toBe(200);
      await waitFor('intake handled the disabling', handled);
    } finally {
      await holder.end();
      await watcher.end();
    }
    expect((await assigneeOf(ticket)).assignee_id).toBeNull();
    expect(await unassignments(ticket)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ previousAssigneeId: 'sc_racer' }) })]);
  });

  it('P4: losing the role that works tickets frees the tickets too; an older announcement arriving late frees nothing', async () => {
    await announce(StaffCreatedV1, staff('sc_mover', ['agent']));
    const ticket = await seed({ status: 'open', assigneeId: 'sc_mover' });
    clock.advanceMs(60_000);
    const before = clock.now().toISOString();
    clock.advanceMs(60_000);
    await announce(StaffUpdatedV1, staff('sc_mover', ['agent'], true));
    await announce(StaffUpdatedV1, staff('sc_mover', ['agent'], false, before)); // older than what intake holds
    expect((await assigneeOf(ticket)).assignee_id).toBe('sc_mover');

    clock.advanceMs(60_000);
    await announce(StaffUpdatedV1, staff('sc_mover', ['quality']));
    expect((await assigneeOf(ticket)).assignee_id).toBeNull();
    expect(await unassignments(ticket)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ note: expect.stringMatching(/no longer has a role that works tickets/) }) })]);
  });
});
