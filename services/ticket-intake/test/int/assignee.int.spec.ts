import { randomUUID } from 'node:crypto';
import type { CloudEvent, EventData } from '@tss/contracts';
import { StaffCreatedV1, StaffUpdatedV1 } from '@tss/contracts';
import type { HandlerBinding } from '@tss/messaging';
import { handleInTransaction } from '@tss/messaging/testing';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { staffDirectoryHandlers } from '../../src/events/staff-directory.handlers';
import { ticketIntakeService } from '../../src/index';
import { insertTicketRow } from './support/ticket-rows';

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
  const emergency = () => insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, receivedAt: clock.now(), level: 'emergency', status: 'new' });

  /** Delivers a staff.* event to its handler as the consumer does: in a transaction of its own. */
  const announce = async (contract: typeof StaffCreatedV1 | typeof StaffUpdatedV1, data: StaffData) => {
    const binding = staffDirectoryHandlers().find((h: HandlerBinding) => h.contract.type === contract.type)!;
    const event = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'gateway',
      type: contract.type,
      time: data.changedAt,
      subject: data.staffId,
      datacontenttype: 'application/json',
      dataschema: `urn:tss:event:${contract.type}:v1`,
      data,
    } as CloudEvent<unknown>;
    await sut.host.dataSource.transaction((tx) => handleInTransaction({ tx, outbox: undefined as never, now: clock.now(), logger: undefined as never }, [[binding.handle, event]]));
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
});
