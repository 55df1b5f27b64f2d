import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tss/contracts';
import { MAX_RESPONSE_MS, ServiceLevels, TicketAssignedV1, type SlaClockStartedV1 } from '@tss/contracts';
import type { EventData } from '@tss/contracts';
import { Outbox, UnitOfWork, type HandlerBinding } from '@tss/messaging';
import { handleInTransaction } from '@tss/messaging/testing';
import { createServiceDataSource } from '@tss/persistence';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock, waitFor } from '@tss/service-kit/testing';
import { TimerStore } from '@tss/timers';
import { compareQueuePositions, levelTargetDueAt, queuePositionOf } from '../../src/domain/queue-order';
import { MAX_RESPONSE_MS_AT_MIGRATION } from '../../src/store/migrations/1765000300000-queue-search';
import { onSlaClockCancelled, onSlaClockStarted, onSlaMet, onSlaRetargeted } from '../../src/events/sla-projection.handler';
import { toTicketSummaryView } from '../../src/http/ticket.views';
import { ticketIntakeService } from '../../src/index';
import { TicketEntity } from '../../src/store/ticket.entity';
import { CLAIM_NEXT_UNASSIGNED_SQL, queueStore } from '../../src/store/queue.store';
import { INTAKE_SCHEMA } from '../../src/store/ticket.store';
import { claimQueueTicket } from '../../src/use-cases/claim-queue-ticket';
import { insertTicketRow, type TicketRowSeed } from './support/ticket-rows';

const START = new Date('2026-03-02T08:00:00.000Z');
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);

describe('the agents’ queue (P4, issue #9)', () => {
  let sut: ServiceUnderTest;
  const clock = new TestClock(START.toISOString());
  const partnerId = randomUUID();
  const staffToken = (staffId: string, roles: string[] = ['agent']) =>
    sut.token({ kind: 'staff', sub: staffId, client_id: staffId, roles, scope: 'tickets:read tickets:write queue:read' });
  const seed = (s: Omit<TicketRowSeed, 'partnerId'> & { partnerId?: string }) => insertTicketRow((sql, p) => sut.query(sql, p), { partnerId, ...s });
  const clearQueue = () => sut.query(`UPDATE ticket_intake.tickets SET response_owed = false`);
  const readQueue = (token: string, query = '') => sut.http().get(`/v1/queue${query}`).auth(token, { type: 'bearer' });
  const claim = (token: string) => sut.http().post('/v1/queue/claim').auth(token, { type: 'bearer' });

  /** Delivers an sla.* event to its projection handler as the consumer does: in a transaction of its own. */
  const deliver = async <T>(binding: HandlerBinding, ticketId: string, data: T) => {
    const event = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'sla-timer',
      type: binding.contract.type,
      time: clock.now().toISOString(),
      subject: ticketId,
      datacontenttype: 'application/json',
      dataschema: `urn:tss:event:${binding.contract.type}:v1`,
      data,
    } as CloudEvent<unknown>;
    await sut.host.dataSource.transaction((tx) => handleInTransaction({ tx, outbox: undefined as never, now: clock.now(), logger: undefined as never }, [[binding.handle, event]]));
  };
  const dueOf = async (ticketId: string) =>
    ((await sut.query(`SELECT response_due_at FROM ticket_intake.tickets WHERE id = $1`, [ticketId])) as { response_due_at: Date | null }[])[0].response_due_at;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ticketIntakeService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  beforeEach(clearQueue);

  it('P4: the queue lists emergencies first, then by the due time owed, then in the order received, as the domain orders them', async () => {
    const rows = [
      { level: 'consulting' as const, receivedAt: at(0) }, // due +24 h
      { level: 'standard' as const, receivedAt: at(1 * HOUR) }, // due +13 h
      { level: 'standard' as const, receivedAt: at(2 * HOUR), responseDueAt: at(3 * HOUR) }, // a clock says +3 h
      { level: 'emergency' as const, receivedAt: at(5 * HOUR) }, // due +11 h, but an emergency
      { level: 'emergency' as const, receivedAt: at(4 * HOUR) }, // due +10 h
      { level: 'development' as const, receivedAt: at(-1 * HOUR) }, // due +7 d - 1 h
      { level: 'standard' as const, receivedAt: at(1 * HOUR) }, // same due time as the second: id decides
    ];
    const ids: string[] = [];
    for (const r of rows) ids.push(await seed(r));
    // Not in the queue: waiting on the requester, resolved, owing nothing, already assigned.
    await seed({ status: 'awaiting_customer', receivedAt: at(0) });
    await seed({ status: 'resolved', receivedAt: at(0) });
    await seed({ receivedAt: at(0), responseOwed: false });
    await seed({ receivedAt: at(0), assigneeId: 'someone-else' });

    const expected = rows
      .map((r, i) => queuePositionOf({ id: ids[i], level: r.level, receivedAt: r.receivedAt, responseDueAt: r.responseDueAt ?? null }))
      .sort(compareQueuePositions)
      .map((p) => p.id);
    const response = await readQueue(staffToken('agent-1'));
    expect(response.status).toBe(200);
    expect(response.body.items.map((e: { ticket: { id: string } }) => e.ticket.id)).toEqual(expected);
    expect(response.body.nextCursor).toBeUndefined();
    const first = response.body.items[0];
    expect(first).toMatchObject({ partnerId, dueAt: at(4 * HOUR + 6 * HOUR).toISOString(), dueAtSource: 'level_target', ticket: { level: 'emergency' } });
    const clocked = response.body.items.find((e: { ticket: { id: string } }) => e.ticket.id === ids[2]);
    expect(clocked).toMatchObject({ dueAt: at(3 * HOUR).toISOString(), dueAtSource: 'sla_clock' });

    // The same order a page at a time: no ticket twice, none skipped.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await readQueue(staffToken('agent-1'), `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items.map((e: { ticket: { id: string } }) => e.ticket.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(expected);
  });

  it('an open, unassigned ticket owing nothing is in view=open, after the tickets that owe, without a due time (docs/adr/0027, addendum of 2026-12-04, fifth session)', async () => {
    const agent = staffToken('agent-open-view');
    const ids = (items: { ticket: { id: string } }[]) => items.map((e) => e.ticket.id);
    const patch = async (ticketId: string, body: Record<string, unknown>) => {
      const current = await sut.http().get(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' });
      const changed = await sut.http().patch(`/v1/tickets/${ticketId}`).auth(agent, { type: 'bearer' }).set('if-match', current.headers.etag).send(body);
      expect(changed.status).toBe(200);
      return changed.body as { status: string; responseOwed: boolean; assigneeId?: string };
    };
    const waitedOn = await seed({ status: 'new', receivedAt: at(0) });
    const owing = await seed({ receivedAt: at(HOUR) });
    const emergency = await seed({ level: 'emergency', receivedAt: at(2 * HOUR) });
    const answered = await seed({ level: 'emergency', receivedAt: at(-HOUR), responseOwed: false });
    await patch(waitedOn, { status: 'awaiting_customer', waitReason: 'question_unclear' });
    // P10/P5: back to open with nothing from the requester owes nothing (no clock runs): out of the work owing a response …
    expect(await patch(waitedOn, { status: 'open' })).toMatchObject({ status: 'open', responseOwed: false });
    expect(ids((await readQueue(agent, '?assignee=any')).body.items)).toEqual([emergency, owing]);

    // … never out of sight: the open view lists it, after every ticket that owes, with no due time.
    const openView = await readQueue(agent, '?assignee=none&view=open');
    expect(openView.status).toBe(200);
    const mine = ids(openView.body.items).filter((id) => [waitedOn, owing, emergency, answered].includes(id));
    expect(mine).toEqual([emergency, owing, answered, waitedOn]);
    const entry = openView.body.items.find((e: { ticket: { id: string } }) => e.ticket.id === waitedOn);
    expect(entry).toEqual({ ticket: expect.objectContaining({ id: waitedOn, status: 'open', responseOwed: false }), partnerId });
    expect(openView.body.items.find((e: { ticket: { id: string } }) => e.ticket.id === owing)).toMatchObject({ dueAt: at(HOUR + 12 * HOUR).toISOString(), dueAtSource: 'level_target' });
    const all = ids(openView.body.items);
    const owedFlags = openView.body.items.map((e: { ticket: { responseOwed: boolean } }) => e.ticket.responseOwed);
    expect(owedFlags).toEqual([...owedFlags].sort((a: boolean, b: boolean) => Number(b) - Number(a)));

    // Paged, the same order: no ticket twice, none skipped, across the owing and owing-nothing parts.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await readQueue(agent, `?assignee=none&view=open&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      paged.push(...ids(page.body.items));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    // A cursor is for the view it was issued in; an unknown view is a 400 naming it.
    const first = await readQueue(agent, '?assignee=none&view=open&limit=1');
    expect((await readQueue(agent, `?assignee=none&limit=1&cursor=${first.body.nextCursor}`)).status).toBe(400);
    expect((await readQueue(agent, '?view=everything')).status).toBe(400);

    // Assigned, it is on the agent's own open view too.
    await patch(waitedOn, { assigneeId: 'agent-open-view' });
    expect(ids((await readQueue(agent, '?assignee=me&view=open')).body.items)).toEqual([waitedOn]);
  });

  it('sla.* events move the due time the queue orders by; an older clock’s end leaves a newer clock alone', async () => {
    const ticketId = await seed({ receivedAt: at(0) });
    const started: EventData<typeof SlaClockStartedV1> = { partnerId, clockId: randomUUID(), level: 'standard', startedAt: at(0).toISOString(), dueAt: at(12 * HOUR).toISOString() };
    await deliver(onSlaClockStarted, ticketId, started);
    expect(await dueOf(ticketId)).toEqual(at(12 * HOUR));

    await deliver(onSlaRetargeted, ticketId, { ...started, previousLevel: 'standard', level: 'emergency', dueAt: at(6 * HOUR).toISOString() });
    expect(await dueOf(ticketId)).toEqual(at(6 * HOUR));

    // Another partner's event for this ticket id changes nothing (tenancy holds in projections too).
    await deliver(onSlaClockStarted, ticketId, { ...started, partnerId: randomUUID(), dueAt: at(1 * HOUR).toISOString() });
    expect(await dueOf(ticketId)).toEqual(at(6 * HOUR));

    await deliver(onSlaMet, ticketId, { partnerId, clockId: randomUUID(), level: 'standard', dueAt: at(6 * HOUR).toISOString(), respondedAt: at(HOUR).toISOString() });
    expect(await dueOf(ticketId)).toEqual(at(6 * HOUR));
    await deliver(onSlaMet, ticketId, { partnerId, clockId: started.clockId, level: 'emergency', dueAt: at(6 * HOUR).toISOString(), respondedAt: at(HOUR).toISOString() });
    expect(await dueOf(ticketId)).toBeNull();

    const next = { ...started, clockId: randomUUID(), dueAt: at(30 * HOUR).toISOString() };
    await deliver(onSlaClockStarted, ticketId, next);
    expect(await dueOf(ticketId)).toEqual(at(30 * HOUR));
    await deliver(onSlaClockCancelled, ticketId, { partnerId, clockId: next.clockId, level: 'standard', cancelledAt: at(20 * HOUR).toISOString(), reason: 'awaiting_customer' });
    expect(await dueOf(ticketId)).toBeNull();
  });

  it('a claim hands the head of the queue to the caller, publishes ticket.assigned with the next sequence and records it', async () => {
    const standard = await seed({ receivedAt: at(0) });
    const emergency = await seed({ level: 'emergency', receivedAt: at(HOUR) });
    const response = await claim(staffToken('agent-7'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ticket: { id: emergency, level: 'emergency', assigneeId: 'agent-7', status: 'open' }, partnerId, dueAtSource: 'level_target' });

    const [row] = await sut.query<{ assignee_id: string; sequence: number }>(`SELECT assignee_id, sequence FROM ticket_intake.tickets WHERE id = $1`, [emergency]);
    expect(row).toEqual({ assignee_id: 'agent-7', sequence: 3 });
    const events = await sut.query<{ event: { data: { sequence: number; assigneeId: string } } }>(
      `SELECT event FROM ticket_intake.outbox WHERE message_key = $1 AND event_type = $2`,
      [emergency, TicketAssignedV1.type],
    );
    expect(events.map((e) => e.event.data)).toEqual([expect.objectContaining({ sequence: 3, assigneeId: 'agent-7', partnerId })]);
    const history = await sut.query(`SELECT actor_kind, actor_id, action, sequence FROM ticket_intake.ticket_history WHERE ticket_id = $1`, [emergency]);
    expect(history).toEqual([{ actor_kind: 'staff', actor_id: 'agent-7', action: 'assigned', sequence: 3 }]);

    // A `new` ticket claimed becomes `open`: someone works on it (the same change as an agent's assignment).
    const fresh = await seed({ status: 'new', receivedAt: at(-HOUR) });
    const claimedNew = await claim(staffToken('agent-7'));
    expect(claimedNew.body.ticket).toMatchObject({ id: fresh, status: 'open', assigneeId: 'agent-7' });
    const freshEvents = await sut.query<{ event_type: string }>(`SELECT event_type FROM ticket_intake.outbox WHERE message_key = $1 ORDER BY position`, [fresh]);
    expect(freshEvents.map((e) => e.event_type)).toEqual(['ticket.assigned', 'ticket.status_changed']);

    // The claimed ticket left the unassigned queue and is on the agent's own list.
    expect((await readQueue(staffToken('agent-7'))).body.items.map((e: { ticket: { id: string } }) => e.ticket.id)).toEqual([standard]);
    const mine = await readQueue(staffToken('agent-7'), '?assignee=me');
    expect(mine.body.items.map((e: { ticket: { id: string; assigneeId: string } }) => [e.ticket.id, e.ticket.assigneeId])).toEqual([
      [emergency, 'agent-7'],
      [fresh, 'agent-7'],
    ]);
    expect((await readQueue(staffToken('agent-8'), '?assignee=me')).body.items).toEqual([]);
    expect((await readQueue(staffToken('agent-8'), '?assignee=any')).body.items).toHaveLength(3);
  });

  /** Claims by `claims` agents at once: through HTTP (the service's pool), or each on a connection of its own. */
  const race = async (claims: number, way: 'http' | 'connections') => {
    const agents = Array.from({ length: claims }, (_, i) => `race-agent-${randomUUID().slice(0, 8)}-${i}`);
    if (way === 'http') {
      const responses = await Promise.all(agents.map((agent) => claim(staffToken(agent))));
      return responses.map((r) => ({ status: r.status, ticket: r.body?.ticket as { id: string; level: string; assigneeId: string } | undefined }));
    }
    // 20 transactions really at once: the service's own pool would queue them behind its few connections.
    const dataSource = createServiceDataSource({ url: sut.databaseUrl, schema: INTAKE_SCHEMA, entities: [TicketEntity], migrations: [], poolSize: claims });
    await dataSource.initialize();
    try {
      const deps = {
        unitOfWork: new UnitOfWork(dataSource),
        outbox: new Outbox({ service: 'ticket-intake', schema: INTAKE_SCHEMA, clock }),
        timers: new TimerStore({ schema: INTAKE_SCHEMA, clock }),
        clock,
      };
      await Promise.all(agents.map(() => dataSource.query('SELECT 1'))); // every connection open before the race
      const claimed = await Promise.all(agents.map((staffId) => claimQueueTicket(deps, { staffId })));
      return claimed.map((c) => (c ? { status: 200, ticket: toTicketSummaryView(c.ticket) } : { status: 204, ticket: undefined }));
    } finally {
      await dataSource.destroy();
    }
  };

  it.each([
    { tickets: 12, claims: 20, way: 'connections' as const },
    { tickets: 25, claims: 20, way: 'connections' as const },
    { tickets: 12, claims: 20, way: 'http' as const },
  ])('P4: $claims agents claiming at once ($way) over $tickets tickets never get the same ticket', async ({ tickets, claims, way }) => {
    const filed = new Set<string>();
    for (let i = 0; i < tickets; i += 1) filed.add(await seed({ receivedAt: at(i * 60_000), level: i % 5 === 0 ? 'emergency' : 'standard' }));

    const startedAt = performance.now();
    const responses = await race(claims, way);
    const elapsedMs = performance.now() - startedAt;

    const won = responses.filter((r): r is { status: number; ticket: { id: string; level: string; assigneeId: string } } => r.status === 200 && r.ticket !== undefined);
    expect(responses.filter((r) => r.status !== 200).map((r) => r.status)).toEqual(Array(claims - Math.min(claims, tickets)).fill(204));
    expect(won).toHaveLength(Math.min(claims, tickets));
    const claimedIds = won.map((r) => r.ticket.id);
    expect(new Set(claimedIds).size).toBe(claimedIds.length);
    for (const id of claimedIds) expect(filed.has(id)).toBe(true);
    // Each winner holds the ticket it was answered with, and nobody else holds it.
    const assignees = await sut.query<{ id: string; assignee_id: string }>(`SELECT id, assignee_id FROM ticket_intake.tickets WHERE id = ANY($1::uuid[]) AND assignee_id IS NOT NULL`, [[...filed]]);
    expect(new Map(assignees.map((a) => [a.id, a.assignee_id]))).toEqual(new Map(won.map((r) => [r.ticket.id, r.ticket.assigneeId])));
    expect(new Set(won.map((r) => r.ticket.assigneeId)).size).toBe(won.length);
    const assignedEvents = await sut.query<{ n: string }>(`SELECT count(*) AS n FROM ticket_intake.outbox WHERE message_key = ANY($1::text[]) AND event_type = $2`, [
      [...filed],
      TicketAssignedV1.type,
    ]);
    expect(Number(assignedEvents[0].n)).toBe(won.length);
    // The emergencies went first: every emergency is claimed before any standard ticket is.
    if (tickets > claims) expect(won.filter((r) => r.ticket.level === 'emergency')).toHaveLength(Math.ceil(tickets / 5));
    process.stdout.write(`queue race (${way}): ${claims} claims over ${tickets} tickets in ${elapsedMs.toFixed(0)} ms\n`);
  });

  it('P4: a claim passes over the ticket another claim holds instead of waiting for it (SKIP LOCKED)', async () => {
    const head = await seed({ level: 'emergency', receivedAt: at(0) });
    const second = await seed({ receivedAt: at(0) });
    const queryRunner = sut.host.dataSource.createQueryRunner();
    await queryRunner.connect();
    await queryRunner.startTransaction();
    try {
      // Another agent's claim, still in its transaction, holds the head of the queue.
      expect(await queueStore.lockNextUnassigned(queryRunner.manager)).toMatchObject({ id: head });
      const meanwhile = await claim(staffToken('agent-skip'));
      expect(meanwhile.status).toBe(200);
      expect(meanwhile.body.ticket.id).toBe(second);
    } finally {
      await queryRunner.rollbackTransaction();
      await queryRunner.release();
    }
    // Released, the head is the next claim's.
    expect((await claim(staffToken('agent-skip'))).body.ticket.id).toBe(head);
  }, 15_000);

  it('P4: a claim waits for the ticket a background write holds instead of answering that the queue is empty', async () => {
    const only = await seed({ level: 'emergency', receivedAt: at(0) });
    // sla-timer's projection (or any other short writer) holds the only ticket of the queue.
    const holder = sut.host.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`UPDATE ticket_intake.tickets SET response_due_at = $2 WHERE id = $1`, [only, at(HOUR)]);
      const claiming = claim(staffToken('agent-patient')).then((r) => r);
      // Watched from another connection: a transaction keeps its first view of pg_stat_activity.
      const waiting = async () => (await sut.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE OF t%'`)).length > 0;
      const answered = async () => (await Promise.race([claiming, Promise.resolve(undefined)])) !== undefined;
      await waitFor('the claim waiting for the row, or answered without waiting', async () => (await waiting()) || (await answered()));
      await holder.commitTransaction();
      const response = await claiming;
      expect(response.status).toBe(200);
      expect(response.body.ticket).toMatchObject({ id: only, assigneeId: 'agent-patient' });
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  }, 15_000);

  it('P5: the SQL that orders the queue keeps the domain’s level targets; a claim reads the queue index, not a sort of every ticket', async () => {
    expect(MAX_RESPONSE_MS_AT_MIGRATION).toEqual(MAX_RESPONSE_MS);
    for (const level of ServiceLevels) {
      const [row] = await sut.query<{ due: Date }>(`SELECT ticket_intake.level_target_due_at($1, $2) AS due`, [level, START]);
      expect(row.due).toEqual(levelTargetDueAt(level, START));
    }
    const plan = await sut.host.dataSource.transaction(async (tx) => {
      // Few rows here, so make the planner show whether the index can serve the claim at all.
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL enable_sort = off');
      return (await tx.query(`EXPLAIN ${CLAIM_NEXT_UNASSIGNED_SQL}`)) as { 'QUERY PLAN': string }[];
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using tickets_queue_open_(unassigned|all)/);
    expect(text).not.toMatch(/\bSort\b/);
  });

  it('partners and requesters are refused the queue; staff who do not answer tickets may read it but not claim', async () => {
    await seed({ receivedAt: at(0) });
    const partner = sut.token({ kind: 'partner', partner_id: partnerId, scope: 'tickets:read tickets:write' });
    const requester = sut.token({ kind: 'requester', partner_id: partnerId, requester_id: 'cust-1', scope: 'tickets:read tickets:write' });
    for (const token of [partner, requester]) {
      expect((await readQueue(token)).status).toBe(403);
      expect((await claim(token)).status).toBe(403);
    }
    const admin = staffToken('admin-1', ['admin']);
    expect((await readQueue(admin)).status).toBe(200);
    expect((await claim(admin)).status).toBe(403);
    const quality = sut.token({ kind: 'staff', sub: 'quality-1', roles: ['quality'], scope: 'tickets:read reports:read' });
    expect((await readQueue(quality)).status).toBe(403);
  });

  it('an empty queue answers 204 to a claim; bad queue parameters are a 400 naming them', async () => {
    expect((await claim(staffToken('agent-9'))).status).toBe(204);
    const badAssignee = await readQueue(staffToken('agent-9'), '?assignee=everyone');
    expect(badAssignee.status).toBe(400);
    expect(JSON.stringify(badAssignee.body.errors)).toContain('/assignee');
    const badCursor = await readQueue(staffToken('agent-9'), '?cursor=abc.def');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.detail).toMatch(/^cursor: /);
  });
});
